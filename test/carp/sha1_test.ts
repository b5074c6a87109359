import assert from "node:assert/strict";
import { createHash, createHmac } from "node:crypto";
import fc from "fast-check";
import { HmacSha1, sha1 } from "../../src/carp/sha1.ts";

const hex = (b: Uint8Array): string =>
  [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

Deno.test("sha1() gives FIPS 180-4's digests, across the block boundaries", () => {
  assert.equal(hex(sha1(text(""))), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  assert.equal(
    hex(sha1(text("abc"))),
    "a9993e364706816aba3e25717850c26c9cd0d89d",
  );
  assert.equal(
    hex(sha1(text("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))),
    "84983e441c3bd26ebaae4aa1f95129e5e54670f1",
  );
  for (const n of [55, 56, 63, 64, 65, 119, 120, 128, 1000]) {
    const data = new Uint8Array(n).map((_, i) => i * 7);
    assert.equal(
      hex(sha1(data)),
      createHash("sha1").update(data).digest("hex"),
      `${n} bytes`,
    );
  }
});

Deno.test("HmacSha1 matches RFC 2202's vectors", () => {
  assert.equal(
    hex(new HmacSha1(new Uint8Array(20).fill(0x0b)).digest(text("Hi There"))),
    "b617318655057264e28bc0b6fb378c8ef146be00",
  );
  assert.equal(
    hex(
      new HmacSha1(text("Jefe")).digest(text("what do ya want for nothing?")),
    ),
    "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79",
  );
  // A key longer than a block is hashed first.
  assert.equal(
    hex(
      new HmacSha1(new Uint8Array(80).fill(0xaa)).digest(
        text("Test Using Larger Than Block-Size Key - Hash Key First"),
      ),
    ),
    "aa4ae5e15272d00e95705637ce8a3b55ed402112",
  );
});

Deno.test("HmacSha1 agrees with a general-purpose HMAC on any key and message, reused", () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 100 }),
      fc.array(fc.uint8Array({ maxLength: 200 }), {
        minLength: 1,
        maxLength: 4,
      }),
      (key, messages) => {
        const mac = new HmacSha1(key);
        for (const m of messages) {
          assert.equal(
            hex(mac.digest(m)),
            createHmac("sha1", key).update(m).digest("hex"),
          );
        }
      },
    ),
    { numRuns: 300 },
  );
});
