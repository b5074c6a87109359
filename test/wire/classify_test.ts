// The packet-in seam: every drop reason, as the receiver gets it from
// classify(), for each protocol and family; and the demux between them.
import assert from "node:assert/strict";
import { encodeAdvert, encodeCarpPacket } from "../../src/carp/mod.ts";
import {
  CARP6_GROUP,
  CARP_GROUP,
  internetChecksum,
  type Ipv6,
  parseIpv4,
  parseIpv6,
  type Received,
} from "../../src/net/mod.ts";
import {
  encodeVrrp2Packet,
  encodeVrrp4Packet,
  encodeVrrp6Message,
} from "../../src/vrrp/mod.ts";
import {
  ALL_DROP_REASONS,
  type AnyDropReason,
  classify,
  type FamilyAccept,
  interfaceAccept,
  type Verdict,
  type WireEntry,
} from "../../src/wire/mod.ts";
import { carpAuth } from "../../src/wire/accept.ts";
import type { Vip } from "../../src/config/mod.ts";

const v4 = (s: string): number => parseIpv4(s)!;
const v6 = (s: string): Ipv6 => parseIpv6(s)!;
const KEY = new TextEncoder().encode("s3cret");
const SOURCE = v4("10.0.0.2");
const SOURCE6 = v6("fe80::2");
const VIPS: Vip[] = [
  { family: 4, address: v4("10.0.0.100"), prefix: 24, text: "10.0.0.100/24" },
  {
    family: 6,
    address: v6("2001:db8::100"),
    prefix: 64,
    text: "2001:db8::100/64",
  },
];

/** CARP vhid 3 (both families), VRRPv3 vhid 9 (both), VRRPv2 vhid 12. */
const ENTRIES: WireEntry[] = [
  {
    id: 3,
    protocol: "carp",
    families: new Set([4, 6]),
    auth: [carpAuth(KEY, VIPS)],
    vrrp2: null,
    unicast4: null,
    unicast6: false,
  },
  {
    id: 9,
    protocol: "vrrp3",
    families: new Set([4, 6]),
    auth: null,
    vrrp2: null,
    unicast4: null,
    unicast6: false,
  },
  {
    id: 12,
    protocol: "vrrp2",
    families: new Set([4]),
    auth: null,
    vrrp2: [{ intervalS: 1, authPass: "k33p" }],
    unicast4: null,
    unicast6: false,
  },
];
const ACCEPT = interfaceAccept(ENTRIES, [CARP_GROUP], null);

function ipv4(bytes: Uint8Array): Received {
  return {
    bytes,
    truncated: false,
    source: null,
    hopLimit: null,
    destination: null,
  };
}

function ipv6(
  bytes: Uint8Array,
  o: Partial<Omit<Received, "bytes">> = {},
): Received {
  return {
    bytes,
    truncated: false,
    source: SOURCE6,
    hopLimit: 255,
    destination: CARP6_GROUP,
    ...o,
  };
}

function carp4(
  o: { vhid?: number; key?: Uint8Array; destination?: number } = {},
): Uint8Array {
  return encodeCarpPacket(
    {
      source: SOURCE,
      id: 7,
      ...(o.destination === undefined ? {} : { destination: o.destination }),
    },
    encodeAdvert(
      { vhid: o.vhid ?? 3, advbase: 1, advskew: 10, counter: 5n },
      carpAuth(o.key ?? KEY, VIPS),
    ),
  );
}

function carp6(vhid = 3, key = KEY): Uint8Array {
  return encodeAdvert(
    { vhid, advbase: 1, advskew: 10, counter: 5n },
    carpAuth(key, VIPS),
  );
}

function vrrp4(
  vrid = 9,
  o: { destination?: number; dialect?: "pseudo" | "plain" } = {},
): Uint8Array {
  return encodeVrrp4Packet(
    {
      source: SOURCE,
      ...(o.destination === undefined ? {} : { destination: o.destination }),
    },
    {
      family: 4,
      vrid,
      priority: 100,
      intervalCs: 100,
      addresses: [v4("10.0.0.100")],
    },
    o.dialect ?? "pseudo",
  );
}

function vrrp6(vrid = 9, destination: Ipv6 = CARP6_GROUP): Uint8Array {
  return encodeVrrp6Message(
    {
      family: 6,
      vrid,
      priority: 100,
      intervalCs: 100,
      addresses: [v6("fe80::1"), v6("2001:db8::100")],
    },
    SOURCE6,
    destination,
  );
}

function vrrp2(
  vrid = 12,
  pass: string | null = "k33p",
  intervalS = 1,
): Uint8Array {
  return encodeVrrp2Packet(
    { source: SOURCE },
    { vrid, priority: 100, intervalS, addresses: [v4("10.0.0.100")] },
    pass,
  );
}

/** Rewrites the IPv4 header checksum and the message checksum at `at`. */
function resum(
  p: Uint8Array,
  at: number,
  from = 20,
  to = p.length,
): Uint8Array {
  const view = new DataView(p.buffer, p.byteOffset);
  view.setUint16(10, 0);
  view.setUint16(10, internetChecksum(p.subarray(0, 20)));
  view.setUint16(at, 0);
  view.setUint16(at, internetChecksum(p.subarray(from, to)));
  return p;
}

function edit(p: Uint8Array, f: (p: Uint8Array) => void): Uint8Array {
  const copy = p.slice();
  f(copy);
  return copy;
}

function verdict4(
  bytes: Uint8Array,
  accept: FamilyAccept = ACCEPT[4],
): Verdict {
  return classify(4, ipv4(bytes), accept);
}

function verdict6(
  received: Received,
  accept: FamilyAccept = ACCEPT[6],
): Verdict {
  return classify(6, received, accept);
}

function reason(v: Verdict): AnyDropReason | "ok" {
  return v.ok ? "ok" : v.reason;
}

// Each case: the reason, the protocol, the verdict.
const CASES: [AnyDropReason, string, () => Verdict][] = [
  // CARP over IPv4
  ["short", "carp4: fewer than 20 bytes", () => verdict4(new Uint8Array(10))],
  [
    "short",
    "carp4: cut inside the advert",
    () => verdict4(carp4().subarray(0, 55)),
  ],
  [
    "bad_ip_header",
    "carp4: IP version 6",
    () => verdict4(edit(carp4(), (p) => p[0] = 0x65)),
  ],
  [
    "bad_ip_header",
    "carp4: protocol 17",
    () => verdict4(edit(carp4(), (p) => p[9] = 17)),
  ],
  [
    "bad_ttl",
    "carp4: TTL 64",
    () => verdict4(resum(edit(carp4(), (p) => p[8] = 64), 26, 20, 56)),
  ],
  [
    "bad_version",
    "carp4: version 1",
    () => verdict4(resum(edit(carp4(), (p) => p[20] = 0x11), 26, 20, 56)),
  ],
  [
    "bad_type",
    "carp4: type 2",
    () => verdict4(resum(edit(carp4(), (p) => p[20] = 0x22), 26, 20, 56)),
  ],
  [
    "bad_checksum",
    "carp4: CARP checksum",
    () => verdict4(edit(carp4(), (p) => p[27] = p[27]! ^ 1)),
  ],
  [
    "bad_checksum",
    "carp4: IP header checksum",
    () => verdict4(edit(carp4(), (p) => p[11] = p[11]! ^ 1)),
  ],
  [
    "bad_authlen",
    "carp4: authlen 6",
    () => verdict4(resum(edit(carp4(), (p) => p[23] = 6), 26, 20, 56)),
  ],
  ["wrong_vhid", "carp4: vhid 4", () => verdict4(carp4({ vhid: 4 }))],
  [
    "wrong_destination",
    "carp4: another group",
    () => verdict4(carp4({ destination: v4("224.0.0.99") })),
  ],
  [
    "bad_hmac",
    "carp4: another password",
    () => verdict4(carp4({ key: new TextEncoder().encode("other") })),
  ],
  // CARP over IPv6
  [
    "short",
    "carp6: truncated by the socket",
    () => verdict6(ipv6(carp6(), { truncated: true })),
  ],
  ["short", "carp6: 35 bytes", () => verdict6(ipv6(carp6().subarray(0, 35)))],
  [
    "bad_ttl",
    "carp6: hop limit 64",
    () => verdict6(ipv6(carp6(), { hopLimit: 64 })),
  ],
  [
    "bad_checksum",
    "carp6: checksum",
    () => verdict6(ipv6(edit(carp6(), (p) => p[7] = p[7]! ^ 1))),
  ],
  ["wrong_vhid", "carp6: vhid 5", () => verdict6(ipv6(carp6(5)))],
  [
    "wrong_destination",
    "carp6: to ff02::1",
    () => verdict6(ipv6(carp6(), { destination: v6("ff02::1") })),
  ],
  [
    "bad_hmac",
    "carp6: another password",
    () => verdict6(ipv6(carp6(3, new TextEncoder().encode("x")))),
  ],
  // VRRPv3 over IPv4
  [
    "bad_ip_header",
    "vrrp4: IP total length below the header",
    () =>
      verdict4(edit(vrrp4(), (p) => {
        p[2] = 0;
        p[3] = 10;
        resum(p, 10, 0, 20);
      })),
  ],
  [
    "short",
    "vrrp4: IP total length past the bytes",
    () =>
      verdict4(edit(vrrp4(), (p) => {
        p[3] = p[3]! + 8;
        resum(p, 10, 0, 20);
      })),
  ],
  ["bad_ttl", "vrrp4: TTL 1", () =>
    verdict4(edit(vrrp4(), (p) => {
      p[8] = 1;
      resum(p, 10, 0, 20);
    }))],
  [
    "bad_version",
    "vrrp4: a VRRPv3 advert naming CARP vhid 3",
    () => verdict4(vrrp4(3)),
  ],
  [
    "bad_type",
    "vrrp4: type 2",
    () => verdict4(edit(vrrp4(), (p) => p[20] = 0x32)),
  ],
  [
    "bad_count",
    "vrrp4: no addresses",
    () => verdict4(edit(vrrp4(), (p) => p[23] = 0)),
  ],
  [
    "bad_length",
    "vrrp4: two addresses counted, one sent",
    () => verdict4(edit(vrrp4(), (p) => p[23] = 2)),
  ],
  ["bad_interval", "vrrp4: interval 0", () =>
    verdict4(edit(vrrp4(), (p) => {
      p[24] = 0;
      p[25] = 0;
    }))],
  [
    "bad_checksum",
    "vrrp4: checksum",
    () => verdict4(edit(vrrp4(), (p) => p[27] = p[27]! ^ 1)),
  ],
  ["wrong_vhid", "vrrp4: VRID 10", () => verdict4(vrrp4(10))],
  [
    "wrong_destination",
    "vrrp4: to 10.0.0.1",
    () => verdict4(vrrp4(9, { destination: v4("10.0.0.1") })),
  ],
  // VRRPv3 over IPv6
  ["short", "vrrp6: 7 bytes", () => verdict6(ipv6(vrrp6().subarray(0, 7)))],
  [
    "bad_ttl",
    "vrrp6: hop limit 1",
    () => verdict6(ipv6(vrrp6(), { hopLimit: 1 })),
  ],
  [
    "bad_length",
    "vrrp6: a byte more",
    () => verdict6(ipv6(new Uint8Array([...vrrp6(), 0]))),
  ],
  [
    "bad_checksum",
    "vrrp6: checksum",
    () => verdict6(ipv6(edit(vrrp6(), (p) => p[7] = p[7]! ^ 1))),
  ],
  ["wrong_vhid", "vrrp6: VRID 11", () => verdict6(ipv6(vrrp6(11)))],
  [
    "wrong_destination",
    "vrrp6: to ff02::1",
    () =>
      verdict6(
        ipv6(vrrp6(9, v6("ff02::1")), { destination: v6("ff02::1") }),
      ),
  ],
  [
    "bad_version",
    "vrrp6: a VRRPv3 advert naming CARP vhid 3",
    () => verdict6(ipv6(vrrp6(3))),
  ],
  // VRRPv2 (IPv4)
  ["bad_length", "vrrp2: auth data cut", () =>
    verdict4(
      edit(vrrp2(), (p) => {
        p[3] = p[3]! - 4;
        resum(p, 10, 0, 20);
      }).subarray(0, 48),
    )],
  [
    "bad_count",
    "vrrp2: no addresses",
    () => verdict4(resum(edit(vrrp2(), (p) => p[23] = 0), 26)),
  ],
  [
    "bad_interval",
    "vrrp2: another interval",
    () => verdict4(vrrp2(12, "k33p", 2)),
  ],
  [
    "bad_checksum",
    "vrrp2: checksum",
    () => verdict4(edit(vrrp2(), (p) => p[27] = p[27]! ^ 1)),
  ],
  ["bad_auth", "vrrp2: another password", () => verdict4(vrrp2(12, "other"))],
  ["bad_auth", "vrrp2: no password", () => verdict4(vrrp2(12, null))],
];

Deno.test("classify() names every drop reason, for each protocol and family", async (t) => {
  for (const [want, name, run] of CASES) {
    await t.step(`${want}: ${name}`, () => assert.equal(reason(run()), want));
  }
  const named = new Set(CASES.map(([r]) => r));
  // replay is the vhid's own admission (a counter not above the sender's
  // last), other_key and old_key its judgement of keys during and after a
  // roll-out, each tested with it; every other reason has a case here.
  const missing = ALL_DROP_REASONS.filter((r) =>
    !named.has(r) && !["replay", "other_key", "old_key"].includes(r)
  );
  assert.deepEqual(missing, []);
});

Deno.test("classify() hands each protocol's advert to its vhid, in the election's terms", () => {
  assert.deepEqual(verdict4(carp4()), {
    ok: true,
    vhid: 3,
    source: SOURCE,
    advert: { protocol: "carp", advbase: 1, advskew: 10, counter: 5n },
    dialect: null,
    addresses: null,
    keyIndex: 0,
  });
  assert.deepEqual(verdict4(vrrp4(9, { dialect: "plain" })), {
    ok: true,
    vhid: 9,
    source: SOURCE,
    advert: { protocol: "vrrp", priority: 100, intervalCs: 100 },
    dialect: "plain",
    addresses: ["10.0.0.100"],
    keyIndex: 0,
  });
  const six = verdict6(ipv6(vrrp6()));
  assert.ok(six.ok);
  assert.equal(six.source, "fe80::2");
  assert.equal(six.dialect, null, "no dialects over IPv6");
  assert.deepEqual(six.addresses, ["fe80::1", "2001:db8::100"]);
  const v2 = verdict4(vrrp2());
  assert.ok(v2.ok && v2.vhid === 12);
  assert.deepEqual(v2.advert, {
    protocol: "vrrp",
    priority: 100,
    intervalCs: 100,
  });
  const c6 = verdict6(ipv6(carp6()));
  assert.ok(c6.ok && c6.vhid === 3 && c6.source === "fe80::2");
});

Deno.test("classify() checks a roll-out's earlier keys after the one in force and says which one matched; a CARP bad_hmac carries its counter", () => {
  const earlier = new TextEncoder().encode("old-s3cret");
  const rolled = interfaceAccept(
    ENTRIES.map((e) =>
      e.protocol === "carp"
        ? { ...e, auth: [carpAuth(KEY, VIPS), carpAuth(earlier, VIPS)] }
        : e.protocol === "vrrp2"
        ? {
          ...e,
          vrrp2: [{ intervalS: 1, authPass: "k33p" }, {
            intervalS: 1,
            authPass: "old",
          }],
        }
        : e
    ),
    [CARP_GROUP],
    null,
  );
  const now = verdict4(carp4(), rolled[4]);
  assert.ok(now.ok && now.keyIndex === 0);
  const before = verdict4(carp4({ key: earlier }), rolled[4]);
  assert.ok(before.ok && before.keyIndex === 1);
  const neither = verdict4(carp4({ key: new Uint8Array([9]) }), rolled[4]);
  assert.ok(!neither.ok && neither.reason === "bad_hmac");
  assert.equal(neither.counter, 5n);
  const v2 = verdict4(vrrp2(12, "old"), rolled[4]);
  assert.ok(v2.ok && v2.keyIndex === 1);
  assert.equal(reason(verdict4(vrrp2(12, "other"), rolled[4])), "bad_auth");
});

Deno.test("classify() tells VRRPv2 from CARP only by a VRID of ours", () => {
  // The same VRRPv2 packet is CARP's to judge when no VRRPv2 vhid has its id.
  const noV2 = interfaceAccept(ENTRIES.filter((e) => e.protocol !== "vrrp2"), [
    CARP_GROUP,
  ], null);
  const v = verdict4(vrrp2(), noV2[4]);
  assert.equal(v.ok, false);
  assert.notEqual(reason(v), "bad_auth");
});

Deno.test("classify() never throws on random bytes", () => {
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) >>> 0) & 0xff;
  for (let i = 0; i < 20_000; i++) {
    const bytes = new Uint8Array(next() % 96);
    for (let j = 0; j < bytes.length; j++) bytes[j] = next();
    if (bytes.length > 9 && i % 2 === 0) {
      bytes[0] = 0x45;
      bytes[9] = 112;
    }
    verdict4(bytes);
    verdict6(ipv6(bytes));
  }
});
