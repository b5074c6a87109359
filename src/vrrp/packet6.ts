/**
 * VRRPv3 over IPv6: build a message to send, and judge a payload received
 * on a raw socket. The checksum always covers the RFC 8200 section 8.1
 * pseudo-header (source, destination, upper-layer length as 32 bits, three
 * zero bytes, next header 112). An IPv6 raw socket hands over the payload
 * only; the source, the hop limit and the destination come beside it.
 *
 * Judging never throws: a payload is accepted with its advert or dropped
 * with a {@linkcode VrrpDropReason}.
 * @module
 */

import {
  CARP6_GROUP,
  formatIpv6,
  IPPROTO_CARP,
  type Ipv6,
  type Ipv6Meta,
  isLinkLocal,
} from "../carp/mod.ts";
import { VRRP_HEADER_LENGTH, VRRP_TTL } from "./constants.ts";
import {
  checkAdvert,
  checksumWith,
  judgeMessage,
  type VrrpAdvert6,
  type VrrpDropReason,
  writeFixedFields,
} from "./message.ts";

/** Length of the IPv6 pseudo-header. */
const PSEUDO6_LENGTH = 40;

/** What an IPv6 receiver accepts. */
export interface VrrpReceive6Options {
  /** VRIDs served on this interface and family; any other is `wrong_vhid`. */
  vrids: ReadonlySet<number>;
  /**
   * Destinations accepted, as text as `formatIpv6` gives it (ff02::12, or
   * our own addresses for unicast); any when omitted or when the socket did
   * not say where the payload was sent.
   */
  destinations?: ReadonlySet<string>;
}

/** An IPv6 payload that passed every check. */
export interface VrrpAccepted6 {
  /** Accepted. */
  ok: true;
  /** The advert. */
  advert: VrrpAdvert6;
  /** The sender, as text. */
  source: string;
  /**
   * Whether the first address is link-local, as RFC 9568 5.2.9 requires.
   * Erratum 8300 says to discard when it is not; it is only reported here,
   * as keepalived users often list global addresses alone.
   */
  firstLinkLocal: boolean;
}

/** An IPv6 payload that failed a check. */
export interface VrrpDropped6 {
  /** Dropped. */
  ok: false;
  /** The first check it failed. */
  reason: VrrpDropReason;
  /** The sender, as text. */
  source: string;
  /** The VRID it claimed, once its checksum was found right. */
  vrid?: number;
}

/** The outcome of {@linkcode decodeVrrp6}. */
export type DecodedVrrp6 = VrrpAccepted6 | VrrpDropped6;

/**
 * The IPv6 pseudo-header of RFC 8200 section 8.1 for a VRRP message.
 *
 * @param source Source address (only its first 16 bytes are used).
 * @param destination Destination address (likewise).
 * @param length The VRRP message length.
 * @returns The 40 bytes.
 */
function pseudoHeader6(
  source: Ipv6,
  destination: Ipv6,
  length: number,
): Uint8Array {
  const pseudo = new Uint8Array(PSEUDO6_LENGTH);
  pseudo.set(source.subarray(0, 16));
  pseudo.set(destination.subarray(0, 16), 16);
  new DataView(pseudo.buffer).setUint32(32, length);
  pseudo[39] = IPPROTO_CARP;
  return pseudo;
}

/**
 * Encodes an IPv6 VRRPv3 message with its checksum filled in.
 *
 * @param advert What to advertise.
 * @param source IPv6 source of the packet (a link-local of the interface).
 * @param destination IPv6 destination: ff02::12, or the peer for unicast.
 * @returns The message, 8 + 16n bytes.
 * @throws {RangeError} When a field is out of range or an address is not
 *   16 bytes.
 */
export function encodeVrrp6Message(
  advert: VrrpAdvert6,
  source: Ipv6,
  destination: Ipv6,
): Uint8Array {
  checkAdvert(
    advert,
    (a) => a instanceof Uint8Array && a.length === 16,
  );
  const message = new Uint8Array(
    VRRP_HEADER_LENGTH + 16 * advert.addresses.length,
  );
  writeFixedFields(message, advert);
  advert.addresses.forEach((a, i) =>
    message.set(a, VRRP_HEADER_LENGTH + 16 * i)
  );
  const checksum = checksumWith(
    pseudoHeader6(source, destination, message.length),
    message,
  );
  message[6] = checksum >> 8;
  message[7] = checksum & 0xff;
  return message;
}

/**
 * Checks a received IPv6 VRRPv3 payload and decodes its advert.
 *
 * Checks, in order: 8 bytes; hop limit 255; version 3; type advertisement;
 * a count above 0; a payload of exactly 8 + 16n bytes (shorter or longer is
 * `bad_length`, as in keepalived 2.2.7); an interval above 0; the checksum
 * over the pseudo-header (destination ff02::12 when the socket did not say)
 * and the payload; a VRID we serve; the destination. The reserved bits are
 * ignored.
 *
 * @param payload What the raw socket returned (no IPv6 header).
 * @param meta Its source, hop limit and destination.
 * @param options What this receiver accepts.
 * @returns The advert with the sender as text, or why it was dropped.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseIpv6 } from "../carp/mod.ts";
 * import { decodeVrrp6, encodeVrrp6Message } from "./packet6.ts";
 * const source = parseIpv6("fe80::200:ff:fe00:a")!;
 * const group = parseIpv6("ff02::12")!;
 * const advert = {
 *   family: 6 as const,
 *   vrid: 51,
 *   priority: 100,
 *   intervalCs: 100,
 *   addresses: [parseIpv6("fe80::1")!, parseIpv6("2001:db8::100")!],
 * };
 * const payload = encodeVrrp6Message(advert, source, group);
 * assert.equal(payload[6]! << 8 | payload[7]!, 0x3df3);
 * const meta = { source, hopLimit: 255, destination: group };
 * const got = decodeVrrp6(payload, meta, { vrids: new Set([51]) });
 * assert.ok(got.ok);
 * assert.equal(got.source, "fe80::200:ff:fe00:a");
 * assert.ok(got.firstLinkLocal);
 * assert.deepEqual(got.advert, advert);
 * assert.deepEqual(
 *   decodeVrrp6(payload, { ...meta, hopLimit: 64 }, { vrids: new Set([51]) }),
 *   { ok: false, reason: "bad_ttl", source: "fe80::200:ff:fe00:a" },
 * );
 * ```
 */
export function decodeVrrp6(
  payload: Uint8Array,
  meta: Ipv6Meta,
  options: VrrpReceive6Options,
): DecodedVrrp6 {
  const source = formatIpv6(meta.source);
  if (payload.length < VRRP_HEADER_LENGTH) {
    return { ok: false, reason: "short", source };
  }
  if (meta.hopLimit !== VRRP_TTL) {
    return { ok: false, reason: "bad_ttl", source };
  }
  const fields = judgeMessage(payload, 16);
  if (typeof fields === "string") {
    return { ok: false, reason: fields, source };
  }
  const pseudo = pseudoHeader6(
    meta.source,
    meta.destination ?? CARP6_GROUP,
    payload.length,
  );
  if (checksumWith(pseudo, payload) !== 0) {
    return { ok: false, reason: "bad_checksum", source };
  }
  const vrid = fields.vrid;
  if (!options.vrids.has(vrid)) {
    return { ok: false, reason: "wrong_vhid", source, vrid };
  }
  if (
    options.destinations !== undefined && meta.destination !== null &&
    !options.destinations.has(formatIpv6(meta.destination))
  ) {
    return { ok: false, reason: "wrong_destination", source, vrid };
  }
  const addresses = Array.from(
    { length: fields.count },
    (_, i) =>
      payload.slice(
        VRRP_HEADER_LENGTH + 16 * i,
        VRRP_HEADER_LENGTH + 16 * (i + 1),
      ),
  );
  return {
    ok: true,
    advert: {
      family: 6,
      vrid,
      priority: fields.priority,
      intervalCs: fields.intervalCs,
      addresses,
    },
    source,
    firstLinkLocal: isLinkLocal(addresses[0]!),
  };
}
