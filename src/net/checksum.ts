/**
 * The Internet checksum (RFC 1071), as CARP and IPv4 use it.
 * @module
 */

/**
 * One's-complement sum of 16-bit big-endian words, folded and inverted.
 *
 * An odd trailing byte is padded with zero. Over data that already holds a
 * correct checksum the result is 0, which is how received headers are checked.
 *
 * @param bytes The data to sum.
 * @returns The 16-bit checksum to store in network order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { internetChecksum } from "./checksum.ts";
 * assert.equal(internetChecksum(new Uint8Array([0x45, 0x00, 0x00, 0x1c])), 0xbae3);
 * ```
 */
export function internetChecksum(bytes: Uint8Array): number {
  let sum = 0;
  const even = bytes.length & ~1;
  for (let i = 0; i < even; i += 2) {
    sum += (bytes[i]! << 8) | bytes[i + 1]!;
  }
  if (even !== bytes.length) sum += bytes[even]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}
