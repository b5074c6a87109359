/**
 * CARP over IPv6, as OpenBSD and FreeBSD speak it: the same 36-byte header
 * as over IPv4, sent to ff02::12 with hop limit 255, its checksum over the
 * header alone (no pseudo-header), its HMAC over the IPv4 and then the IPv6
 * VIPs. An IPv6 raw socket hands over the payload only; the source, the hop
 * limit and the destination come beside it.
 *
 * Judging never throws: a packet is accepted with its advert or dropped with
 * a {@linkcode DropReason}, as over IPv4.
 * @module
 */

import { type Advert, type CarpAuth, decodeAdvertHeader } from "./advert.ts";
import { internetChecksum } from "./checksum.ts";
import {
  CARP_AUTHLEN,
  CARP_HEADER_LENGTH,
  CARP_TTL,
  CARP_TYPE_ADVERTISEMENT,
  CARP_VERSION,
} from "./constants.ts";
import { formatIpv6, type Ipv6 } from "./ipv6_address.ts";
import { authentic, type DropReason } from "./packet.ts";

/** What the socket said about a received payload. */
export interface Ipv6Meta {
  /** The sender. */
  source: Ipv6;
  /** The hop limit it arrived with (from IPV6_HOPLIMIT), `null` if unknown. */
  hopLimit: number | null;
  /** Where it was sent (from IPV6_PKTINFO), `null` if unknown. */
  destination: Ipv6 | null;
}

/** What an IPv6 receiver accepts. */
export interface Receive6Options {
  /** Key and addresses for each vhid served here. */
  vhids: ReadonlyMap<number, CarpAuth>;
  /**
   * Destinations accepted, as text (ff02::12, or our own addresses for
   * unicast); any when omitted.
   */
  destinations?: ReadonlySet<string>;
}

/** The outcome of {@linkcode decodeCarp6}. */
export type Decoded6 =
  | { ok: true; advert: Advert; source: string }
  | { ok: false; reason: DropReason; source: string; vhid?: number };

/**
 * Checks a received IPv6 CARP payload and decodes its advert.
 *
 * Checks, in order: length, hop limit 255, version 2, type advertisement,
 * the checksum over the 36 header bytes, authlen 7, a vhid we serve, the
 * destination, and the HMAC.
 *
 * @param payload What the raw socket returned (no IPv6 header).
 * @param meta Its source, hop limit and destination.
 * @param options What this receiver accepts.
 * @returns The advert with the sender as text, or why it was dropped.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeCarp6 } from "./packet6.ts";
 * const r = decodeCarp6(new Uint8Array(10), {
 *   source: new Uint8Array(16),
 *   hopLimit: 255,
 *   destination: null,
 * }, { vhids: new Map() });
 * assert.deepEqual(r, { ok: false, reason: "short", source: "::" });
 * ```
 */
export function decodeCarp6(
  payload: Uint8Array,
  meta: Ipv6Meta,
  options: Receive6Options,
): Decoded6 {
  const source = formatIpv6(meta.source);
  if (payload.length < CARP_HEADER_LENGTH) {
    return { ok: false, reason: "short", source };
  }
  if (meta.hopLimit !== CARP_TTL) {
    return { ok: false, reason: "bad_ttl", source };
  }
  const carp = payload.subarray(0, CARP_HEADER_LENGTH);
  const advert = decodeAdvertHeader(carp)!;
  if (advert.version !== CARP_VERSION) {
    return { ok: false, reason: "bad_version", source };
  }
  if (advert.type !== CARP_TYPE_ADVERTISEMENT) {
    return { ok: false, reason: "bad_type", source };
  }
  if (internetChecksum(carp) !== 0) {
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
  if (
    options.destinations !== undefined && meta.destination !== null &&
    !options.destinations.has(formatIpv6(meta.destination))
  ) {
    return { ok: false, reason: "wrong_destination", source, vhid };
  }
  if (!authentic(auth, advert)) {
    return { ok: false, reason: "bad_hmac", source, vhid };
  }
  return { ok: true, advert, source };
}
