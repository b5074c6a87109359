/**
 * IPv6 addresses as 16 bytes in network order, and their text (RFC 5952:
 * lowercase, the longest run of two or more zero groups as `::`). The text
 * is also the address's key wherever a map needs one.
 * @module
 */

/** An IPv6 address: 16 bytes, network order. */
export type Ipv6 = Uint8Array;

/** ff02::12, the group CARP and VRRP adverts go to over IPv6. */
export const CARP6_GROUP: Ipv6 = new Uint8Array([
  0xff,
  0x02,
  ...new Array(13).fill(0),
  0x12,
]);

/** ff02::1, all nodes: where unsolicited neighbour advertisements go. */
export const ALL_NODES: Ipv6 = new Uint8Array([
  0xff,
  0x02,
  ...new Array(13).fill(0),
  0x01,
]);

/**
 * Parses IPv6 text: full, compressed (`::`), or with a dotted IPv4 tail.
 * Zone ids (`%eth0`) are not addresses and are refused.
 *
 * @param text The text.
 * @returns The 16 bytes, or `null` when it is not an IPv6 address.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatIpv6, parseIpv6 } from "./ipv6_address.ts";
 * assert.equal(formatIpv6(parseIpv6("2001:DB8:0:0:0:0:0:10")!), "2001:db8::10");
 * assert.equal(parseIpv6("10.0.0.1"), null);
 * ```
 */
export function parseIpv6(text: string): Ipv6 | null {
  if (!/^[0-9A-Fa-f:.]{2,45}$/.test(text)) return null;
  let head = text;
  let tail: number[] = [];
  const v4 = /^(.*:)(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/.exec(text);
  if (v4) {
    const parts = v4[2]!.split(".").map(Number);
    if (parts.some((p) => p > 255)) return null;
    tail = [(parts[0]! << 8) | parts[1]!, (parts[2]! << 8) | parts[3]!];
    head = v4[1]!.endsWith("::") ? v4[1]! : v4[1]!.slice(0, -1);
  }
  const halves = head.split("::");
  if (halves.length > 2) return null;
  const groups = (s: string): number[] | null => {
    if (s === "") return [];
    const out: number[] = [];
    for (const g of s.split(":")) {
      if (!/^[0-9A-Fa-f]{1,4}$/.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const left = groups(halves[0]!);
  const right = halves.length === 2 ? groups(halves[1]!) : [];
  if (left === null || right === null) return null;
  const known = left.length + right.length + tail.length;
  if (halves.length === 1 ? known !== 8 : known > 7) return null;
  const all = [
    ...left,
    ...new Array(8 - known).fill(0),
    ...right,
    ...tail,
  ];
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

/**
 * Formats an address as RFC 5952 says.
 *
 * @param a The 16 bytes.
 * @returns Such as `fe80::1`.
 */
export function formatIpv6(a: Ipv6): string {
  const g = Array.from(
    { length: 8 },
    (_, i) => (a[2 * i]! << 8) | a[2 * i + 1]!,
  );
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (xs: number[]): string => xs.map((x) => x.toString(16)).join(":");
  if (best === -1) return hex(g);
  return `${hex(g.slice(0, best))}::${hex(g.slice(best + bestLen))}`;
}

/** Whether an address is link-local unicast (fe80::/10). */
export function isLinkLocal(a: Ipv6): boolean {
  return a[0] === 0xfe && (a[1]! & 0xc0) === 0x80;
}

/** Whether an address is multicast (ff00::/8). */
export function isMulticast6(a: Ipv6): boolean {
  return a[0] === 0xff;
}

/**
 * Orders addresses byte by byte (memcmp), as the BSDs sort them for the HMAC.
 *
 * @returns Negative, zero or positive.
 */
export function compareIpv6(a: Ipv6, b: Ipv6): number {
  for (let i = 0; i < 16; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return 0;
}

/** Whether two addresses are the same. */
export function equalIpv6(a: Ipv6, b: Ipv6): boolean {
  return compareIpv6(a, b) === 0;
}
