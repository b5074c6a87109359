/**
 * IPv4 addresses as unsigned 32-bit numbers in network order
 * (`10.0.0.1` is `0x0a000001`), the form the codec and the election use.
 * @module
 */

const DOTTED_QUAD = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/**
 * Parses a dotted-quad IPv4 address.
 *
 * @param text Such as `"192.168.1.10"`; no leading zeros beyond a single `0`.
 * @returns The address, or `null` when the text is not one.
 */
export function parseIpv4(text: string): number | null {
  const m = DOTTED_QUAD.exec(text);
  if (m === null) return null;
  let value = 0;
  for (let i = 1; i <= 4; i++) {
    const part = m[i]!;
    if (part.length > 1 && part.startsWith("0")) return null;
    const octet = Number(part);
    if (octet > 255) return null;
    value = value * 256 + octet;
  }
  return value;
}

/**
 * Formats an address as a dotted quad.
 *
 * @param address An unsigned 32-bit address in network order.
 * @returns Such as `"192.168.1.10"`.
 */
export function formatIpv4(address: number): string {
  return [
    (address >>> 24) & 0xff,
    (address >>> 16) & 0xff,
    (address >>> 8) & 0xff,
    address & 0xff,
  ].join(".");
}

/**
 * Reads a network-order address from four bytes.
 *
 * @param bytes The buffer.
 * @param offset Where the address starts.
 * @returns The address.
 */
export function readIpv4(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset]! << 24) | (bytes[offset + 1]! << 16) |
    (bytes[offset + 2]! << 8) | bytes[offset + 3]!) >>> 0;
}

/**
 * Writes a network-order address into four bytes.
 *
 * @param bytes The buffer.
 * @param offset Where the address goes.
 * @param address The address.
 */
export function writeIpv4(
  bytes: Uint8Array,
  offset: number,
  address: number,
): void {
  bytes[offset] = address >>> 24;
  bytes[offset + 1] = (address >>> 16) & 0xff;
  bytes[offset + 2] = (address >>> 8) & 0xff;
  bytes[offset + 3] = address & 0xff;
}
