/** Hex helpers for tests. */

/** Decodes a hex string (whitespace ignored) into bytes. */
export function fromHex(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, "");
  const bytes = new Uint8Array(clean.length / 2);
  for (let i = 0; i < bytes.length; i++) {
    bytes[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  }
  return bytes;
}

/** Encodes bytes as lowercase hex. */
export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Flips bits of one byte in place (a typed helper for strict indexing). */
export function flip(bytes: Uint8Array, index: number, mask: number): void {
  bytes[index] = bytes[index]! ^ mask;
}
