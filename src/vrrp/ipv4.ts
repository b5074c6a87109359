/**
 * The IPv4 layer both VRRP versions share: the header keepalived writes,
 * and the checks a received packet passes before its message is read.
 * @module
 */

import {
  CARP_GROUP,
  internetChecksum,
  IPPROTO_CARP,
  readIpv4,
  writeIpv4,
} from "../carp/mod.ts";
import { VRRP_HEADER_LENGTH, VRRP_TOS, VRRP_TTL } from "./constants.ts";
import type { VrrpDropReason } from "./message.ts";

/** Length of an IPv4 header without options. */
export const IPV4_HEADER_LENGTH = 20;

/** IPv4 header fields of an outgoing advert. */
export interface Vrrp4Fields {
  /** Source address, a network-order number. */
  source: number;
  /** Destination; 224.0.0.18 when omitted. */
  destination?: number;
  /** Identification; 0 when omitted (the kernel fills it in). */
  id?: number;
  /** TTL; 255 when omitted. */
  ttl?: number;
}

/**
 * Wraps a message in an IPv4 header as keepalived writes it: version 4,
 * IHL 5, TOS 0xc0, no DF and no fragment offset, TTL 255, protocol 112,
 * header checksum.
 *
 * @param fields Addresses, id and TTL.
 * @param message The VRRP message, checksum in place.
 * @returns The packet.
 */
export function wrapIpv4(fields: Vrrp4Fields, message: Uint8Array): Uint8Array {
  const packet = new Uint8Array(IPV4_HEADER_LENGTH + message.length);
  const view = new DataView(packet.buffer);
  packet[0] = 0x45;
  packet[1] = VRRP_TOS;
  view.setUint16(2, packet.length);
  view.setUint16(4, fields.id ?? 0);
  packet[8] = fields.ttl ?? VRRP_TTL;
  packet[9] = IPPROTO_CARP;
  writeIpv4(packet, 12, fields.source);
  writeIpv4(packet, 16, fields.destination ?? CARP_GROUP);
  view.setUint16(10, internetChecksum(packet.subarray(0, IPV4_HEADER_LENGTH)));
  packet.set(message, IPV4_HEADER_LENGTH);
  return packet;
}

/** A packet whose IPv4 layer passed: its message and addresses. */
export interface Ipv4Payload {
  /** The VRRP message: the bytes the IP total length covers. */
  message: Uint8Array;
  /** The sender. */
  source: number;
  /** Where it was sent. */
  destination: number;
}

/**
 * Checks the IPv4 layer, in order: a 20-byte header; IP version 4, IHL at
 * least 5 and protocol 112; the header present; the header checksum and a
 * total length covering it; the total length within the bytes received
 * (trusted over the buffer: bytes past it are link padding); 8 message
 * bytes; TTL 255.
 *
 * @param packet The packet, header included.
 * @returns The message and addresses, or the reason to drop it (with the
 *   source once the header was long enough to hold one).
 */
export function judgeIpv4(
  packet: Uint8Array,
): Ipv4Payload | { reason: VrrpDropReason; source?: number } {
  if (packet.length < IPV4_HEADER_LENGTH) return { reason: "short" };
  const source = readIpv4(packet, 12);
  const headerLength = (packet[0]! & 0x0f) * 4;
  if (
    packet[0]! >> 4 !== 4 || headerLength < IPV4_HEADER_LENGTH ||
    packet[9] !== IPPROTO_CARP
  ) {
    return { reason: "bad_ip_header", source };
  }
  if (packet.length < headerLength) return { reason: "short", source };
  const totalLength = (packet[2]! << 8) | packet[3]!;
  if (
    internetChecksum(packet.subarray(0, headerLength)) !== 0 ||
    totalLength < headerLength
  ) {
    return { reason: "bad_ip_header", source };
  }
  if (totalLength > packet.length) return { reason: "short", source };
  const message = packet.subarray(headerLength, totalLength);
  if (message.length < VRRP_HEADER_LENGTH) return { reason: "short", source };
  if (packet[8] !== VRRP_TTL) return { reason: "bad_ttl", source };
  return { message, source, destination: readIpv4(packet, 16) };
}
