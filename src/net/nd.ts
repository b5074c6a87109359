/**
 * Unsolicited Neighbor Advertisements (RFC 4861), the IPv6 counterpart of a
 * gratuitous ARP: sent by a new MASTER so hosts and routers move their
 * neighbour entry for a VIP to its MAC. The frame's payload, that is an
 * IPv6 header and the ICMPv6 message; the packet socket adds the Ethernet
 * header (to 33:33:00:00:00:01, ethertype 0x86DD).
 * @module
 */

import { internetChecksum } from "./checksum.ts";
import { ALL_NODES, type Ipv6 } from "./ipv6_address.ts";

/** Ethertype of IPv6. */
export const ETHERTYPE_IPV6 = 0x86dd;
/** The Ethernet address of ff02::1. */
export const ALL_NODES_MAC: Uint8Array = new Uint8Array([
  0x33,
  0x33,
  0,
  0,
  0,
  1,
]);
/** ICMPv6 Neighbor Advertisement. */
const ND_NEIGHBOR_ADVERT = 136;
/** Next header: ICMPv6. */
const IPPROTO_ICMPV6 = 58;
/** Router and Override: what a VRRP or CARP master says of a VIP. */
const FLAGS_ROUTER_OVERRIDE = 0xa0;
/** Option: target link-layer address, 8 bytes long. */
const ND_OPT_TARGET_LLADDR = 2;
/** ICMPv6 NA (24) plus the target link-layer address option (8). */
const NA_LENGTH = 32;
/** The IPv6 header. */
const IPV6_HEADER_LENGTH = 40;

/**
 * The ICMPv6 Neighbor Advertisement body, its checksum over the IPv6
 * pseudo-header filled in.
 *
 * @param source The IPv6 source (the VIP itself, as keepalived and FRR send).
 * @param target The VIP.
 * @param mac The MAC it answers with.
 * @returns 32 bytes.
 */
export function neighborAdvert(
  source: Ipv6,
  target: Ipv6,
  mac: Uint8Array,
): Uint8Array {
  const body = new Uint8Array(NA_LENGTH);
  body[0] = ND_NEIGHBOR_ADVERT;
  body[4] = FLAGS_ROUTER_OVERRIDE;
  body.set(target, 8);
  body[24] = ND_OPT_TARGET_LLADDR;
  body[25] = 1;
  body.set(mac.subarray(0, 6), 26);
  const pseudo = new Uint8Array(40 + NA_LENGTH);
  pseudo.set(source, 0);
  pseudo.set(ALL_NODES, 16);
  new DataView(pseudo.buffer).setUint32(32, NA_LENGTH);
  pseudo[39] = IPPROTO_ICMPV6;
  pseudo.set(body, 40);
  new DataView(body.buffer).setUint16(2, internetChecksum(pseudo));
  return body;
}

/**
 * An unsolicited NA for a VIP, from the VIP to ff02::1 with hop limit 255:
 * IPv6 header and ICMPv6 message, for a packet socket.
 *
 * @param vip The VIP.
 * @param mac The MAC it answers with.
 * @returns 72 bytes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { unsolicitedNa } from "./nd.ts";
 * import { parseIpv6 } from "./ipv6_address.ts";
 * const p = unsolicitedNa(parseIpv6("2001:db8::100")!, new Uint8Array([0, 0, 0x5e, 0, 2, 0x33]));
 * assert.equal(p.length, 72);
 * assert.equal(p[7], 255); // hop limit
 * ```
 */
export function unsolicitedNa(vip: Ipv6, mac: Uint8Array): Uint8Array {
  const packet = new Uint8Array(IPV6_HEADER_LENGTH + NA_LENGTH);
  const view = new DataView(packet.buffer);
  packet[0] = 0x60;
  view.setUint16(4, NA_LENGTH);
  packet[6] = IPPROTO_ICMPV6;
  packet[7] = 255;
  packet.set(vip, 8);
  packet.set(ALL_NODES, 24);
  packet.set(neighborAdvert(vip, vip, mac), IPV6_HEADER_LENGTH);
  return packet;
}
