import assert from "node:assert/strict";
import fc from "fast-check";
import {
  type Advert,
  type CarpAccept as ReceiveOptions,
  type CarpAuth,
  DROP_REASONS,
  type DropReason,
  encodeAdvert,
  encodeCarpPacket,
} from "../../src/carp/mod.ts";
import { decodeCarpPacket } from "../../src/carp/packet.ts";
import { internetChecksum, parseIpv4 } from "../../src/net/mod.ts";
import { flip } from "../_hex.ts";

const KEY = new TextEncoder().encode("s3cret");
const VIP = parseIpv4("192.168.50.10")!;
const SOURCE = parseIpv4("192.168.50.2")!;
const GROUP = parseIpv4("224.0.0.18")!;
const AUTH: CarpAuth = { key: KEY, vips: [VIP] };
const OPTIONS: ReceiveOptions = {
  vhids: new Map([[3, AUTH]]),
  destinations: new Set([GROUP]),
};

function validPacket(counter = 42n): Uint8Array {
  return encodeCarpPacket(
    { source: SOURCE, id: 0x1234 },
    encodeAdvert({ vhid: 3, advskew: 10, advbase: 1, counter }, AUTH),
  );
}

/** Rewrites the IP and CARP checksums after a deliberate edit. */
function fixChecksums(packet: Uint8Array): Uint8Array {
  const view = new DataView(packet.buffer, packet.byteOffset);
  view.setUint16(10, 0);
  view.setUint16(10, internetChecksum(packet.subarray(0, 20)));
  view.setUint16(26, 0);
  view.setUint16(26, internetChecksum(packet.subarray(20, 56)));
  return packet;
}

function reasonOf(packet: Uint8Array, options = OPTIONS): DropReason | "ok" {
  const result = decodeCarpPacket(packet, options);
  return result.ok ? "ok" : result.reason;
}

Deno.test("decodeCarpPacket() names each reason it drops a packet for", async (t) => {
  const cases: [DropReason, () => Uint8Array, ReceiveOptions?][] = [
    ["short", () => new Uint8Array(10)],
    ["short", () => validPacket().subarray(0, 55)],
    ["bad_ip_header", () => {
      const p = validPacket();
      p[0] = 0x65;
      return p;
    }],
    ["bad_ip_header", () => {
      const p = validPacket();
      p[9] = 17;
      return p;
    }],
    ["bad_ttl", () => {
      const p = validPacket();
      p[8] = 64;
      return fixChecksums(p);
    }],
    ["bad_version", () => {
      const p = validPacket();
      p[20] = 0x31;
      return fixChecksums(p);
    }],
    ["bad_type", () => {
      const p = validPacket();
      p[20] = 0x22;
      return fixChecksums(p);
    }],
    ["bad_checksum", () => {
      const p = validPacket();
      flip(p, 22, 0x01); // advskew, not covered by the HMAC
      return p;
    }],
    ["bad_checksum", () => {
      const p = validPacket();
      flip(p, 4, 0x80); // IP id
      return p;
    }],
    ["bad_authlen", () => {
      const p = validPacket();
      p[23] = 6;
      return fixChecksums(p);
    }],
    ["wrong_vhid", () => {
      const p = validPacket();
      p[21] = 4;
      return fixChecksums(p);
    }],
    ["wrong_destination", () => {
      const p = validPacket();
      p[19] = 19;
      return fixChecksums(p);
    }],
    ["bad_hmac", () => {
      const p = validPacket();
      flip(p, 40, 0xff);
      return fixChecksums(p);
    }],
    ["bad_hmac", () => validPacket(), {
      vhids: new Map([[3, {
        key: new TextEncoder().encode("other"),
        vips: [VIP],
      }]]),
    }],
    ["bad_hmac", () => validPacket(), {
      vhids: new Map([[3, { key: KEY, vips: [VIP + 1] }]]),
    }],
  ];
  for (const [reason, make, options] of cases) {
    await t.step(reason, () => assert.equal(reasonOf(make(), options), reason));
  }
  assert.deepEqual(
    new Set(cases.map(([r]) => r)),
    new Set(DROP_REASONS.filter((r) => r !== "replay")),
    "every codec reason is exercised (replay is the receiver's check)",
  );
});

Deno.test("decodeCarpPacket() accepts trailing bytes and any destination when unset", () => {
  const p = new Uint8Array(60);
  p.set(validPacket());
  assert.equal(reasonOf(p), "ok");
  const q = validPacket();
  q[19] = 19;
  assert.equal(reasonOf(fixChecksums(q), { vhids: OPTIONS.vhids }), "ok");
});

Deno.test("decodeCarpPacket() honours IP options (IHL > 5)", () => {
  const base = validPacket();
  const p = new Uint8Array(60);
  p.set(base.subarray(0, 20));
  p[0] = 0x46;
  p.set(base.subarray(20), 24);
  const view = new DataView(p.buffer);
  view.setUint16(10, 0);
  view.setUint16(10, internetChecksum(p.subarray(0, 24)));
  assert.equal(reasonOf(p), "ok");
});

Deno.test("the HMAC covers all VIPs of a vhid, in ascending order", () => {
  const vips = [
    parseIpv4("10.0.0.9")!,
    parseIpv4("10.0.0.3")!,
    parseIpv4("9.255.0.1")!,
  ];
  const packet = encodeCarpPacket(
    { source: SOURCE },
    encodeAdvert({ vhid: 3, advskew: 0, advbase: 1, counter: 5n }, {
      key: KEY,
      vips,
    }),
  );
  const reversed = { key: KEY, vips: [...vips].reverse() };
  assert.equal(reasonOf(packet, { vhids: new Map([[3, reversed]]) }), "ok");
  const fewer = { key: KEY, vips: vips.slice(1) };
  assert.equal(reasonOf(packet, { vhids: new Map([[3, fewer]]) }), "bad_hmac");
});

const advertFields = fc.record({
  vhid: fc.integer({ min: 1, max: 255 }),
  advskew: fc.integer({ min: 0, max: 255 }),
  advbase: fc.integer({ min: 0, max: 255 }),
  demote: fc.integer({ min: 0, max: 255 }),
  counter: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
});

Deno.test("decodeCarpPacket(encodeAdvert(a)) gives back a (property)", () => {
  fc.assert(
    fc.property(
      advertFields,
      fc.uint8Array({ minLength: 0, maxLength: 19 }),
      fc.array(fc.integer({ min: 0, max: 0xffffffff }), {
        minLength: 1,
        maxLength: 8,
      }),
      fc.integer({ min: 0, max: 0xffffffff }),
      (fields, key, vips, source) => {
        const auth = { key, vips };
        const packet = encodeCarpPacket({ source }, encodeAdvert(fields, auth));
        const result = decodeCarpPacket(packet, {
          vhids: new Map([[fields.vhid, auth]]),
        });
        assert.ok(result.ok);
        const got: Advert = result.advert;
        assert.equal(got.vhid, fields.vhid);
        assert.equal(got.advskew, fields.advskew);
        assert.equal(got.advbase, fields.advbase);
        assert.equal(got.demote, fields.demote);
        assert.equal(got.counter, fields.counter);
        assert.equal(result.source, source);
      },
    ),
    { numRuns: 2_000 },
  );
});

Deno.test("decodeCarpPacket() never throws on arbitrary bytes (100,000 cases)", () => {
  const lenient: ReceiveOptions = {
    vhids: new Map(Array.from({ length: 255 }, (_, i) => [i + 1, AUTH])),
  };
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 0, maxLength: 120 }),
      fc.boolean(),
      (bytes, looksLikeCarp) => {
        if (looksLikeCarp && bytes.length >= 20) {
          bytes[0] = 0x45;
          bytes[8] = 255;
          bytes[9] = 112;
        }
        const result = decodeCarpPacket(bytes, lenient);
        assert.equal(typeof result.ok, "boolean");
        if (!result.ok) assert.ok(DROP_REASONS.includes(result.reason));
      },
    ),
    { numRuns: 100_000 },
  );
});

Deno.test("every single-bit flip of a valid advert is dropped (property)", () => {
  const packet = validPacket();
  for (let bit = 0; bit < packet.length * 8; bit++) {
    const p = packet.slice();
    flip(p, bit >> 3, 1 << (bit & 7));
    assert.notEqual(reasonOf(p), "ok", `bit ${bit} flipped was accepted`);
  }
});
