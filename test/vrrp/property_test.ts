import assert from "node:assert/strict";
import fc from "fast-check";
import {
  CARP6_GROUP,
  CARP_GROUP,
  formatIpv6,
  internetChecksum,
  type Ipv6,
  type Ipv6Meta,
  isLinkLocal,
} from "../../src/net/mod.ts";
import {
  encodeVrrp4Packet,
  encodeVrrp6Message,
  VRRP_DROP_REASONS,
  type VrrpAdvert4,
  type VrrpAdvert6,
} from "../../src/vrrp/mod.ts";
import {
  decodeVrrp4Packet,
  type VrrpReceiveOptions,
} from "../../src/vrrp/packet.ts";
import {
  decodeVrrp6,
  type VrrpReceive6Options,
} from "../../src/vrrp/packet6.ts";
import { flip } from "../_hex.ts";

const ALL_VRIDS = new Set(Array.from({ length: 256 }, (_, i) => i));

const uint32 = fc.integer({ min: 0, max: 0xffffffff });
const address6 = fc.uint8Array({ minLength: 16, maxLength: 16 });
const linkLocal = address6.map((a) => {
  a[0] = 0xfe;
  a[1] = 0x80 | (a[1]! & 0x3f);
  return a;
});
const common = {
  vrid: fc.integer({ min: 1, max: 255 }),
  priority: fc.integer({ min: 0, max: 255 }),
  intervalCs: fc.integer({ min: 1, max: 4095 }),
};
const advert4: fc.Arbitrary<VrrpAdvert4> = fc.record({
  family: fc.constant(4 as const),
  ...common,
  addresses: fc.array(uint32, { minLength: 1, maxLength: 20 }),
});
const advert6: fc.Arbitrary<VrrpAdvert6> = fc.record({
  family: fc.constant(6 as const),
  ...common,
  addresses: fc.tuple(
    fc.oneof(linkLocal, address6),
    fc.array(address6, { maxLength: 19 }),
  ).map(([first, rest]) => [first, ...rest]),
});
const destination4 = fc.oneof(fc.constant(CARP_GROUP), uint32);
const dialect = fc.constantFrom("pseudo" as const, "plain" as const);
const group6 = new Uint8Array([0xff, 0x02, ...Array(13).fill(0), 0x12]);
const destination6 = fc.oneof(fc.constant(group6), address6);

/** Whether the IPv4 pseudo-header sums to zero (then both dialects agree). */
function pseudoSumsToZero(
  source: number,
  destination: number,
  length: number,
): boolean {
  const p = new Uint8Array(12);
  const view = new DataView(p.buffer);
  view.setUint32(0, source);
  view.setUint32(4, destination);
  p[9] = 112;
  view.setUint16(10, length);
  return internetChecksum(p) === 0;
}

Deno.test("decodeVrrp4Packet() never throws on arbitrary bytes (100,000 cases)", () => {
  const options: VrrpReceiveOptions = { vrids: ALL_VRIDS };
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 0, maxLength: 120 }),
      fc.integer({ min: 0, max: 2 }),
      (bytes, shape) => {
        if (shape > 0 && bytes.length >= 20) {
          // Deep enough to reach the VRRP checks.
          bytes[0] = 0x45;
          bytes[8] = 255;
          bytes[9] = 112;
          bytes[2] = bytes.length >> 8;
          bytes[3] = bytes.length & 0xff;
          if (shape === 2 && bytes.length > 20) bytes[20] = 0x31;
          bytes[10] = 0;
          bytes[11] = 0;
          const c = internetChecksum(bytes.subarray(0, 20));
          bytes[10] = c >> 8;
          bytes[11] = c & 0xff;
        }
        const r = decodeVrrp4Packet(bytes, options);
        assert.equal(typeof r.ok, "boolean");
        if (!r.ok) assert.ok(VRRP_DROP_REASONS.includes(r.reason));
      },
    ),
    { numRuns: 100_000 },
  );
});

Deno.test("decodeVrrp6() never throws on arbitrary payloads and metadata (100,000 cases)", () => {
  const meta: fc.Arbitrary<Ipv6Meta> = fc.record({
    source: fc.oneof(address6, fc.uint8Array({ maxLength: 24 })),
    hopLimit: fc.oneof(fc.constant(255), fc.constant(null), fc.integer()),
    destination: fc.oneof(
      fc.constant(null),
      address6,
      fc.uint8Array({ maxLength: 24 }),
    ),
  });
  const options: fc.Arbitrary<VrrpReceive6Options> = fc.oneof(
    fc.constant({ vrids: ALL_VRIDS }),
    fc.constant({ vrids: ALL_VRIDS, destinations: new Set(["ff02::12"]) }),
  );
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 0, maxLength: 120 }),
      fc.boolean(),
      meta,
      options,
      (bytes, looksLikeVrrp, m, o) => {
        if (looksLikeVrrp && bytes.length > 0) bytes[0] = 0x31;
        const r = decodeVrrp6(bytes, m, o);
        assert.equal(typeof r.ok, "boolean");
        assert.equal(typeof r.source, "string");
        if (!r.ok) assert.ok(VRRP_DROP_REASONS.includes(r.reason));
      },
    ),
    { numRuns: 100_000 },
  );
});

Deno.test("decodeVrrp4Packet(encodeVrrp4Packet(a)) gives back a (property)", () => {
  fc.assert(
    fc.property(
      advert4,
      uint32,
      destination4,
      dialect,
      uint32.map((n) => n & 0xffff),
      (advert, source, destination, sent, id) => {
        const packet = encodeVrrp4Packet(
          { source, destination, id },
          advert,
          sent,
        );
        assert.equal(packet.length, 20 + 8 + 4 * advert.addresses.length);
        const got = decodeVrrp4Packet(packet, {
          vrids: new Set([advert.vrid]),
          destinations: new Set([destination]),
        });
        assert.ok(got.ok, JSON.stringify(got));
        assert.deepEqual(got.advert, { ...advert }); // fc.record: null prototype
        assert.equal(got.source, source);
        assert.equal(got.destination, destination);
        // "pseudo" is tried first: when the pseudo-header sums to zero the
        // two dialects give the same checksum and it is the one named.
        const ambiguous = sent === "plain" &&
          pseudoSumsToZero(source, destination, packet.length - 20);
        assert.equal(got.dialect, ambiguous ? "pseudo" : sent);
      },
    ),
    { numRuns: 3_000 },
  );
});

Deno.test("decodeVrrp6(encodeVrrp6Message(a)) gives back a (property)", () => {
  fc.assert(
    fc.property(
      advert6,
      linkLocal,
      destination6,
      fc.boolean(),
      (advert, source, destination, known) => {
        const payload = encodeVrrp6Message(advert, source, destination);
        assert.equal(payload.length, 8 + 16 * advert.addresses.length);
        const meta: Ipv6Meta = {
          source,
          hopLimit: 255,
          destination: known ? destination : null,
        };
        const got = decodeVrrp6(payload, meta, {
          vrids: new Set([advert.vrid]),
          destinations: new Set([formatIpv6(destination)]),
        });
        if (
          !known &&
          internetChecksum(destination) !== internetChecksum(CARP6_GROUP)
        ) {
          // Summed with another destination than the ff02::12 assumed (one
          // whose one's-complement sum is the same verifies all the same).
          assert.ok(!got.ok);
          return;
        }
        assert.ok(got.ok, JSON.stringify(got));
        assert.deepEqual(got.advert, { ...advert }); // fc.record: null prototype
        assert.equal(got.source, formatIpv6(source));
        assert.equal(got.firstLinkLocal, isLinkLocal(advert.addresses[0]!));
      },
    ),
    { numRuns: 3_000 },
  );
});

// Single-bit flips. Within one checksum dialect a single flipped bit always
// changes the one's-complement sum (it moves it by ±2^k, never by 0xffff),
// the IP header has its own checksum, and a flip of the count makes the
// message longer or shorter than the count says (bad_length; the IPv4 total
// length is under the header checksum). The reserved bits are inside the
// checksum: flipping one is dropped too.
//
// One residue is inherent over IPv4, where "pseudo", "plain" and
// "pseudo_mcast" are all accepted: the checksums of two dialects over the
// same message differ by a fixed amount (the pseudo-header's sum), so a flip
// that moves the sum by just that amount turns a right sum in the sender's
// dialect into a right one in another. No check on one packet can tell that
// from a peer that really uses the other dialect; only accepting a single
// dialect would close it (packet_test.ts shows a concrete case). Such a
// packet is accepted under a different dialect than the original, never the
// same one. Over IPv6 there is one checksum, hence no residue.

Deno.test("every single-bit flip of a valid IPv4 packet is dropped, but for one verifying in another dialect (property)", () => {
  fc.assert(
    fc.property(
      advert4,
      uint32,
      destination4,
      dialect,
      (advert, source, destination, sent) => {
        const packet = encodeVrrp4Packet({ source, destination }, advert, sent);
        const options: VrrpReceiveOptions = {
          vrids: new Set([advert.vrid]),
          destinations: new Set([destination]),
        };
        const original = decodeVrrp4Packet(packet, options);
        assert.ok(original.ok);
        for (let bit = 0; bit < packet.length * 8; bit++) {
          const p = packet.slice();
          const at = bit >> 3;
          flip(p, at, 1 << (bit & 7));
          const got = decodeVrrp4Packet(p, options);
          if (!got.ok) continue;
          assert.ok(at >= 20, `IP header bit ${bit} flipped was accepted`);
          assert.notEqual(at, 23, `count bit ${bit} flipped was accepted`);
          assert.notEqual(
            got.dialect,
            original.dialect,
            `message bit ${bit} flipped was accepted in the same dialect`,
          );
        }
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("every single-bit flip of a valid IPv6 message is dropped (property)", () => {
  fc.assert(
    fc.property(
      advert6,
      linkLocal,
      destination6,
      (advert, source: Ipv6, destination) => {
        const payload = encodeVrrp6Message(advert, source, destination);
        const meta: Ipv6Meta = { source, hopLimit: 255, destination };
        const options: VrrpReceive6Options = { vrids: new Set([advert.vrid]) };
        assert.ok(decodeVrrp6(payload, meta, options).ok);
        for (let bit = 0; bit < payload.length * 8; bit++) {
          const p = payload.slice();
          flip(p, bit >> 3, 1 << (bit & 7));
          const got = decodeVrrp6(p, meta, options);
          assert.ok(!got.ok, `bit ${bit} flipped was accepted`);
        }
      },
    ),
    { numRuns: 300 },
  );
});
