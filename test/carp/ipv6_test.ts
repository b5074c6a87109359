import assert from "node:assert/strict";
import fc from "fast-check";
import { encodeAdvert } from "../../src/carp/mod.ts";
import { carpHmac, hmacMessage } from "../../src/carp/hmac.ts";
import { decodeCarp6 } from "../../src/carp/packet.ts";
import {
  formatIpv6,
  type Ipv6,
  type Ipv6Meta,
  parseIpv4,
  parseIpv6,
  unsolicitedNa,
} from "../../src/net/mod.ts";
import { neighborAdvert } from "../../src/net/nd.ts";
import { toHex } from "../_hex.ts";

const v6 = (s: string): Ipv6 => parseIpv6(s)!;
const v4 = (s: string): number => parseIpv4(s)!;
const KEY = new TextEncoder().encode("secret");
const COUNTER = 0x0102030405060708n;

Deno.test("parseIpv6() and formatIpv6() follow RFC 4291 and RFC 5952", () => {
  const cases: [string, string][] = [
    ["2001:DB8:0:0:0:0:0:10", "2001:db8::10"],
    ["fe80::1", "fe80::1"],
    ["::", "::"],
    ["::1", "::1"],
    ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
    ["2001:0:0:1:0:0:0:1", "2001:0:0:1::1"],
    ["2001:db8:1:2:3:4:5:6", "2001:db8:1:2:3:4:5:6"],
    ["::ffff:10.0.0.1", "::ffff:a00:1"],
    ["2001:db8::", "2001:db8::"],
  ];
  for (const [text, canonical] of cases) {
    assert.equal(formatIpv6(parseIpv6(text)!), canonical, text);
  }
  for (
    const bad of [
      "",
      ":",
      "1:2:3:4:5:6:7:8:9",
      "2001:db8::1::2",
      "12345::",
      "fe80::1%eth0",
      "10.0.0.1",
      "g::1",
      "1:2:3:4:5:6:7",
    ]
  ) assert.equal(parseIpv6(bad), null, bad);
});

Deno.test("parseIpv6() round-trips every address (property)", () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (bytes) => {
      assert.deepEqual(parseIpv6(formatIpv6(bytes)), bytes);
    }),
    { numRuns: 5000 },
  );
});

// Derivation (python3 hmac/hashlib, independently of this code):
//   02 01 09                                   version 2, type 1, vhid 9
//   0a000064 0a000065                          IPv4 VIPs ascending
//   20010db8 00000000 00000000 00000002        IPv6 VIPs ascending (memcmp),
//   20010db8 00000000 00000000 00000010        fe80::1 left out (OpenBSD NOV6LL)
//   01020304 05060708                          counter
const SENT_MSG =
  "0201090a0000640a00006520010db800000000000000000000000220010db80000000000000000000000100102030405060708";
const SENT_HMAC = "3741428ef8ede7aa70cbc5a988fd7ce5757b2a28";
// The same with fe80::1 included (OpenBSD "ORIG"), which receivers accept too.
const ALL_HMAC = "43b1c9b841f0e319c557e10c90d99d7fe6760bc6";
// advbase 1, advskew 50; checksum over the 36 bytes only, no pseudo-header.
const HEADER =
  "210932070001667601020304050607083741428ef8ede7aa70cbc5a988fd7ce5757b2a28";

const AUTH = {
  key: KEY,
  vips: [v4("10.0.0.101"), v4("10.0.0.100")],
  vips6: [v6("2001:db8::10"), v6("fe80::1"), v6("2001:db8::2")],
};

Deno.test("the HMAC of a dual-stack vhid covers sorted IPv4, then sorted IPv6 VIPs, byte for byte", () => {
  const sent = AUTH.vips6.filter((a) => a[0] !== 0xfe);
  assert.equal(toHex(hmacMessage(9, AUTH.vips, COUNTER, sent)), SENT_MSG);
  assert.equal(toHex(carpHmac(KEY, 9, AUTH.vips, COUNTER, sent)), SENT_HMAC);
  assert.equal(
    toHex(carpHmac(KEY, 9, AUTH.vips, COUNTER, AUTH.vips6)),
    ALL_HMAC,
  );
  assert.equal(
    toHex(
      encodeAdvert(
        { vhid: 9, advbase: 1, advskew: 50, counter: COUNTER },
        AUTH,
      ),
    ),
    HEADER,
  );
  // An IPv6-only vhid: 02 01 09 | 20010db8...10 | counter.
  assert.equal(
    toHex(carpHmac(KEY, 9, [], COUNTER, [v6("2001:db8::10")])),
    "7ea10ae4066b76e41f889a3d185a66434bc169c8",
  );
});

function hexBytes(h: string): Uint8Array {
  return new Uint8Array(h.match(/../g)!.map((x) => parseInt(x, 16)));
}

const META: Ipv6Meta = {
  source: v6("fe80::2"),
  hopLimit: 255,
  destination: v6("ff02::12"),
};
const OPTIONS = {
  vhids: new Map([[9, AUTH]]),
  destinations: new Set(["ff02::12"]),
};

Deno.test("decodeCarp6() accepts the advert, with or without link-local VIPs in the HMAC", () => {
  const r = decodeCarp6(hexBytes(HEADER), META, OPTIONS);
  assert.ok(r.ok);
  assert.equal(r.source, "fe80::2");
  assert.equal(r.advert.advskew, 50);
  const orig = hexBytes(HEADER);
  orig.set(hexBytes(ALL_HMAC), 16);
  const sum = new DataView(orig.buffer);
  sum.setUint16(6, 0);
  let s = 0;
  for (let i = 0; i < 36; i += 2) s += sum.getUint16(i);
  while (s > 0xffff) s = (s & 0xffff) + (s >> 16);
  sum.setUint16(6, ~s & 0xffff);
  assert.ok(decodeCarp6(orig, META, OPTIONS).ok, "ORIG digest accepted");
});

Deno.test("decodeCarp6() drops by reason: hop limit, length, version, type, checksum, vhid, destination, HMAC", () => {
  const good = hexBytes(HEADER);
  const reason = (p: Uint8Array, meta = META): string => {
    const r = decodeCarp6(p, meta, OPTIONS);
    return r.ok ? "ok" : r.reason;
  };
  assert.equal(reason(good, { ...META, hopLimit: 64 }), "bad_ttl");
  assert.equal(reason(good, { ...META, hopLimit: null }), "bad_ttl");
  assert.equal(reason(good.slice(0, 35)), "short");
  assert.equal(
    reason(good, { ...META, destination: v6("ff02::1") }),
    "wrong_destination",
  );
  const flip = (i: number, bit: number): Uint8Array => {
    const p = good.slice();
    p[i] = p[i]! ^ (1 << bit);
    return p;
  };
  assert.equal(reason(flip(0, 4)), "bad_version");
  assert.equal(reason(flip(0, 1)), "bad_type");
  assert.equal(reason(flip(20, 0)), "bad_checksum");
  // Every single-bit flip of the 36 bytes is dropped.
  for (let i = 0; i < 36; i++) {
    for (let bit = 0; bit < 8; bit++) {
      assert.notEqual(reason(flip(i, bit)), "ok", `byte ${i} bit ${bit}`);
    }
  }
});

Deno.test("decodeCarp6() never throws on any input (property)", () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 80 }),
      fc.option(fc.integer({ min: 0, max: 255 })),
      (payload, hop) => {
        const r = decodeCarp6(payload, { ...META, hopLimit: hop }, OPTIONS);
        assert.equal(typeof r.ok, "boolean");
      },
    ),
    { numRuns: 20_000 },
  );
});

Deno.test("unsolicited NA: ff02::1, hop limit 255, R|O, target link-layer option, byte for byte", () => {
  const vip = v6("2001:db8::100");
  const mac = new Uint8Array([0x00, 0x00, 0x5e, 0x00, 0x02, 0x33]);
  // From the research notes (checksum verified with tcpdump "icmp6 sum ok").
  assert.equal(
    toHex(neighborAdvert(vip, vip, mac)),
    "880018faa000000020010db8000000000000000000000100020100005e000233",
  );
  const p = unsolicitedNa(vip, mac);
  assert.equal(
    toHex(p.subarray(0, 40)),
    "60000000" + "0020" + "3a" + "ff" + // v6, payload 32, ICMPv6, hop limit 255
      "20010db8000000000000000000000100" + // source: the VIP
      "ff020000000000000000000000000001", // ff02::1
  );
  assert.equal(toHex(p.subarray(40)), toHex(neighborAdvert(vip, vip, mac)));
});
