/**
 * HMAC-SHA1 (RFC 2104 over FIPS 180-4's SHA-1) for short messages, with the
 * key's inner and outer states computed once: an advert's digest is then
 * two compression rounds and no allocation, where a general-purpose HMAC
 * costs tens of microseconds a call (a BFD-class master signs 256 adverts
 * a second, and a flood of forged adverts must not cost more to refuse).
 * @module
 */

/** SHA-1's block size, bytes. */
const BLOCK = 64;
/** The digest size, bytes. */
export const SHA1_LENGTH = 20;
/** SHA-1's initial state (FIPS 180-4, 5.3.1). */
const INITIAL = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0];

/** SHA-1's five-word state. */
type State = Uint32Array;

/**
 * The message schedule and the working state, shared: nothing here is
 * re-entrant or async.
 */
const W = new Uint32Array(80);
const H = new Uint32Array(5);

/** Runs the compression function over one 64-byte block at `off`. */
function compress(h: State, block: Uint8Array, off: number): void {
  for (let t = 0; t < 16; t++) {
    const i = off + 4 * t;
    W[t] = (block[i]! << 24) | (block[i + 1]! << 16) | (block[i + 2]! << 8) |
      block[i + 3]!;
  }
  for (let t = 16; t < 80; t++) {
    const x = W[t - 3]! ^ W[t - 8]! ^ W[t - 14]! ^ W[t - 16]!;
    W[t] = (x << 1) | (x >>> 31);
  }
  let a = h[0]!, b = h[1]!, c = h[2]!, d = h[3]!, e = h[4]!;
  for (let t = 0; t < 80; t++) {
    let f: number, k: number;
    if (t < 20) {
      f = (b & c) | (~b & d);
      k = 0x5a827999;
    } else if (t < 40) {
      f = b ^ c ^ d;
      k = 0x6ed9eba1;
    } else if (t < 60) {
      f = (b & c) | (b & d) | (c & d);
      k = 0x8f1bbcdc;
    } else {
      f = b ^ c ^ d;
      k = 0xca62c1d6;
    }
    const temp = (((a << 5) | (a >>> 27)) + f + e + k + W[t]!) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = temp;
  }
  h[0] = (h[0]! + a) | 0;
  h[1] = (h[1]! + b) | 0;
  h[2] = (h[2]! + c) | 0;
  h[3] = (h[3]! + d) | 0;
  h[4] = (h[4]! + e) | 0;
}

/**
 * Hashes `data` on top of `state`, which has already absorbed `prefix`
 * bytes (whole blocks), and writes the digest to `out`.
 */
function finish(
  state: State,
  prefix: number,
  data: Uint8Array,
  out: Uint8Array,
  scratch: Uint8Array,
): void {
  const h = H;
  h.set(state);
  let off = 0;
  for (; off + BLOCK <= data.length; off += BLOCK) compress(h, data, off);
  const rest = data.length - off;
  // The last block(s): the rest, 0x80, zeros, the length in bits.
  scratch.fill(0);
  scratch.set(data.subarray(off), 0);
  scratch[rest] = 0x80;
  const blocks = rest + 9 > BLOCK ? 2 : 1;
  const bits = (prefix + data.length) * 8;
  const end = blocks * BLOCK;
  // Lengths here stay far below 2^32 bits.
  scratch[end - 4] = bits >>> 24;
  scratch[end - 3] = bits >>> 16;
  scratch[end - 2] = bits >>> 8;
  scratch[end - 1] = bits;
  compress(h, scratch, 0);
  if (blocks === 2) compress(h, scratch, BLOCK);
  for (let i = 0; i < 5; i++) {
    out[4 * i] = h[i]! >>> 24;
    out[4 * i + 1] = h[i]! >>> 16;
    out[4 * i + 2] = h[i]! >>> 8;
    out[4 * i + 3] = h[i]!;
  }
}

/**
 * SHA-1 of `data`.
 *
 * @param data The message.
 * @returns The 20-byte digest.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sha1 } from "./sha1.ts";
 * const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
 * assert.equal(hex(sha1(new TextEncoder().encode("abc"))), "a9993e364706816aba3e25717850c26c9cd0d89d");
 * ```
 */
export function sha1(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(SHA1_LENGTH);
  finish(Uint32Array.from(INITIAL), 0, data, out, new Uint8Array(2 * BLOCK));
  return out;
}

/** HMAC-SHA1 with one key. */
export class HmacSha1 {
  readonly #inner: State;
  readonly #outer: State;
  readonly #scratch = new Uint8Array(2 * BLOCK);
  readonly #innerDigest = new Uint8Array(SHA1_LENGTH);

  /**
   * Prepares the key's inner and outer states.
   *
   * @param key Any length (keys over 64 bytes are hashed first, as RFC 2104).
   */
  constructor(key: Uint8Array) {
    const k = new Uint8Array(BLOCK);
    k.set(key.length > BLOCK ? sha1(key) : key);
    const pad = new Uint8Array(BLOCK);
    this.#inner = Uint32Array.from(INITIAL);
    for (let i = 0; i < BLOCK; i++) pad[i] = k[i]! ^ 0x36;
    compress(this.#inner, pad, 0);
    this.#outer = Uint32Array.from(INITIAL);
    for (let i = 0; i < BLOCK; i++) pad[i] = k[i]! ^ 0x5c;
    compress(this.#outer, pad, 0);
  }

  /**
   * The HMAC of `message`.
   *
   * @param message The message.
   * @param out Where the 20-byte digest goes (a new array by default).
   * @returns `out`.
   */
  digest(
    message: Uint8Array,
    out: Uint8Array = new Uint8Array(SHA1_LENGTH),
  ): Uint8Array {
    finish(this.#inner, BLOCK, message, this.#innerDigest, this.#scratch);
    finish(this.#outer, BLOCK, this.#innerDigest, out, this.#scratch);
    return out;
  }
}
