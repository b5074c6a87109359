/**
 * IPv4 and IPv6 addresses as the socket calls take them: the address types
 * (an IPv4 address is a network-order number, an IPv6 one its 16 bytes),
 * `struct sockaddr_in`/`sockaddr_in6` and `struct ip_mreqn`/`ipv6_mreq`
 * (layouts from `<netinet/in.h>`), and the text that names an address in
 * messages.
 * @module
 */

import { AF_INET, AF_INET6 } from "./constants.ts";

/** An address of either family: a network-order number (IPv4), 16 bytes (IPv6). */
export type SocketAddress = number | Uint8Array;

/** An address with its prefix length, tagged with its family. */
export type PrefixedAddress =
  | {
    /** IPv4. */
    family: 4;
    /** The address, a network-order number. */
    address: number;
    /** Prefix length. */
    prefix: number;
  }
  | {
    /** IPv6. */
    family: 6;
    /** The 16 bytes. */
    address: Uint8Array;
    /** Prefix length. */
    prefix: number;
  };

/** sizeof(struct sockaddr_in). */
export const SOCKADDR_IN_SIZE = 16;
/** sizeof(struct ip_mreqn). */
export const IP_MREQN_SIZE = 12;
/** sizeof(struct sockaddr_in6). */
export const SOCKADDR_IN6_SIZE = 28;
/** sizeof(struct ipv6_mreq). */
export const IPV6_MREQ_SIZE = 20;

/**
 * Encodes a `struct sockaddr_in`.
 *
 * @param address The address, a network-order number.
 * @param port The port (0 for raw sockets).
 * @returns 16 bytes.
 */
export function sockaddrIn(address: number, port = 0): Uint8Array {
  const buf = new Uint8Array(SOCKADDR_IN_SIZE);
  const view = new DataView(buf.buffer);
  view.setUint16(0, AF_INET, true);
  view.setUint16(2, port);
  view.setUint32(4, address);
  return buf;
}

/**
 * Encodes a `struct ip_mreqn`.
 *
 * @param group The multicast group.
 * @param address The local address (0: any).
 * @param ifindex The interface index.
 * @returns 12 bytes.
 */
export function ipMreqn(
  group: number,
  address: number,
  ifindex: number,
): Uint8Array {
  const buf = new Uint8Array(IP_MREQN_SIZE);
  const view = new DataView(buf.buffer);
  view.setUint32(0, group);
  view.setUint32(4, address);
  view.setInt32(8, ifindex, true);
  return buf;
}

/**
 * Encodes a `struct sockaddr_in6`.
 *
 * @param address The 16 bytes.
 * @param scopeId The interface index, for link-local and multicast.
 * @returns 28 bytes.
 */
export function sockaddrIn6(address: Uint8Array, scopeId: number): Uint8Array {
  const buf = new Uint8Array(SOCKADDR_IN6_SIZE);
  new DataView(buf.buffer).setUint16(0, AF_INET6, true);
  buf.set(address, 8);
  new DataView(buf.buffer).setUint32(24, scopeId, true);
  return buf;
}

/**
 * Encodes a `struct ipv6_mreq`.
 *
 * @param group The multicast group.
 * @param ifindex The interface index.
 * @returns 20 bytes.
 */
export function ipv6Mreq(group: Uint8Array, ifindex: number): Uint8Array {
  const buf = new Uint8Array(IPV6_MREQ_SIZE);
  buf.set(group, 0);
  new DataView(buf.buffer).setUint32(16, ifindex, true);
  return buf;
}

/**
 * The IPv4 address a socket of that family was given.
 *
 * @param a The address.
 * @returns The network-order number.
 * @throws {TypeError} When it is an IPv6 address.
 */
export function ipv4Of(a: SocketAddress): number {
  if (typeof a !== "number") {
    throw new TypeError("Cannot use an IPv6 address on an IPv4 socket");
  }
  return a;
}

/**
 * The IPv6 address a socket of that family was given.
 *
 * @param a The address.
 * @returns The 16 bytes.
 * @throws {TypeError} When it is an IPv4 address.
 */
export function ipv6Of(a: SocketAddress): Uint8Array {
  if (typeof a === "number") {
    throw new TypeError("Cannot use an IPv4 address on an IPv6 socket");
  }
  return a;
}

/**
 * Names an address in messages: a dotted quad, or IPv6 text as RFC 5952
 * says (the form `src/` prints, so messages read the same).
 *
 * @param a The address.
 * @returns Such as `224.0.0.18` or `ff02::12`.
 */
export function formatSocketAddress(a: SocketAddress): string {
  return typeof a === "number" ? formatIpv4(a) : formatIpv6(a);
}

/**
 * Formats an IPv4 address as a dotted quad.
 *
 * @param a The address, a network-order number.
 * @returns Such as `192.168.1.10`.
 */
export function formatIpv4(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

/** IPv6 text with the longest run of two or more zero groups as `::`. */
function formatIpv6(a: Uint8Array): string {
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
