import assert from "node:assert/strict";
import {
  CARP6_GROUP,
  CARP_GROUP,
  internetChecksum,
  type Ipv6,
  type Ipv6Meta,
  parseIpv4,
  parseIpv6,
} from "../../src/net/mod.ts";
import {
  type ChecksumDialect,
  encodeVrrp4Packet,
  encodeVrrp6Message,
  VRRP_DROP_REASONS,
  VRRP_PRIORITY_BOW_OUT,
  type VrrpAdvert4,
  type VrrpAdvert6,
  type VrrpDropReason,
} from "../../src/vrrp/mod.ts";
import {
  VRRP_HEADER_LENGTH,
  VRRP_MAX_INTERVAL_CS,
  VRRP_TOS,
  VRRP_TTL,
  VRRP_TYPE_ADVERTISEMENT,
  VRRP_VERSION,
} from "../../src/vrrp/constants.ts";
import {
  decodeVrrp4Packet,
  encodeVrrp4Message,
  type VrrpReceiveOptions,
} from "../../src/vrrp/packet.ts";
import {
  decodeVrrp6,
  type VrrpReceive6Options,
} from "../../src/vrrp/packet6.ts";
import { flip, fromHex, toHex } from "../_hex.ts";

const v4 = (s: string): number => parseIpv4(s)!;
const v6 = (s: string): Ipv6 => parseIpv6(s)!;

// The vectors of shared/research/vrrp_ipv6.md section 1.3 (computed there in
// Python and checked with tcpdump; recomputed in Python for this file).

/** keepalived 2.0.12 unicast advert from keepalived issue #1175. */
const KA = {
  source: v4("10.1.0.3"),
  destination: v4("10.1.0.1"),
  advert: {
    family: 4,
    vrid: 88,
    priority: 198,
    intervalCs: 100,
    addresses: [v4("10.195.76.227")],
  } as VrrpAdvert4,
  pseudo: "3158c6010064 9c19 0ac34ce3",
  plainChecksum: "b09b",
  // The same message summed with destination 224.0.0.18 (keepalived <= 1.3.6).
  pseudoMcast: "3158c6010064c6080ac34ce3",
};

/** Vector A: multicast from 192.0.2.10. */
const A = {
  source: v4("192.0.2.10"),
  destination: CARP_GROUP,
  advert: {
    family: 4,
    vrid: 51,
    priority: 100,
    intervalCs: 100,
    addresses: [v4("192.0.2.100")],
  } as VrrpAdvert4,
  pseudo: "313364010064 0569 c0000264",
  plain: "313364010064 a802 c0000264",
  bowOutPseudo: "313300010064 6969 c0000264",
  bowOutPlain: "313300010064 0c03 c0000264",
};

/** Vector B: IPv6 from fe80::200:ff:fe00:a to ff02::12. */
const B = {
  source: v6("fe80::200:ff:fe00:a"),
  destination: v6("ff02::12"),
  advert: {
    family: 6,
    vrid: 51,
    priority: 100,
    intervalCs: 100,
    addresses: [v6("fe80::1"), v6("2001:db8::100")],
  } as VrrpAdvert6,
  message: "313364020064 3df3" + "fe800000000000000000000000000001" +
    "20010db8000000000000000000000100",
};

const hex = (s: string): string => s.replace(/\s+/g, "");

/**
 * An IPv4 packet around a payload, built here rather than by the codec:
 * IHL 5, TOS 0xc0, no DF, header checksum filled in.
 */
function ipv4(
  payload: Uint8Array,
  source: number,
  destination: number,
  ttl = 255,
): Uint8Array {
  const p = new Uint8Array(20 + payload.length);
  const view = new DataView(p.buffer);
  p[0] = 0x45;
  p[1] = 0xc0;
  view.setUint16(2, p.length);
  p[8] = ttl;
  p[9] = 112;
  view.setUint32(12, source);
  view.setUint32(16, destination);
  view.setUint16(10, internetChecksum(p.subarray(0, 20)));
  p.set(payload, 20);
  return p;
}

/** Rewrites the IPv4 header checksum after a deliberate edit. */
function fixIpChecksum(p: Uint8Array): Uint8Array {
  const ihl = (p[0]! & 0x0f) * 4;
  const view = new DataView(p.buffer, p.byteOffset);
  view.setUint16(10, 0);
  view.setUint16(10, internetChecksum(p.subarray(0, ihl)));
  return p;
}

/** Rewrites a message's checksum (with a pseudo-header, or plain). */
function fixVrrpChecksum(message: Uint8Array, pseudo?: Uint8Array): void {
  message[6] = 0;
  message[7] = 0;
  const all = new Uint8Array((pseudo?.length ?? 0) + message.length);
  if (pseudo) all.set(pseudo);
  all.set(message, pseudo?.length ?? 0);
  const c = internetChecksum(all);
  message[6] = c >> 8;
  message[7] = c & 0xff;
}

function pseudo4(
  source: number,
  destination: number,
  length: number,
): Uint8Array {
  const p = new Uint8Array(12);
  const view = new DataView(p.buffer);
  view.setUint32(0, source);
  view.setUint32(4, destination);
  p[9] = 112;
  view.setUint16(10, length);
  return p;
}

function pseudo6(
  source: Ipv6,
  destination: Ipv6,
  length: number,
): Uint8Array {
  const p = new Uint8Array(40);
  p.set(source);
  p.set(destination, 16);
  new DataView(p.buffer).setUint32(32, length);
  p[39] = 112;
  return p;
}

const OPTIONS_A: VrrpReceiveOptions = {
  vrids: new Set([51]),
  destinations: new Set([CARP_GROUP]),
};
const META_B: Ipv6Meta = {
  source: B.source,
  hopLimit: 255,
  destination: B.destination,
};
const OPTIONS_B: VrrpReceive6Options = {
  vrids: new Set([51]),
  destinations: new Set(["ff02::12"]),
};

Deno.test("the constants are RFC 9568's and keepalived's", () => {
  assert.equal(VRRP_VERSION, 3);
  assert.equal(VRRP_TYPE_ADVERTISEMENT, 1);
  assert.equal(VRRP_HEADER_LENGTH, 8);
  assert.equal(VRRP_TTL, 255);
  assert.equal(VRRP_TOS, 0xc0);
  assert.equal(VRRP_MAX_INTERVAL_CS, 4095);
  assert.equal(VRRP_PRIORITY_BOW_OUT, 0);
});

Deno.test("encodeVrrp4Message() reproduces keepalived's unicast advert", () => {
  const pseudo = encodeVrrp4Message(
    KA.advert,
    KA.source,
    KA.destination,
    "pseudo",
  );
  assert.equal(toHex(pseudo), hex(KA.pseudo));
  assert.equal(toHex(pseudo), "3158c60100649c190ac34ce3");
  const plain = encodeVrrp4Message(
    KA.advert,
    KA.source,
    KA.destination,
    "plain",
  );
  assert.equal(toHex(plain.subarray(6, 8)), KA.plainChecksum);
});

Deno.test("encodeVrrp4Message() reproduces vector A in both dialects, priority 100 and 0", () => {
  const enc = (priority: number, dialect: "pseudo" | "plain"): string =>
    toHex(
      encodeVrrp4Message(
        { ...A.advert, priority },
        A.source,
        A.destination,
        dialect,
      ),
    );
  assert.equal(enc(100, "pseudo"), hex(A.pseudo));
  assert.equal(enc(100, "plain"), hex(A.plain));
  assert.equal(enc(VRRP_PRIORITY_BOW_OUT, "pseudo"), hex(A.bowOutPseudo));
  assert.equal(enc(VRRP_PRIORITY_BOW_OUT, "plain"), hex(A.bowOutPlain));
});

Deno.test("encodeVrrp6Message() reproduces vector B", () => {
  assert.equal(
    toHex(encodeVrrp6Message(B.advert, B.source, B.destination)),
    hex(B.message),
  );
});

Deno.test("decodeVrrp4Packet() accepts the vectors and names their dialect", async (t) => {
  const cases: [string, string, number, number, ChecksumDialect, number][] = [
    ["keepalived, pseudo", KA.pseudo, KA.source, KA.destination, "pseudo", 88],
    [
      "keepalived, pseudo_mcast",
      KA.pseudoMcast,
      KA.source,
      KA.destination,
      "pseudo_mcast",
      88,
    ],
    ["A, pseudo", A.pseudo, A.source, A.destination, "pseudo", 51],
    ["A, plain", A.plain, A.source, A.destination, "plain", 51],
    [
      "A bow-out, pseudo",
      A.bowOutPseudo,
      A.source,
      A.destination,
      "pseudo",
      51,
    ],
    ["A bow-out, plain", A.bowOutPlain, A.source, A.destination, "plain", 51],
  ];
  for (const [name, message, source, destination, dialect, vrid] of cases) {
    await t.step(name, () => {
      const packet = ipv4(fromHex(message), source, destination);
      const got = decodeVrrp4Packet(packet, {
        vrids: new Set([vrid]),
        destinations: new Set([destination]),
      });
      assert.ok(got.ok, JSON.stringify(got));
      assert.equal(got.dialect, dialect);
      assert.equal(got.source, source);
      assert.equal(got.destination, destination);
      assert.equal(got.advert.vrid, vrid);
    });
  }
  const ka = decodeVrrp4Packet(
    ipv4(fromHex(KA.pseudo), KA.source, KA.destination),
    {
      vrids: new Set([88]),
    },
  );
  assert.deepEqual(ka, {
    ok: true,
    advert: KA.advert,
    source: KA.source,
    destination: KA.destination,
    dialect: "pseudo",
  });
});

Deno.test("pseudo_mcast is only tried for unicast: to the group it is just pseudo", () => {
  // Summed with 224.0.0.18 but sent to 10.1.0.9: neither pseudo nor plain.
  const packet = ipv4(fromHex(KA.pseudoMcast), KA.source, v4("10.1.0.9"));
  const got = decodeVrrp4Packet(packet, { vrids: new Set([88]) });
  assert.ok(got.ok);
  assert.equal(got.dialect, "pseudo_mcast");
  const group = ipv4(
    encodeVrrp4Message(KA.advert, KA.source, CARP_GROUP, "pseudo"),
    KA.source,
    CARP_GROUP,
  );
  const g = decodeVrrp4Packet(group, { vrids: new Set([88]) });
  assert.ok(g.ok);
  assert.equal(g.dialect, "pseudo");
});

Deno.test("decodeVrrp6() accepts vector B", () => {
  const got = decodeVrrp6(fromHex(B.message), META_B, OPTIONS_B);
  assert.deepEqual(got, {
    ok: true,
    advert: B.advert,
    source: "fe80::200:ff:fe00:a",
    firstLinkLocal: true,
  });
});

Deno.test("encodeVrrp4Packet() builds the IPv4 header as keepalived does", () => {
  const packet = encodeVrrp4Packet(
    { source: A.source, id: 0x1234 },
    A.advert,
    "pseudo",
  );
  // Computed in Python: 45 c0 0020 1234 0000 ff 70 065d c000020a e0000012.
  assert.equal(
    toHex(packet),
    "45c0002012340000ff70065dc000020ae0000012" + hex(A.pseudo),
  );
  assert.equal(packet[0], 0x45, "version 4, IHL 5");
  assert.equal(packet[1], 0xc0, "TOS CS6");
  assert.equal((packet[2]! << 8) | packet[3]!, 32, "total length");
  assert.equal(packet[6]! & 0x40, 0, "no DF");
  assert.equal(packet[8], 255, "TTL");
  assert.equal(packet[9], 112, "protocol");
  assert.equal(internetChecksum(packet.subarray(0, 20)), 0, "header checksum");
  const got = decodeVrrp4Packet(packet, OPTIONS_A);
  assert.ok(got.ok);
  assert.deepEqual(got.advert, A.advert);
  assert.equal(got.dialect, "pseudo");
});

Deno.test("encodeVrrp4Packet() defaults: id 0, the group, TTL 255; and overrides", () => {
  const packet = encodeVrrp4Packet({ source: A.source }, A.advert, "plain");
  assert.equal(toHex(packet.subarray(4, 6)), "0000");
  assert.equal(toHex(packet.subarray(16, 20)), "e0000012");
  assert.equal(toHex(packet.subarray(20)), hex(A.plain));
  const unicast = encodeVrrp4Packet(
    { source: KA.source, destination: KA.destination, ttl: 64, id: 7 },
    KA.advert,
    "pseudo",
  );
  assert.equal(unicast[8], 64);
  assert.equal(toHex(unicast.subarray(4, 6)), "0007");
  assert.equal(toHex(unicast.subarray(20)), hex(KA.pseudo));
  assert.equal(internetChecksum(unicast.subarray(0, 20)), 0);
});

Deno.test("the encoders refuse fields out of range", () => {
  const bad: Partial<VrrpAdvert4>[] = [
    { vrid: 0 },
    { vrid: 256 },
    { priority: -1 },
    { priority: 256 },
    { intervalCs: 0 },
    { intervalCs: 4096 },
    { intervalCs: 1.5 },
    { addresses: [] },
    { addresses: Array(256).fill(1) },
    { addresses: [-1] },
    { addresses: [2 ** 32] },
  ];
  for (const change of bad) {
    assert.throws(
      () => encodeVrrp4Message({ ...A.advert, ...change }, 0, 0, "plain"),
      RangeError,
      JSON.stringify(change),
    );
  }
  assert.throws(
    () =>
      encodeVrrp6Message(
        { ...B.advert, addresses: [new Uint8Array(4)] },
        B.source,
        B.destination,
      ),
    RangeError,
  );
  assert.throws(
    () =>
      encodeVrrp6Message(
        { ...B.advert, addresses: [] },
        B.source,
        B.destination,
      ),
    RangeError,
  );
  const edge = encodeVrrp4Message(
    { ...A.advert, vrid: 255, priority: 255, intervalCs: 4095 },
    0,
    0,
    "plain",
  );
  assert.equal(toHex(edge.subarray(0, 6)), "31ffff010fff");
});

function reason4(p: Uint8Array, options = OPTIONS_A): VrrpDropReason | "ok" {
  const r = decodeVrrp4Packet(p, options);
  return r.ok ? "ok" : r.reason;
}

/** Vector A as a packet, its message edited and both checksums refreshed. */
function editedA(edit: (message: Uint8Array) => void): Uint8Array {
  const p = ipv4(fromHex(A.pseudo), A.source, A.destination);
  const message = p.subarray(20);
  edit(message);
  fixVrrpChecksum(
    message,
    pseudo4(A.source, A.destination, 8 + 4 * message[3]!),
  );
  return p;
}

Deno.test("decodeVrrp4Packet() names each reason it drops a packet for", async (t) => {
  const valid = (): Uint8Array =>
    ipv4(fromHex(A.pseudo), A.source, A.destination);
  const cases: [
    VrrpDropReason,
    string,
    () => Uint8Array,
    VrrpReceiveOptions?,
  ][] = [
    ["short", "under 20 bytes", () => new Uint8Array(19)],
    ["short", "IHL beyond the buffer", () => {
      const p = new Uint8Array(20);
      p.set(valid().subarray(0, 20));
      p[0] = 0x4f;
      return p;
    }],
    ["short", "total length beyond the buffer", () => valid().subarray(0, 31)],
    ["short", "under 8 payload bytes", () => {
      const p = valid();
      p[3] = 27;
      return fixIpChecksum(p);
    }],
    ["bad_ip_header", "IP version 6", () => {
      const p = valid();
      p[0] = 0x65;
      return fixIpChecksum(p);
    }],
    ["bad_ip_header", "IHL 4", () => {
      const p = valid();
      p[0] = 0x44;
      return p;
    }],
    ["bad_ip_header", "protocol 17", () => {
      const p = valid();
      p[9] = 17;
      return fixIpChecksum(p);
    }],
    ["bad_ip_header", "header checksum", () => {
      const p = valid();
      flip(p, 4, 0x80);
      return p;
    }],
    ["bad_ip_header", "total length under the header", () => {
      const p = valid();
      p[3] = 19;
      return fixIpChecksum(p);
    }],
    [
      "bad_ttl",
      "TTL 64",
      () =>
        encodeVrrp4Packet({ source: A.source, ttl: 64 }, A.advert, "pseudo"),
    ],
    ["bad_version", "VRRPv2", () => editedA((m) => m[0] = 0x21)],
    ["bad_type", "type 2", () => editedA((m) => m[0] = 0x32)],
    ["bad_count", "count 0", () => editedA((m) => m[3] = 0)],
    ["bad_length", "count 2, one address", () => editedA((m) => m[3] = 2)],
    ["bad_length", "count 1, two addresses", () =>
      ipv4(
        encodeVrrp4Message(
          {
            ...A.advert,
            addresses: [...A.advert.addresses, v4("192.0.2.101")],
          },
          A.source,
          A.destination,
          "pseudo",
        ).map((b, i) => i === 3 ? 1 : b),
        A.source,
        A.destination,
      )],
    ["bad_interval", "interval 0, reserved bits set", () =>
      editedA((m) => {
        m[4] = 0xf0;
        m[5] = 0;
      })],
    ["bad_checksum", "a VIP bit flipped", () => {
      const p = valid();
      flip(p, 31, 0x01);
      return p;
    }],
    ["bad_checksum", "checksummed for another source", () =>
      ipv4(
        encodeVrrp4Message(A.advert, v4("192.0.2.11"), A.destination, "pseudo"),
        A.source,
        A.destination,
      )],
    ["wrong_vhid", "VRID 52 not served", valid, {
      vrids: new Set([52]),
    }],
    ["wrong_destination", "unicast to someone else", () =>
      encodeVrrp4Packet(
        { source: A.source, destination: v4("192.0.2.99") },
        A.advert,
        "pseudo",
      )],
  ];
  for (const [reason, name, make, options] of cases) {
    await t.step(
      `${reason}: ${name}`,
      () => assert.equal(reason4(make(), options), reason),
    );
  }
  assert.deepEqual(
    new Set(cases.map(([r]) => r)),
    new Set(VRRP_DROP_REASONS.filter((r) => r !== "bad_auth")),
    "every reason but bad_auth (VRRPv2's) is exercised",
  );
});

Deno.test("decodeVrrp4Packet() reports the source once it has a header, the VRID once past the checksum", () => {
  assert.deepEqual(decodeVrrp4Packet(new Uint8Array(5), OPTIONS_A), {
    ok: false,
    reason: "short",
  });
  const bad = ipv4(fromHex(A.pseudo), A.source, A.destination);
  flip(bad, 31, 0x01);
  assert.deepEqual(decodeVrrp4Packet(bad, OPTIONS_A), {
    ok: false,
    reason: "bad_checksum",
    source: A.source,
  });
  const other = encodeVrrp4Packet(
    { source: A.source, destination: v4("192.0.2.99") },
    A.advert,
    "plain",
  );
  assert.deepEqual(decodeVrrp4Packet(other, OPTIONS_A), {
    ok: false,
    reason: "wrong_destination",
    source: A.source,
    vrid: 51,
  });
  assert.deepEqual(decodeVrrp4Packet(other, { vrids: new Set([1, 2]) }), {
    ok: false,
    reason: "wrong_vhid",
    source: A.source,
    vrid: 51,
  });
  assert.equal(
    reason4(other, { vrids: new Set([51]) }),
    "ok",
    "any destination",
  );
});

Deno.test("decodeVrrp4Packet() trusts the IP total length over the buffer", () => {
  // A 60-byte Ethernet minimum: padding past the total length is not ours.
  const padded = new Uint8Array(46);
  padded.set(ipv4(fromHex(A.pseudo), A.source, A.destination));
  padded.fill(0xee, 32);
  const got = decodeVrrp4Packet(padded, OPTIONS_A);
  assert.ok(got.ok);
  assert.equal(got.dialect, "pseudo");
  assert.deepEqual(got.advert, A.advert);
  // Bytes inside the total length after the last address are not padding.
  const longer = ipv4(
    new Uint8Array([...fromHex(A.pseudo), 1, 2, 3, 4]),
    A.source,
    A.destination,
  );
  assert.equal(reason4(longer), "bad_length");
});

Deno.test("a message one byte longer than its count says is dropped, whatever its checksum covers", async (t) => {
  // keepalived 2.2.7: "vrrp packet too long". The checksum is made right
  // either over all 13 (or 41) bytes or over the 12 (or 40) the count says.
  for (const dialect of ["pseudo", "plain"] as const) {
    for (const over of ["longer", "count"] as const) {
      await t.step(`IPv4 ${dialect}, checksum over the ${over} length`, () => {
        const m = new Uint8Array([...fromHex(A.pseudo), 0x5a]);
        const summed = over === "longer" ? m : m.subarray(0, 12);
        fixVrrpChecksum(
          summed,
          dialect === "pseudo"
            ? pseudo4(A.source, A.destination, summed.length)
            : undefined,
        );
        const p = ipv4(m, A.source, A.destination);
        assert.equal((p[2]! << 8) | p[3]!, 20 + 13, "IP total length");
        assert.deepEqual(decodeVrrp4Packet(p, OPTIONS_A), {
          ok: false,
          reason: "bad_length",
          source: A.source,
        });
        // Without the extra byte, the count-length sum is accepted.
        if (over === "count") {
          const exact = ipv4(m.subarray(0, 12), A.source, A.destination);
          assert.equal(reason4(exact), "ok");
        }
      });
    }
  }
  for (const over of ["longer", "count"] as const) {
    await t.step(`IPv6, checksum over the ${over} length`, () => {
      const m = new Uint8Array([...fromHex(B.message), 0x5a]);
      const summed = over === "longer" ? m : m.subarray(0, 40);
      fixVrrpChecksum(
        summed,
        pseudo6(B.source, B.destination, summed.length),
      );
      assert.deepEqual(decodeVrrp6(m, META_B, OPTIONS_B), {
        ok: false,
        reason: "bad_length",
        source: "fe80::200:ff:fe00:a",
      });
      if (over === "count") assert.equal(reason6(m.subarray(0, 40)), "ok");
    });
  }
});

Deno.test("decodeVrrp4Packet() honours IP options (IHL > 5)", () => {
  const base = ipv4(fromHex(A.plain), A.source, A.destination);
  const p = new Uint8Array(36);
  p.set(base.subarray(0, 20));
  p[0] = 0x46;
  p[3] = 36;
  p.set(base.subarray(20), 24);
  const got = decodeVrrp4Packet(fixIpChecksum(p), OPTIONS_A);
  assert.ok(got.ok);
  assert.equal(got.dialect, "plain");
  assert.deepEqual(got.advert, A.advert);
});

Deno.test("the reserved bits are ignored when the checksum covers them", () => {
  const p = editedA((m) => m[4] = m[4]! | 0xf0);
  const got = decodeVrrp4Packet(p, OPTIONS_A);
  assert.ok(got.ok);
  assert.equal(got.advert.intervalCs, 100);
  const m = fromHex(B.message);
  m[4] = 0xa0;
  fixVrrpChecksum(m, pseudo6(B.source, B.destination, m.length));
  const g6 = decodeVrrp6(m, META_B, OPTIONS_B);
  assert.ok(g6.ok);
  assert.equal(g6.advert.intervalCs, 100);
});

function reason6(
  payload: Uint8Array,
  meta = META_B,
  options = OPTIONS_B,
): VrrpDropReason | "ok" {
  const r = decodeVrrp6(payload, meta, options);
  return r.ok ? "ok" : r.reason;
}

/** Vector B edited, its checksum refreshed. */
function editedB(edit: (message: Uint8Array) => void): Uint8Array {
  const m = fromHex(B.message);
  edit(m);
  fixVrrpChecksum(m, pseudo6(B.source, B.destination, 8 + 16 * m[3]!));
  return m;
}

Deno.test("decodeVrrp6() names each reason it drops a payload for", async (t) => {
  const valid = (): Uint8Array => fromHex(B.message);
  const cases: [
    VrrpDropReason,
    string,
    () => Uint8Array,
    Ipv6Meta?,
    VrrpReceive6Options?,
  ][] = [
    ["short", "7 bytes", () => valid().subarray(0, 7)],
    ["bad_ttl", "hop limit 64", valid, { ...META_B, hopLimit: 64 }],
    ["bad_ttl", "hop limit unknown", valid, { ...META_B, hopLimit: null }],
    ["bad_version", "VRRPv2", () => editedB((m) => m[0] = 0x21)],
    ["bad_type", "type 0", () => editedB((m) => m[0] = 0x30)],
    ["bad_count", "count 0", () => editedB((m) => m[3] = 0)],
    ["bad_length", "count 3, two addresses", () => editedB((m) => m[3] = 3)],
    ["bad_length", "truncated", () => valid().subarray(0, 39)],
    ["bad_length", "one byte more", () => new Uint8Array([...valid(), 0])],
    ["bad_interval", "interval 0", () =>
      editedB((m) => {
        m[4] = 0;
        m[5] = 0;
      })],
    ["bad_checksum", "a VIP bit flipped", () => {
      const m = valid();
      flip(m, 39, 0x01);
      return m;
    }],
    ["bad_checksum", "from another source", valid, {
      ...META_B,
      source: v6("fe80::200:ff:fe00:b"),
    }],
    ["bad_checksum", "summed without the pseudo-header", () => {
      const m = valid();
      fixVrrpChecksum(m);
      return m;
    }],
    ["wrong_vhid", "VRID 51 not served", valid, META_B, {
      vrids: new Set([50]),
    }],
    [
      "wrong_destination",
      "unicast to someone else",
      () => encodeVrrp6Message(B.advert, B.source, v6("fe80::99")),
      {
        ...META_B,
        destination: v6("fe80::99"),
      },
    ],
  ];
  for (const [reason, name, make, meta, options] of cases) {
    await t.step(
      `${reason}: ${name}`,
      () => assert.equal(reason6(make(), meta, options), reason),
    );
  }
  assert.deepEqual(
    new Set(cases.map(([r]) => r)),
    new Set(
      VRRP_DROP_REASONS.filter((r) =>
        r !== "bad_ip_header" && r !== "bad_auth"
      ),
    ),
    "every reason but bad_ip_header (no IPv6 header here) and bad_auth (VRRPv2's) is exercised",
  );
});

Deno.test("decodeVrrp6() reports the source always, the VRID once past the checksum", () => {
  assert.deepEqual(decodeVrrp6(new Uint8Array(3), META_B, OPTIONS_B), {
    ok: false,
    reason: "short",
    source: "fe80::200:ff:fe00:a",
  });
  assert.deepEqual(
    decodeVrrp6(fromHex(B.message), META_B, { vrids: new Set([1]) }),
    {
      ok: false,
      reason: "wrong_vhid",
      source: "fe80::200:ff:fe00:a",
      vrid: 51,
    },
  );
});

Deno.test("decodeVrrp6() without a known destination sums with ff02::12 and checks none", () => {
  const meta = { ...META_B, destination: null };
  assert.equal(reason6(fromHex(B.message), meta), "ok");
  const unicast = encodeVrrp6Message(B.advert, B.source, v6("fe80::99"));
  assert.equal(reason6(unicast, meta), "bad_checksum");
  assert.equal(
    reason6(unicast, { ...META_B, destination: v6("fe80::99") }, {
      vrids: new Set([51]),
    }),
    "ok",
  );
  assert.equal(
    reason6(unicast, { ...META_B, destination: v6("fe80::99") }, {
      vrids: new Set([51]),
      destinations: new Set(["fe80::99"]),
    }),
    "ok",
  );
});

Deno.test("decodeVrrp6() reports a first address that is not link-local", () => {
  const advert: VrrpAdvert6 = {
    ...B.advert,
    addresses: [v6("2001:db8::100"), v6("fe80::1")],
  };
  const m = encodeVrrp6Message(advert, B.source, CARP6_GROUP);
  const got = decodeVrrp6(m, META_B, OPTIONS_B);
  assert.ok(got.ok);
  assert.equal(got.firstLinkLocal, false);
  assert.deepEqual(got.advert, advert);
  // The addresses are copies, not views of the receive buffer.
  m.fill(0);
  assert.deepEqual(got.advert.addresses[0], v6("2001:db8::100"));
});

// What accepting several dialects costs: a few single-bit errors get
// through. Found while writing the bit-flip properties; each case recomputed
// independently in Python.

Deno.test("known gap: a corrupted plain advert can verify as pseudo", () => {
  // From 10.0.20.113 to 224.0.0.18 with length 12, the pseudo-header sums to
  // ~0x0100, so raising the priority from 100 to 101 (+0x0100 in the word
  // of bytes 2-3) turns a right plain sum into a right pseudo one.
  const source = v4("10.0.20.113");
  const p = ipv4(fromHex(A.plain), source, CARP_GROUP);
  assert.equal(decodeVrrp4Packet(p, OPTIONS_A).ok, true);
  flip(p, 22, 0x01);
  const got = decodeVrrp4Packet(p, OPTIONS_A);
  assert.ok(got.ok);
  assert.equal(got.dialect, "pseudo");
  assert.equal(got.advert.priority, 101);
});

Deno.test("known gap: when the pseudo-header sums to zero both dialects agree, and pseudo is named", () => {
  const source = v4("10.0.21.113");
  const plain = encodeVrrp4Message(A.advert, source, CARP_GROUP, "plain");
  const pseudo = encodeVrrp4Message(A.advert, source, CARP_GROUP, "pseudo");
  assert.deepEqual(plain, pseudo);
  const got = decodeVrrp4Packet(ipv4(plain, source, CARP_GROUP), OPTIONS_A);
  assert.ok(got.ok);
  assert.equal(got.dialect, "pseudo");
});

// Before the exact-length rule, a flip that lowered the count left the last
// address outside the checksum, and these packets verified (recomputed in
// Python). Now the message is longer than its count says: bad_length.
Deno.test("a count bit flipped that leaves the last address outside the sum is dropped as bad_length", async (t) => {
  const three = (last: string): VrrpAdvert4 => ({
    ...A.advert,
    addresses: [v4("192.0.2.100"), v4("192.0.2.101"), v4(last)],
  });
  // plain: the count word loses 1 and the last address (0x0a00 + 0xf5fe =
  // 0xfffe, minus zero) goes with it: the sum is unchanged.
  // pseudo: the pseudo-header's length loses 4 as well (0xfffa).
  const cases: [string, "pseudo" | "plain"][] = [
    ["10.0.245.254", "plain"],
    ["10.0.245.250", "pseudo"],
  ];
  for (const [last, dialect] of cases) {
    await t.step(dialect, () => {
      const p = encodeVrrp4Packet({ source: A.source }, three(last), dialect);
      flip(p, 23, 0x01);
      assert.deepEqual(decodeVrrp4Packet(p, OPTIONS_A), {
        ok: false,
        reason: "bad_length",
        source: A.source,
      });
      // The checksum does verify over the 8 + 4 × 2 bytes the count says.
      const cut = ipv4(p.subarray(20, 36), A.source, CARP_GROUP);
      const got = decodeVrrp4Packet(cut, OPTIONS_A);
      assert.ok(got.ok);
      assert.equal(got.dialect, dialect);
      assert.equal(got.advert.addresses.length, 2);
    });
  }
  await t.step("IPv6", () => {
    // 0x2001 + 0x0db8 + 0xd235 = 0xffee: minus 1 (count) and 16 (length).
    const m = encodeVrrp6Message(
      { ...B.advert, addresses: [...B.advert.addresses, v6("2001:db8::d235")] },
      B.source,
      B.destination,
    );
    flip(m, 3, 0x01);
    assert.equal(reason6(m), "bad_length");
    const got = decodeVrrp6(m.subarray(0, 40), META_B, OPTIONS_B);
    assert.ok(got.ok);
    assert.equal(got.advert.addresses.length, 2);
  });
});

Deno.test("every single-bit flip of the research vectors is dropped", async (t) => {
  const v4cases: [string, Uint8Array, VrrpReceiveOptions][] = [
    ["keepalived pseudo", ipv4(fromHex(KA.pseudo), KA.source, KA.destination), {
      vrids: new Set([88]),
    }],
    [
      "keepalived pseudo_mcast",
      ipv4(fromHex(KA.pseudoMcast), KA.source, KA.destination),
      {
        vrids: new Set([88]),
      },
    ],
    ["A pseudo", ipv4(fromHex(A.pseudo), A.source, A.destination), OPTIONS_A],
    ["A plain", ipv4(fromHex(A.plain), A.source, A.destination), OPTIONS_A],
    [
      "A bow-out pseudo",
      ipv4(fromHex(A.bowOutPseudo), A.source, A.destination),
      OPTIONS_A,
    ],
    [
      "A bow-out plain",
      ipv4(fromHex(A.bowOutPlain), A.source, A.destination),
      OPTIONS_A,
    ],
  ];
  for (const [name, packet, options] of v4cases) {
    await t.step(name, () => {
      assert.equal(reason4(packet, options), "ok");
      for (let bit = 0; bit < packet.length * 8; bit++) {
        const p = packet.slice();
        flip(p, bit >> 3, 1 << (bit & 7));
        assert.notEqual(reason4(p, options), "ok", `bit ${bit}`);
      }
    });
  }
  await t.step("B", () => {
    const m = fromHex(B.message);
    for (let bit = 0; bit < m.length * 8; bit++) {
      const p = m.slice();
      flip(p, bit >> 3, 1 << (bit & 7));
      assert.notEqual(reason6(p), "ok", `bit ${bit}`);
    }
  });
});
