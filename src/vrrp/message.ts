/**
 * The VRRPv3 message (RFC 9568 section 5.2) shared by both families: the
 * adverts, the reasons a packet is dropped, the 8 fixed bytes and the checks
 * of meaning that do not depend on the IP layer.
 *
 * Layout: version/type, VRID, priority, address count, 4 reserved bits and
 * the 12-bit Max Advertise Interval in centiseconds, checksum (2), then the
 * addresses (4 bytes each over IPv4, 16 over IPv6).
 * @module
 */

import { checksumWith, type Ipv6 } from "../net/mod.ts";
import {
  VRRP_HEADER_LENGTH,
  VRRP_MAX_INTERVAL_CS,
  VRRP_PRIORITY_BOW_OUT,
  VRRP_PROBE_VRID,
  VRRP_TYPE_ADVERTISEMENT,
  VRRP_VERSION,
} from "./constants.ts";

/**
 * Which IPv4 checksum a message carries.
 *
 * - `"pseudo"`: over the 12-byte IPv4 pseudo-header and the message
 *   (keepalived, FRR; the default).
 * - `"plain"`: over the message only (RFC 9568 5.2.8, Cisco, Juniper).
 * - `"pseudo_mcast"`: over the pseudo-header with destination 224.0.0.18
 *   even when the packet was unicast (keepalived 1.3.6 and older in unicast
 *   mode). Only ever detected on receive, never sent.
 */
export type ChecksumDialect = "pseudo" | "plain" | "pseudo_mcast";

/** An IPv4 advertisement. */
export interface VrrpAdvert4 {
  /** Address family: IPv4. */
  family: 4;
  /** Virtual router id, 1-255. */
  vrid: number;
  /** Priority: 255 address owner, 1-254 backup, 0 the Active is leaving. */
  priority: number;
  /** Max Advertise Interval in centiseconds, 1-4095. */
  intervalCs: number;
  /** The virtual addresses, network-order numbers as `readIpv4` gives; 1-255. */
  addresses: number[];
}

/** An IPv6 advertisement. */
export interface VrrpAdvert6 {
  /** Address family: IPv6. */
  family: 6;
  /** Virtual router id, 1-255. */
  vrid: number;
  /** Priority: 255 address owner, 1-254 backup, 0 the Active is leaving. */
  priority: number;
  /** Max Advertise Interval in centiseconds, 1-4095. */
  intervalCs: number;
  /** The virtual addresses, the first one link-local (RFC 9568 5.2.9); 1-255. */
  addresses: Ipv6[];
}

/** An advertisement of either family. */
export type VrrpAdvert = VrrpAdvert4 | VrrpAdvert6;

/**
 * Why a received packet was dropped, in the order the checks run (`short`
 * also stands for an IP total length beyond the bytes received).
 */
export const VRRP_DROP_REASONS = [
  "short",
  "bad_ip_header",
  "bad_ttl",
  "bad_version",
  "bad_type",
  "bad_length",
  "bad_count",
  "bad_interval",
  "bad_checksum",
  "wrong_vhid",
  "wrong_destination",
  // VRRPv2 only: the authentication type or password differs from ours.
  "bad_auth",
] as const;

/** One of {@linkcode VRRP_DROP_REASONS}. */
export type VrrpDropReason = typeof VRRP_DROP_REASONS[number];

/** The fixed fields of a message that passed {@linkcode judgeMessage}. */
export interface MessageFields {
  /** Virtual router id as received (not yet checked against ours). */
  vrid: number;
  /** Priority. */
  priority: number;
  /** Max Advertise Interval in centiseconds, reserved bits left out. */
  intervalCs: number;
  /** Number of addresses. */
  count: number;
  /** Length of the message, which the checksum covers: 8 + count × address size. */
  length: number;
}

/**
 * Checks the parts of a message that do not need the IP layer, in the
 * ladder's order: version 3, type advertisement, a count above 0, a length
 * of exactly 8 + count × address size (shorter or longer is `bad_length`,
 * as keepalived 2.2.7 drops "vrrp packet too short/long"), an interval above
 * 0. The reserved bits are ignored.
 *
 * @param payload The whole message: the IP payload, nothing after it.
 * @param addressLength 4 (IPv4) or 16 (IPv6).
 * @returns The fixed fields, or the first reason to drop it.
 */
export function judgeMessage(
  payload: Uint8Array,
  addressLength: 4 | 16,
): MessageFields | VrrpDropReason {
  if (payload.length < VRRP_HEADER_LENGTH) return "short";
  if (payload[0]! >> 4 !== VRRP_VERSION) return "bad_version";
  if ((payload[0]! & 0x0f) !== VRRP_TYPE_ADVERTISEMENT) return "bad_type";
  const count = payload[3]!;
  if (count === 0) return "bad_count";
  const length = VRRP_HEADER_LENGTH + addressLength * count;
  if (payload.length !== length) return "bad_length";
  const intervalCs = ((payload[4]! << 8) | payload[5]!) & VRRP_MAX_INTERVAL_CS;
  if (intervalCs === 0) return "bad_interval";
  return {
    vrid: payload[1]!,
    priority: payload[2]!,
    intervalCs,
    count,
    length,
  };
}

/**
 * Checks what a sender chose before it is encoded. VRID 0 is no router's:
 * it goes out only in a send probe, with priority 0, which every router
 * drops (carpd tests whether its packets leave again with it).
 *
 * @param advert The advert.
 * @param valid Whether one address is well formed.
 * @throws {RangeError} When a field is out of its range.
 */
export function checkAdvert(
  advert: VrrpAdvert,
  valid: (address: number | Ipv6) => boolean,
): void {
  const inRange = (n: number, min: number, max: number): boolean =>
    Number.isInteger(n) && n >= min && n <= max;
  const probe = advert.vrid === VRRP_PROBE_VRID &&
    advert.priority === VRRP_PRIORITY_BOW_OUT;
  if (!probe && !inRange(advert.vrid, 1, 255)) {
    throw new RangeError(`VRID ${advert.vrid} is not 1-255`);
  }
  if (!inRange(advert.priority, 0, 255)) {
    throw new RangeError(`priority ${advert.priority} is not 0-255`);
  }
  if (!inRange(advert.intervalCs, 1, VRRP_MAX_INTERVAL_CS)) {
    throw new RangeError(`interval ${advert.intervalCs} cs is not 1-4095`);
  }
  if (!inRange(advert.addresses.length, 1, 255)) {
    throw new RangeError(
      `${advert.addresses.length} addresses; a message carries 1-255`,
    );
  }
  if (!(advert.addresses as (number | Ipv6)[]).every(valid)) {
    throw new RangeError(`an IPv${advert.family} address is malformed`);
  }
}

/**
 * Writes the 8 fixed bytes of a message, checksum field zero.
 *
 * @param message The message buffer, addresses already in place or not.
 * @param advert What to advertise.
 */
export function writeFixedFields(
  message: Uint8Array,
  advert: VrrpAdvert,
): void {
  message[0] = (VRRP_VERSION << 4) | VRRP_TYPE_ADVERTISEMENT;
  message[1] = advert.vrid;
  message[2] = advert.priority;
  message[3] = advert.addresses.length;
  message[4] = advert.intervalCs >> 8;
  message[5] = advert.intervalCs & 0xff;
  message[6] = 0;
  message[7] = 0;
}

/**
 * Builds a message: the fixed fields, the addresses, and the checksum over
 * a pseudo-header (or none) and the message.
 *
 * @param advert What to advertise (checked with {@linkcode checkAdvert}).
 * @param address How one address is checked and written, and its length.
 * @param pseudo The pseudo-header the checksum covers, or empty for none.
 * @returns The message, 8 + n x length bytes.
 * @throws {RangeError} When a field or an address is out of range.
 */
export function buildMessage<A extends number | Ipv6>(
  advert: VrrpAdvert & { addresses: readonly A[] },
  address: {
    length: 4 | 16;
    valid(a: number | Ipv6): boolean;
    write(message: Uint8Array, offset: number, a: A): void;
  },
  pseudo: (length: number) => Uint8Array,
): Uint8Array {
  checkAdvert(advert, address.valid);
  const message = new Uint8Array(
    VRRP_HEADER_LENGTH + address.length * advert.addresses.length,
  );
  writeFixedFields(message, advert);
  advert.addresses.forEach((a, i) =>
    address.write(message, VRRP_HEADER_LENGTH + address.length * i, a)
  );
  const checksum = checksumWith(pseudo(message.length), message);
  message[6] = checksum >> 8;
  message[7] = checksum & 0xff;
  return message;
}
