/**
 * Whole IPv4 CARP packets: build one to send, and judge one received.
 *
 * Judging never throws. A packet is either accepted with its advert or
 * dropped with a {@linkcode DropReason} that the daemon counts.
 * @module
 */

import {
  type Advert,
  type CarpAuth,
  decodeAdvertHeader,
  hashedIpv6,
} from "./advert.ts";
import { internetChecksum } from "./checksum.ts";
import {
  CARP_AUTHLEN,
  CARP_GROUP,
  CARP_HEADER_LENGTH,
  CARP_TTL,
  CARP_TYPE_ADVERTISEMENT,
  CARP_VERSION,
  IPPROTO_CARP,
  IPTOS_LOWDELAY,
  IPV4_HEADER_LENGTH,
} from "./constants.ts";
import { carpHmac, digestsEqual } from "./hmac.ts";
import { readIpv4, writeIpv4 } from "./ipv4_address.ts";

/**
 * Why a received packet was dropped, in the order the checks run. The last,
 * `replay`, is the receiver's own check (a counter not above the sender's
 * last one, with `replay_protection`); the codec never returns it.
 */
export const DROP_REASONS = [
  "short",
  "bad_ip_header",
  "bad_ttl",
  "bad_version",
  "bad_type",
  "bad_checksum",
  "bad_authlen",
  "wrong_vhid",
  "wrong_destination",
  "bad_hmac",
  "replay",
] as const;

/** One of {@linkcode DROP_REASONS}. */
export type DropReason = typeof DROP_REASONS[number];

/** A packet that passed every check. */
export interface AcceptedPacket {
  /** Accepted. */
  ok: true;
  /** The advert. */
  advert: Advert;
  /** IPv4 source address of the sender. */
  source: number;
  /** IPv4 destination address. */
  destination: number;
}

/** A packet that failed a check. */
export interface DroppedPacket {
  /** Dropped. */
  ok: false;
  /** The first check it failed. */
  reason: DropReason;
  /** IPv4 source, when the header was long enough to have one. */
  source?: number;
  /** The vhid it claimed, when it got that far. */
  vhid?: number;
}

/** The outcome of {@linkcode decodeCarpPacket}. */
export type DecodedPacket = AcceptedPacket | DroppedPacket;

/** What a receiver accepts. */
export interface ReceiveOptions {
  /** Key and addresses for each vhid served here. */
  vhids: ReadonlyMap<number, CarpAuth>;
  /**
   * Destinations accepted (the group, or our own address for unicast);
   * any when omitted.
   */
  destinations?: ReadonlySet<number>;
}

/**
 * Checks a received IPv4 packet (header included, as a raw socket gives it)
 * and decodes its advert.
 *
 * Checks, in order: length, IPv4 header sanity and protocol, TTL 255,
 * version 2, type advertisement, IP and CARP checksums, authlen 7, a vhid we
 * serve, the destination, and the HMAC. Bytes after the 36 CARP bytes are
 * ignored, as ucarp does.
 *
 * @param packet The IPv4 packet.
 * @param options What this receiver accepts.
 * @returns The advert, or the reason it was dropped.
 */
export function decodeCarpPacket(
  packet: Uint8Array,
  options: ReceiveOptions,
): DecodedPacket {
  if (packet.length < IPV4_HEADER_LENGTH) return { ok: false, reason: "short" };
  const source = readIpv4(packet, 12);
  const headerLength = (packet[0]! & 0x0f) * 4;
  if (
    packet[0]! >> 4 !== 4 || headerLength < IPV4_HEADER_LENGTH ||
    packet[9] !== IPPROTO_CARP
  ) {
    return { ok: false, reason: "bad_ip_header", source };
  }
  if (packet.length < headerLength + CARP_HEADER_LENGTH) {
    return { ok: false, reason: "short", source };
  }
  if (packet[8] !== CARP_TTL) return { ok: false, reason: "bad_ttl", source };
  const carp = packet.subarray(headerLength, headerLength + CARP_HEADER_LENGTH);
  const advert = decodeAdvertHeader(carp)!;
  if (advert.version !== CARP_VERSION) {
    return { ok: false, reason: "bad_version", source };
  }
  if (advert.type !== CARP_TYPE_ADVERTISEMENT) {
    return { ok: false, reason: "bad_type", source };
  }
  if (
    internetChecksum(packet.subarray(0, headerLength)) !== 0 ||
    internetChecksum(carp) !== 0
  ) {
    return { ok: false, reason: "bad_checksum", source };
  }
  const vhid = advert.vhid;
  if (advert.authlen !== CARP_AUTHLEN) {
    return { ok: false, reason: "bad_authlen", source, vhid };
  }
  const auth = options.vhids.get(vhid);
  if (auth === undefined) {
    return { ok: false, reason: "wrong_vhid", source, vhid };
  }
  const destination = readIpv4(packet, 16);
  if (options.destinations && !options.destinations.has(destination)) {
    return { ok: false, reason: "wrong_destination", source, vhid };
  }
  if (!authentic(auth, advert)) {
    return { ok: false, reason: "bad_hmac", source, vhid };
  }
  return { ok: true, advert, source, destination };
}

/**
 * Whether an advert's digest is right for the vhid: with the IPv6 VIPs as
 * OpenBSD sends them (link-locals left out) or, when there are link-local
 * ones, with them in.
 *
 * @param auth The vhid's key and addresses.
 * @param advert The advert as received.
 * @returns Whether it is authentic.
 */
export function authentic(auth: CarpAuth, advert: Advert): boolean {
  const sent = hashedIpv6(auth);
  const expected = carpHmac(
    auth.key,
    advert.vhid,
    auth.vips,
    advert.counter,
    sent,
  );
  if (digestsEqual(expected, advert.hmac)) return true;
  const all = auth.vips6 ?? [];
  if (all.length === sent.length) return false;
  return digestsEqual(
    carpHmac(auth.key, advert.vhid, auth.vips, advert.counter, all),
    advert.hmac,
  );
}

/** IPv4 header fields of an outgoing advert. */
export interface Ipv4Fields {
  /** Source address. */
  source: number;
  /** Destination; the CARP group when omitted. */
  destination?: number;
  /** Identification field; 0 when omitted. */
  id?: number;
  /** TTL; 255 when omitted. */
  ttl?: number;
}

/**
 * Wraps a CARP header in an IPv4 header as ucarp sends it: TOS 0x10, DF,
 * TTL 255, protocol 112, checksum filled in.
 *
 * @param fields Addresses and id.
 * @param carpHeader The 36-byte CARP header.
 * @returns The 56-byte IPv4 packet.
 */
export function encodeCarpPacket(
  fields: Ipv4Fields,
  carpHeader: Uint8Array,
): Uint8Array {
  const packet = new Uint8Array(IPV4_HEADER_LENGTH + carpHeader.length);
  const view = new DataView(packet.buffer);
  packet[0] = 0x45;
  packet[1] = IPTOS_LOWDELAY;
  view.setUint16(2, packet.length);
  view.setUint16(4, fields.id ?? 0);
  view.setUint16(6, 0x4000);
  packet[8] = fields.ttl ?? CARP_TTL;
  packet[9] = IPPROTO_CARP;
  writeIpv4(packet, 12, fields.source);
  writeIpv4(packet, 16, fields.destination ?? CARP_GROUP);
  view.setUint16(10, internetChecksum(packet.subarray(0, IPV4_HEADER_LENGTH)));
  packet.set(carpHeader, IPV4_HEADER_LENGTH);
  return packet;
}
