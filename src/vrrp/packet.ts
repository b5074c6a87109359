/**
 * VRRPv3 over IPv4: build a message or a whole packet to send, and judge a
 * packet received on a raw socket (IP header included).
 *
 * Judging never throws. A packet is either accepted with its advert and the
 * checksum dialect it used, or dropped with a {@linkcode VrrpDropReason}.
 * @module
 */

import {
  CARP_GROUP,
  internetChecksum,
  IPPROTO_CARP,
  readIpv4,
  writeIpv4,
} from "../carp/mod.ts";

export type { Vrrp4Fields } from "./ipv4.ts";
import { VRRP_HEADER_LENGTH } from "./constants.ts";
import { judgeIpv4, type Vrrp4Fields, wrapIpv4 } from "./ipv4.ts";
import {
  checkAdvert,
  type ChecksumDialect,
  checksumWith,
  judgeMessage,
  type VrrpAdvert4,
  type VrrpDropReason,
  writeFixedFields,
} from "./message.ts";

/** Length of the IPv4 pseudo-header. */
const PSEUDO4_LENGTH = 12;

/** What an IPv4 receiver accepts. */
export interface VrrpReceiveOptions {
  /** VRIDs served on this interface and family; any other is `wrong_vhid`. */
  vrids: ReadonlySet<number>;
  /**
   * Destinations accepted (224.0.0.18, or our own address for unicast);
   * any when omitted.
   */
  destinations?: ReadonlySet<number>;
}

/** An IPv4 packet that passed every check. */
export interface VrrpAccepted4 {
  /** Accepted. */
  ok: true;
  /** The advert. */
  advert: VrrpAdvert4;
  /** IPv4 source address of the sender. */
  source: number;
  /** IPv4 destination address. */
  destination: number;
  /** The checksum dialect the sender used. */
  dialect: ChecksumDialect;
}

/** An IPv4 packet that failed a check. */
export interface VrrpDropped4 {
  /** Dropped. */
  ok: false;
  /** The first check it failed. */
  reason: VrrpDropReason;
  /** IPv4 source, when the packet held a whole 20-byte header. */
  source?: number;
  /** The VRID it claimed, once its checksum was found right. */
  vrid?: number;
}

/** The outcome of {@linkcode decodeVrrp4Packet}. */
export type DecodedVrrp4 = VrrpAccepted4 | VrrpDropped4;

/**
 * The IPv4 pseudo-header: source, destination, zero, protocol 112, length.
 *
 * @param source Source address.
 * @param destination Destination address.
 * @param length The VRRP message length.
 * @returns The 12 bytes.
 */
function pseudoHeader4(
  source: number,
  destination: number,
  length: number,
): Uint8Array {
  const pseudo = new Uint8Array(PSEUDO4_LENGTH);
  writeIpv4(pseudo, 0, source);
  writeIpv4(pseudo, 4, destination);
  pseudo[9] = IPPROTO_CARP;
  pseudo[10] = length >> 8;
  pseudo[11] = length & 0xff;
  return pseudo;
}

/**
 * Encodes an IPv4 VRRPv3 message with its checksum filled in.
 *
 * @param advert What to advertise.
 * @param source IPv4 source of the packet (used by `"pseudo"` only).
 * @param destination IPv4 destination of the packet (used by `"pseudo"`
 *   only): 224.0.0.18, or the peer for unicast.
 * @param dialect Which checksum to compute.
 * @returns The message, 8 + 4n bytes.
 * @throws {RangeError} When a field or address is out of range.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeVrrp4Message } from "./packet.ts";
 * const message = encodeVrrp4Message(
 *   { family: 4, vrid: 51, priority: 100, intervalCs: 100, addresses: [0xc0000264] },
 *   0xc000020a,
 *   0xe0000012,
 *   "pseudo",
 * );
 * assert.deepEqual([...message.subarray(0, 8)], [0x31, 51, 100, 1, 0, 100, 0x05, 0x69]);
 * ```
 */
export function encodeVrrp4Message(
  advert: VrrpAdvert4,
  source: number,
  destination: number,
  dialect: "pseudo" | "plain",
): Uint8Array {
  checkAdvert(
    advert,
    (a) =>
      typeof a === "number" && Number.isInteger(a) && a >= 0 &&
      a <= 0xffffffff,
  );
  const message = new Uint8Array(
    VRRP_HEADER_LENGTH + 4 * advert.addresses.length,
  );
  writeFixedFields(message, advert);
  advert.addresses.forEach((a, i) =>
    writeIpv4(message, VRRP_HEADER_LENGTH + 4 * i, a)
  );
  const pseudo = dialect === "pseudo"
    ? pseudoHeader4(source, destination, message.length)
    : new Uint8Array(0);
  const checksum = checksumWith(pseudo, message);
  message[6] = checksum >> 8;
  message[7] = checksum & 0xff;
  return message;
}

/**
 * Encodes a whole IPv4 packet as keepalived sends it: version 4, IHL 5,
 * TOS 0xc0, identification (0 by default), no DF and no fragment offset,
 * TTL 255, protocol 112, header checksum, then the message.
 *
 * @param fields Addresses, id and TTL of the IP header.
 * @param advert What to advertise.
 * @param dialect Which VRRP checksum to compute.
 * @returns The packet, 20 + 8 + 4n bytes.
 * @throws {RangeError} When a field or address is out of range.
 */
export function encodeVrrp4Packet(
  fields: Vrrp4Fields,
  advert: VrrpAdvert4,
  dialect: "pseudo" | "plain",
): Uint8Array {
  const destination = fields.destination ?? CARP_GROUP;
  const message = encodeVrrp4Message(
    advert,
    fields.source,
    destination,
    dialect,
  );
  return wrapIpv4({ ...fields, destination }, message);
}

/**
 * Checks a received IPv4 packet (header included, as a raw socket gives it)
 * and decodes its advert.
 *
 * Checks, in order: a 20-byte header; IP version 4, IHL at least 5,
 * protocol 112 and the header checksum; the IP total length (trusted over
 * the buffer: bytes past it are link padding); 8 message bytes; TTL 255;
 * version 3; type advertisement; a count above 0; a message (the IP
 * payload up to the total length) of exactly 8 + 4n bytes, shorter or
 * longer being `bad_length` as in keepalived 2.2.7; an interval above 0;
 * the checksum in any dialect (`"pseudo"` with the real destination, then
 * `"plain"`, then `"pseudo_mcast"`); a VRID we serve; the destination. The
 * reserved bits are ignored.
 *
 * When the pseudo-header happens to sum to zero the two main dialects give
 * the same checksum, and `"pseudo"` is named. Accepting every dialect lets
 * a few single-bit errors through that one dialect would catch (a flip
 * that turns a right sum in the sender's dialect into a right one in
 * another): a peer changing dialect deserves a log.
 *
 * @param packet The IPv4 packet.
 * @param options What this receiver accepts.
 * @returns The advert, or the reason it was dropped.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeVrrp4Packet, encodeVrrp4Packet } from "./packet.ts";
 * const advert = {
 *   family: 4 as const,
 *   vrid: 51,
 *   priority: 100,
 *   intervalCs: 100,
 *   addresses: [0xc0000264], // 192.0.2.100
 * };
 * const packet = encodeVrrp4Packet({ source: 0xc000020a }, advert, "plain");
 * const got = decodeVrrp4Packet(packet, { vrids: new Set([51]) });
 * assert.ok(got.ok);
 * assert.equal(got.dialect, "plain");
 * assert.deepEqual(got.advert, advert);
 * assert.deepEqual(decodeVrrp4Packet(packet, { vrids: new Set([52]) }), {
 *   ok: false,
 *   reason: "wrong_vhid",
 *   source: 0xc000020a,
 *   vrid: 51,
 * });
 * ```
 */
export function decodeVrrp4Packet(
  packet: Uint8Array,
  options: VrrpReceiveOptions,
): DecodedVrrp4 {
  const ip = judgeIpv4(packet);
  if (!("message" in ip)) return { ok: false, ...ip };
  const { message: payload, source, destination } = ip;
  const fields = judgeMessage(payload, 4);
  if (typeof fields === "string") {
    return { ok: false, reason: fields, source };
  }
  const dialect = checksumDialect(payload, source, destination);
  if (dialect === null) return { ok: false, reason: "bad_checksum", source };
  const vrid = fields.vrid;
  if (!options.vrids.has(vrid)) {
    return { ok: false, reason: "wrong_vhid", source, vrid };
  }
  if (options.destinations && !options.destinations.has(destination)) {
    return { ok: false, reason: "wrong_destination", source, vrid };
  }
  const addresses = Array.from(
    { length: fields.count },
    (_, i) => readIpv4(payload, VRRP_HEADER_LENGTH + 4 * i),
  );
  return {
    ok: true,
    advert: {
      family: 4,
      vrid,
      priority: fields.priority,
      intervalCs: fields.intervalCs,
      addresses,
    },
    source,
    destination,
    dialect,
  };
}

/**
 * The first dialect whose checksum a message verifies under: `"pseudo"`
 * with the real destination, `"plain"`, then `"pseudo_mcast"` (tried only
 * when the destination is not the group already).
 *
 * @param message The message, 8 + 4n bytes.
 * @param source IPv4 source.
 * @param destination IPv4 destination.
 * @returns The dialect, or `null` when none verifies.
 */
function checksumDialect(
  message: Uint8Array,
  source: number,
  destination: number,
): ChecksumDialect | null {
  const pseudo = (to: number): Uint8Array =>
    pseudoHeader4(source, to, message.length);
  if (checksumWith(pseudo(destination), message) === 0) return "pseudo";
  if (internetChecksum(message) === 0) return "plain";
  if (
    destination !== CARP_GROUP &&
    checksumWith(pseudo(CARP_GROUP), message) === 0
  ) {
    return "pseudo_mcast";
  }
  return null;
}
