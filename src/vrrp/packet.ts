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
  type Ipv4Fields,
  isEnvelope,
  openIpv4,
  pseudoHeader,
  wrapIpv4,
  writeIpv4,
} from "../net/mod.ts";
import { VRRP_IPV4_STYLE } from "./constants.ts";
import {
  buildMessage,
  type ChecksumDialect,
  type VrrpAdvert4,
  type VrrpDropReason,
} from "./message.ts";
import { asVrridDrop, verifyVrrp3, type VrrpAccept } from "./verify.ts";

/** IPv4 header fields of an outgoing advert. */
export type Vrrp4Fields = Ipv4Fields;

/** What an IPv4 receiver accepts (IPv4 destinations as numbers). */
export type VrrpReceiveOptions = VrrpAccept;

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

/** An IPv4 address's 4 bytes. */
function bytes4(address: number): Uint8Array {
  const out = new Uint8Array(4);
  writeIpv4(out, 0, address);
  return out;
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
  return buildMessage(
    advert,
    {
      length: 4,
      valid: (a) =>
        typeof a === "number" && Number.isInteger(a) && a >= 0 &&
        a <= 0xffffffff,
      write: writeIpv4,
    },
    (length) =>
      dialect === "pseudo"
        ? pseudoHeader(bytes4(source), bytes4(destination), length)
        : new Uint8Array(0),
  );
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
  return wrapIpv4(fields, VRRP_IPV4_STYLE, destination, message);
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
  const envelope = openIpv4(packet);
  if (!isEnvelope(envelope)) return { ok: false, ...envelope } as VrrpDropped4;
  const r = verifyVrrp3(envelope, options);
  if (!r.ok) return asVrridDrop(r) as VrrpDropped4;
  return {
    ok: true,
    advert: r.advert as VrrpAdvert4,
    source: r.source as number,
    destination: envelope.destination as number,
    dialect: r.dialect!,
  };
}
