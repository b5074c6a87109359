/**
 * VRRPv2 (RFC 3768), the version keepalived speaks unless told
 * `vrrp_version 3`: IPv4 only, the interval in whole seconds, a checksum
 * over the message alone, and 8 bytes of authentication data after the
 * addresses (type 0 none, type 1 a clear-text password of up to 8 bytes;
 * type 2, IP AH, is not spoken).
 *
 * Layout: version 2 / type 1 (0x21, as CARP: the receiver tells them apart
 * by the VRID), VRID, priority, address count, auth type, advert interval
 * (s), checksum, the addresses, then the authentication data.
 * @module
 */

import {
  CARP_GROUP,
  internetChecksum,
  type Ipv4Fields,
  isEnvelope,
  openIpv4,
  wrapIpv4,
  writeIpv4,
} from "../net/mod.ts";
import { VRRP_IPV4_STYLE, VRRP_TYPE_ADVERTISEMENT } from "./constants.ts";
import type { VrrpAdvert4, VrrpDropReason } from "./message.ts";
import {
  asVrridDrop,
  verifyVrrp2,
  VRRP2_AUTH_LENGTH,
  VRRP2_AUTH_NONE,
  VRRP2_AUTH_PASS,
  VRRP2_VERSION,
  type Vrrp2Accept,
  vrrp2AuthData,
} from "./verify.ts";

const FIXED_LENGTH = 8;

/** A VRRPv2 advert; the interval is in whole seconds (1-255). */
export interface Vrrp2Advert {
  /** Virtual router id, 1-255. */
  vrid: number;
  /** Priority, 0-255. */
  priority: number;
  /** Advertisement interval in seconds, 1-255. */
  intervalS: number;
  /** The virtual addresses, network-order numbers; 1-255 of them. */
  addresses: number[];
}

/** What a VRRPv2 receiver accepts. */
export type Vrrp2ReceiveOptions = Vrrp2Accept;

/** The outcome of {@linkcode decodeVrrp2Packet}. */
export type DecodedVrrp2 =
  | {
    /** Accepted. */
    ok: true;
    /** The advert, its interval in centiseconds like a VRRPv3 one. */
    advert: VrrpAdvert4;
    /** The sender. */
    source: number;
  }
  | {
    /** Dropped. */
    ok: false;
    /** The first check it failed. */
    reason: VrrpDropReason;
    /** The sender, when the IP header was there. */
    source?: number;
    /** The VRID, once the checksum passed. */
    vrid?: number;
  };

/**
 * A whole VRRPv2 packet as keepalived sends it: TOS 0xc0, no DF, TTL 255,
 * protocol 112, the message with its checksum.
 *
 * @param fields Source, destination (224.0.0.18 by default) and IP id.
 * @param advert What to advertise.
 * @param authPass The password (auth type 1), or `null` (type 0).
 * @returns The IPv4 packet.
 * @throws {RangeError} When a field is out of range.
 */
export function encodeVrrp2Packet(
  fields: Ipv4Fields,
  advert: Vrrp2Advert,
  authPass: string | null,
): Uint8Array {
  const n = advert.addresses.length;
  if (n < 1 || n > 255) throw new RangeError(`${n} addresses; 1-255`);
  if (advert.intervalS < 1 || advert.intervalS > 255) {
    throw new RangeError(`interval ${advert.intervalS} s is not 1-255`);
  }
  const m = new Uint8Array(FIXED_LENGTH + 4 * n + VRRP2_AUTH_LENGTH);
  m[0] = (VRRP2_VERSION << 4) | VRRP_TYPE_ADVERTISEMENT;
  m[1] = advert.vrid;
  m[2] = advert.priority;
  m[3] = n;
  m[4] = authPass === null ? VRRP2_AUTH_NONE : VRRP2_AUTH_PASS;
  m[5] = advert.intervalS;
  advert.addresses.forEach((a, i) => writeIpv4(m, FIXED_LENGTH + 4 * i, a));
  m.set(vrrp2AuthData(authPass), FIXED_LENGTH + 4 * n);
  new DataView(m.buffer).setUint16(6, internetChecksum(m));
  return wrapIpv4(fields, VRRP_IPV4_STYLE, CARP_GROUP, m);
}

/**
 * Judges a received IPv4 packet as VRRPv2. Never throws.
 *
 * Checks, in order: the IPv4 header, TTL 255, version 2, type 1, a count
 * above 0, the exact length (8 + 4 × count + 8), an interval above 0, the
 * checksum, a VRID served here, the destination, the interval (equal to
 * ours, as RFC 3768 requires), the authentication type and password.
 *
 * @param packet The IPv4 packet, header included.
 * @param options What this receiver accepts.
 * @returns The advert, or why it was dropped.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeVrrp2Packet, encodeVrrp2Packet } from "./packet2.ts";
 * const advert = { vrid: 51, priority: 100, intervalS: 1, addresses: [0xc0000264] };
 * const packet = encodeVrrp2Packet({ source: 0xc000020a }, advert, "secret");
 * const vrids = new Map([[51, { intervalS: 1, authPass: "secret" }]]);
 * const got = decodeVrrp2Packet(packet, { vrids });
 * assert.ok(got.ok && got.advert.intervalCs === 100);
 * const other = new Map([[51, { intervalS: 1, authPass: "other" }]]);
 * assert.equal(decodeVrrp2Packet(packet, { vrids: other }).ok, false);
 * ```
 */
export function decodeVrrp2Packet(
  packet: Uint8Array,
  options: Vrrp2ReceiveOptions,
): DecodedVrrp2 {
  const envelope = openIpv4(packet);
  if (!isEnvelope(envelope)) return { ok: false, ...envelope } as DecodedVrrp2;
  const r = verifyVrrp2(envelope, options);
  if (!r.ok) return asVrridDrop(r) as DecodedVrrp2;
  return {
    ok: true,
    advert: r.advert as VrrpAdvert4,
    source: r.source as number,
  };
}
