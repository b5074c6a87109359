/**
 * The family-neutral envelope of a received advert: who sent it, where to,
 * with which TTL or hop limit, and the bytes after the IP layer. An IPv4
 * raw socket hands over the whole packet, header included, and its header
 * is read here; an IPv6 raw socket hands over the payload and tells the
 * rest beside it. The protocol verifiers (`src/carp/`, `src/vrrp/`) read
 * only envelopes, so the family is decided here and nowhere after.
 * @module
 */

import { internetChecksum } from "./checksum.ts";
import { IPPROTO_CARP, IPV4_HEADER_LENGTH } from "./constants.ts";
import { formatIpv4, readIpv4, writeIpv4 } from "./ipv4_address.ts";
import { formatIpv6 } from "./ipv6_address.ts";

/**
 * An address as the rest of carpd keys it: an IPv4 address as a
 * network-order number, an IPv6 one as its RFC 5952 text.
 */
export type PeerAddress = number | string;

/**
 * An address as text, whatever its family.
 *
 * @param a An IPv4 address (a number) or an IPv6 one (its text).
 * @returns The text.
 */
export function formatPeer(a: PeerAddress): string {
  return typeof a === "number" ? formatIpv4(a) : a;
}

/** A received advert with its IP layer read. */
export interface Envelope {
  /** The address family it came over. */
  family: 4 | 6;
  /** The sender. */
  source: PeerAddress;
  /** The sender's address bytes (4 or 16), for pseudo-headers. */
  sourceBytes: Uint8Array;
  /** Where it was sent, `null` when the socket did not say. */
  destination: PeerAddress | null;
  /** The destination's bytes (4 or 16), `null` when unknown. */
  destinationBytes: Uint8Array | null;
  /** The TTL or hop limit it arrived with, `null` when unknown. */
  hopLimit: number | null;
  /** Everything after the IP header, as received. */
  payload: Uint8Array;
  /**
   * How much of `payload` the IP layer says is its own (IPv4: total length
   * minus header length, negative when the total does not cover the
   * header); `null` when the IP layer says nothing (IPv6 raw sockets).
   */
  declaredLength: number | null;
  /** Whether the IP header's own checksum is right (always, for IPv6). */
  headerChecksumOk: boolean;
}

/** Why a packet could not be read as far as its IP layer. */
export interface EnvelopeDrop {
  /** `short` (too few bytes) or `bad_ip_header` (not IPv4 protocol 112). */
  reason: "short" | "bad_ip_header";
  /** The sender, when the header was long enough to hold it. */
  source?: PeerAddress;
}

/**
 * Reads an IPv4 packet's header (as an IPv4 raw socket returns packets).
 * Drops: fewer than 20 bytes (`short`), a version other than 4, an IHL
 * under 5 or a protocol other than 112 (`bad_ip_header`), fewer bytes than
 * the header length (`short`). The header checksum and the total length
 * are reported, not judged: the protocols judge them differently.
 *
 * @param packet The packet, header included.
 * @returns The envelope, or why there is none.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openIpv4 } from "./envelope.ts";
 * assert.deepEqual(openIpv4(new Uint8Array(10)), { reason: "short" });
 * ```
 */
export function openIpv4(packet: Uint8Array): Envelope | EnvelopeDrop {
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
  return {
    family: 4,
    source,
    sourceBytes: packet.subarray(12, 16),
    destination: readIpv4(packet, 16),
    destinationBytes: packet.subarray(16, 20),
    hopLimit: packet[8]!,
    payload: packet.subarray(headerLength),
    declaredLength: totalLength - headerLength,
    headerChecksumOk: internetChecksum(packet.subarray(0, headerLength)) === 0,
  };
}

/** What an IPv6 raw socket says about a received payload. */
export interface Ipv6Meta {
  /** The sender. */
  source: Uint8Array;
  /** The hop limit it arrived with (IPV6_HOPLIMIT), `null` if unknown. */
  hopLimit: number | null;
  /** Where it was sent (IPV6_PKTINFO), `null` if unknown. */
  destination: Uint8Array | null;
  /** It did not fit the receive buffer and was cut. */
  truncated?: boolean;
}

/**
 * The envelope of an IPv6 payload. A payload cut by the socket is `short`.
 *
 * @param payload What the raw socket returned (no IPv6 header).
 * @param meta Its source, hop limit and destination.
 * @returns The envelope, or why there is none.
 */
export function openIpv6(
  payload: Uint8Array,
  meta: Ipv6Meta,
): Envelope | EnvelopeDrop {
  const source = formatIpv6(meta.source);
  if (meta.truncated === true) return { reason: "short", source };
  return {
    family: 6,
    source,
    sourceBytes: meta.source,
    destination: meta.destination === null
      ? null
      : formatIpv6(meta.destination),
    destinationBytes: meta.destination,
    hopLimit: meta.hopLimit,
    payload,
    declaredLength: null,
    headerChecksumOk: true,
  };
}

/**
 * Whether {@linkcode openIpv4} or {@linkcode openIpv6} gave an envelope.
 *
 * @param e Their result.
 * @returns `true` for an envelope.
 */
export function isEnvelope(e: Envelope | EnvelopeDrop): e is Envelope {
  return "payload" in e;
}

/** IPv4 header fields of an outgoing packet. */
export interface Ipv4Fields {
  /** Source address. */
  source: number;
  /** Destination; the CARP/VRRP group when omitted. */
  destination?: number;
  /** Identification field; 0 when omitted. */
  id?: number;
  /** TTL; 255 when omitted. */
  ttl?: number;
}

/** What differs between the protocols' IPv4 headers. */
export interface Ipv4Style {
  /** Type of service. */
  tos: number;
  /** Whether the don't-fragment bit is set. */
  dontFragment: boolean;
}

/**
 * Wraps a payload in a 20-byte IPv4 header, protocol 112, checksum filled
 * in (raw sockets with IP_HDRINCL send it as it is).
 *
 * @param fields Addresses, id and TTL.
 * @param style TOS and DF, as the protocol's reference sender writes them.
 * @param destination The destination to use when `fields` names none.
 * @param payload The protocol message.
 * @returns The packet.
 */
export function wrapIpv4(
  fields: Ipv4Fields,
  style: Ipv4Style,
  destination: number,
  payload: Uint8Array,
): Uint8Array {
  const packet = new Uint8Array(IPV4_HEADER_LENGTH + payload.length);
  const view = new DataView(packet.buffer);
  packet[0] = 0x45;
  packet[1] = style.tos;
  view.setUint16(2, packet.length);
  view.setUint16(4, fields.id ?? 0);
  view.setUint16(6, style.dontFragment ? 0x4000 : 0);
  packet[8] = fields.ttl ?? 255;
  packet[9] = IPPROTO_CARP;
  writeIpv4(packet, 12, fields.source);
  writeIpv4(packet, 16, fields.destination ?? destination);
  view.setUint16(10, internetChecksum(packet.subarray(0, IPV4_HEADER_LENGTH)));
  packet.set(payload, IPV4_HEADER_LENGTH);
  return packet;
}

/**
 * The pseudo-header a checksum covers for either family: IPv4's 12 bytes
 * (source, destination, zero, protocol, 16-bit length) or IPv6's 40 (RFC
 * 8200 section 8.1: source, destination, 32-bit length, three zeros, next
 * header), chosen by the address length.
 *
 * @param source Source address bytes (4 or 16).
 * @param destination Destination address bytes (same length).
 * @param length The upper-layer length.
 * @returns The pseudo-header, protocol 112.
 */
export function pseudoHeader(
  source: Uint8Array,
  destination: Uint8Array,
  length: number,
): Uint8Array {
  const n = source.length === 4 ? 4 : 16;
  const out = new Uint8Array(n === 4 ? 12 : 40);
  out.set(source.subarray(0, n));
  out.set(destination.subarray(0, n), n);
  const view = new DataView(out.buffer);
  if (n === 4) {
    out[9] = IPPROTO_CARP;
    view.setUint16(10, length);
  } else {
    view.setUint32(32, length);
    out[39] = IPPROTO_CARP;
  }
  return out;
}

/**
 * The Internet checksum over a pseudo-header followed by a message.
 *
 * @param pseudo The pseudo-header (even length), or an empty array for none.
 * @param message The message.
 * @returns The checksum; 0 when the message's own checksum is right.
 */
export function checksumWith(pseudo: Uint8Array, message: Uint8Array): number {
  if (pseudo.length === 0) return internetChecksum(message);
  const all = new Uint8Array(pseudo.length + message.length);
  all.set(pseudo);
  all.set(message, pseudo.length);
  return internetChecksum(all);
}

/** What a raw socket of either family received (`ffi/raw_socket.ts`). */
export interface Received {
  /** IPv4: the whole packet; IPv6: the payload. */
  bytes: Uint8Array;
  /** It did not fit the receive buffer and was cut. */
  truncated: boolean;
  /** IPv6: the sender (IPv4: in the header, `null`). */
  source: Uint8Array | null;
  /** IPv6: the hop limit (IPv4: in the header, `null`). */
  hopLimit: number | null;
  /** IPv6: the destination (IPv4: in the header, `null`). */
  destination: Uint8Array | null;
}

const OPENERS: Record<4 | 6, (got: Received) => Envelope | EnvelopeDrop> = {
  4: (got) => openIpv4(got.bytes),
  6: (got) =>
    openIpv6(got.bytes, {
      source: got.source ?? new Uint8Array(16),
      hopLimit: got.hopLimit,
      destination: got.destination,
      truncated: got.truncated,
    }),
};

/**
 * The envelope of what a raw socket of a family received.
 *
 * @param family The socket's family.
 * @param got What it received.
 * @returns The envelope, or why there is none.
 */
export function openEnvelope(
  family: 4 | 6,
  got: Received,
): Envelope | EnvelopeDrop {
  return OPENERS[family](got);
}
