/**
 * Gratuitous ARP, as ucarp sends it: an ARP request whose sender and target
 * IP are both the virtual address and whose sender and target MAC are both
 * the interface's own (tcpdump: `Request who-has VIP (mac) tell VIP`).
 * @module
 */

import { writeIpv4 } from "./ipv4_address.ts";

/** Ethertype of ARP. */
export const ETHERTYPE_ARP = 0x0806;
/** EtherType of IPv4 (adverts sent as broadcast frames, ucarp's `-M`). */
export const ETHERTYPE_IPV4 = 0x0800;
/** The Ethernet broadcast address. */
export const BROADCAST_MAC: Uint8Array = new Uint8Array(6).fill(0xff);

/**
 * Encodes the 28-byte ARP payload (the Ethernet header is added by the
 * packet socket, to the broadcast address).
 *
 * @param mac The interface's 6-byte MAC.
 * @param vip The virtual address.
 * @returns The ARP packet.
 */
export function gratuitousArp(mac: Uint8Array, vip: number): Uint8Array {
  const buf = new Uint8Array(28);
  const view = new DataView(buf.buffer);
  view.setUint16(0, 1); // Ethernet
  view.setUint16(2, 0x0800); // IPv4
  buf[4] = 6;
  buf[5] = 4;
  view.setUint16(6, 1); // request
  buf.set(mac.subarray(0, 6), 8);
  writeIpv4(buf, 14, vip);
  buf.set(mac.subarray(0, 6), 18);
  writeIpv4(buf, 24, vip);
  return buf;
}
