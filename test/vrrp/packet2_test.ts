import assert from "node:assert/strict";
import fc from "fast-check";
import { internetChecksum, parseIpv4 } from "../../src/net/mod.ts";
import { encodeVrrp2Packet } from "../../src/vrrp/mod.ts";
import {
  decodeVrrp2Packet,
  type Vrrp2ReceiveOptions,
} from "../../src/vrrp/packet2.ts";

const SRC = parseIpv4("192.0.2.10")!;
const VIP = parseIpv4("192.0.2.100")!;
const ADVERT = { vrid: 51, priority: 100, intervalS: 1, addresses: [VIP] };
const OPTIONS: Vrrp2ReceiveOptions = {
  vrids: new Map([[51, { intervalS: 1, authPass: "secret" }]]),
};

Deno.test("encodeVrrp2Packet() writes RFC 3768's layout byte for byte", () => {
  const p = encodeVrrp2Packet({ source: SRC }, ADVERT, "secret");
  assert.equal(p.length, 20 + 8 + 4 + 8);
  assert.deepEqual([...p.subarray(0, 2)], [0x45, 0xc0]);
  assert.deepEqual([...p.subarray(6, 10)], [0, 0, 255, 112], "no DF, TTL 255");
  const m = p.subarray(20);
  assert.deepEqual(
    [...m.subarray(0, 6)],
    [0x21, 51, 100, 1, 1, 1],
    "v2 advert, VRID, priority, count, auth type 1, 1 s",
  );
  assert.deepEqual([...m.subarray(8, 12)], [192, 0, 2, 100]);
  assert.equal(new TextDecoder().decode(m.subarray(12, 18)), "secret");
  assert.deepEqual([...m.subarray(18)], [0, 0], "zero-padded to 8 bytes");
  assert.equal(internetChecksum(m), 0, "checksum over the message alone");
  const none = encodeVrrp2Packet({ source: SRC }, ADVERT, null).subarray(20);
  assert.equal(none[4], 0, "auth type 0 without a password");
  assert.deepEqual([...none.subarray(12)], new Array(8).fill(0));
});

Deno.test("decodeVrrp2Packet() accepts its own, in centiseconds, and names each reason it drops", () => {
  const good = encodeVrrp2Packet({ source: SRC }, ADVERT, "secret");
  const got = decodeVrrp2Packet(good, OPTIONS);
  assert.ok(got.ok);
  assert.deepEqual(got.advert, {
    family: 4,
    vrid: 51,
    priority: 100,
    intervalCs: 100,
    addresses: [VIP],
  });
  const reason = (p: Uint8Array, o = OPTIONS): string => {
    const r = decodeVrrp2Packet(p, o);
    return r.ok ? "ok" : r.reason;
  };
  const refix = (p: Uint8Array): Uint8Array => {
    const m = p.subarray(20);
    m[6] = 0;
    m[7] = 0;
    new DataView(m.buffer, m.byteOffset).setUint16(6, internetChecksum(m));
    return p;
  };
  const edit = (f: (p: Uint8Array) => void): Uint8Array => {
    const p = good.slice();
    f(p);
    return refix(p);
  };
  assert.equal(reason(good.subarray(0, 10)), "short");
  assert.equal(reason(edit((p) => p[8] = 64)), "bad_ip_header"); // IP checksum
  assert.equal(reason(edit((p) => p[20] = 0x31)), "bad_version");
  assert.equal(reason(edit((p) => p[20] = 0x22)), "bad_type");
  assert.equal(reason(edit((p) => p[23] = 0)), "bad_count");
  assert.equal(reason(edit((p) => p[23] = 2)), "bad_length");
  assert.equal(reason(edit((p) => p[25] = 0)), "bad_interval");
  const flipped = good.slice();
  flipped[22]! ^= 1;
  assert.equal(reason(flipped), "bad_checksum");
  assert.equal(
    reason(good, { vrids: new Map([[52, OPTIONS.vrids.get(51)!]]) }),
    "wrong_vhid",
  );
  assert.equal(
    reason(good, { ...OPTIONS, destinations: new Set([SRC]) }),
    "wrong_destination",
  );
  assert.equal(
    reason(good, {
      vrids: new Map([[51, { intervalS: 2, authPass: "secret" }]]),
    }),
    "bad_interval",
    "RFC 3768: a different interval is dropped",
  );
  assert.equal(
    reason(good, {
      vrids: new Map([[51, { intervalS: 1, authPass: "other" }]]),
    }),
    "bad_auth",
  );
  assert.equal(
    reason(good, { vrids: new Map([[51, { intervalS: 1, authPass: null }]]) }),
    "bad_auth",
  );
});

Deno.test("decodeVrrp2Packet() never throws, and drops every single-bit flip (property)", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
      decodeVrrp2Packet(bytes, OPTIONS);
    }),
    { numRuns: 5000 },
  );
  const good = encodeVrrp2Packet(
    { source: SRC },
    { ...ADVERT, addresses: [VIP, VIP + 1, VIP + 2] },
    "secret",
  );
  for (let bit = 0; bit < good.length * 8; bit++) {
    const p = good.slice();
    p[bit >> 3]! ^= 1 << (bit & 7);
    const r = decodeVrrp2Packet(p, OPTIONS);
    // The IP id (bytes 4-5) and the TOS are covered by the IP checksum too.
    assert.equal(r.ok, false, `bit ${bit} flipped was accepted`);
  }
});
