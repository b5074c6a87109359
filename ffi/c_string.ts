/**
 * C strings: NUL-terminated UTF-8, the form libc and the kernel take names
 * in. Pure, so the message encoders can use it without loading libc.
 * @module
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Encodes a string with its terminating NUL.
 *
 * @param s The text.
 * @returns `s` in UTF-8 followed by one 0 byte.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cString } from "./c_string.ts";
 * assert.deepEqual([...cString("lo")], [0x6c, 0x6f, 0]);
 * ```
 */
export function cString(s: string): Uint8Array {
  return encoder.encode(s + "\0");
}

/**
 * Reads a C string from a buffer: up to the first NUL, or the whole buffer.
 *
 * @param data The bytes, or `undefined` for none.
 * @returns The text ("" for none).
 */
export function readCString(data: Uint8Array | undefined): string {
  if (data === undefined) return "";
  const nul = data.indexOf(0);
  return decoder.decode(nul === -1 ? data : data.subarray(0, nul));
}
