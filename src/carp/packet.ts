/**
 * Whole CARP packets: the IPv4 packet ucarp sends, and the decoders of a
 * received IPv4 packet or IPv6 payload (an envelope opened, then
 * {@linkcode verifyCarp}), for tools and tests that start from bytes.
 * @module
 */

import {
  CARP_GROUP,
  type Ipv4Fields,
  type Ipv6Meta,
  isEnvelope,
  openIpv4,
  openIpv6,
  wrapIpv4,
} from "../net/mod.ts";
import type { Advert } from "./advert.ts";
import { IPTOS_LOWDELAY } from "./constants.ts";
import { type CarpAccept, type DropReason, verifyCarp } from "./verify.ts";

export type { Ipv4Fields };

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

/**
 * Checks a received IPv4 packet (header included, as a raw socket gives it)
 * and decodes its advert (see {@linkcode verifyCarp} for the checks).
 *
 * @param packet The IPv4 packet.
 * @param accept What this receiver accepts.
 * @returns The advert, or the reason it was dropped.
 */
export function decodeCarpPacket(
  packet: Uint8Array,
  accept: CarpAccept,
): DecodedPacket {
  const envelope = openIpv4(packet);
  if (!isEnvelope(envelope)) {
    return { ok: false, ...envelope } as DroppedPacket;
  }
  const r = verifyCarp(envelope, accept);
  if (!r.ok) return r as DroppedPacket;
  return {
    ok: true,
    advert: r.advert,
    source: r.source as number,
    destination: envelope.destination as number,
  };
}

/** The outcome of {@linkcode decodeCarp6}. */
export type Decoded6 =
  | { ok: true; advert: Advert; source: string }
  | { ok: false; reason: DropReason; source: string; vhid?: number };

/**
 * Checks a received IPv6 CARP payload and decodes its advert (see
 * {@linkcode verifyCarp} for the checks).
 *
 * @param payload What the raw socket returned (no IPv6 header).
 * @param meta Its source, hop limit and destination.
 * @param accept What this receiver accepts.
 * @returns The advert with the sender as text, or why it was dropped.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeCarp6 } from "./packet.ts";
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
  accept: CarpAccept,
): Decoded6 {
  const envelope = openIpv6(payload, meta);
  if (!isEnvelope(envelope)) return { ok: false, ...envelope } as Decoded6;
  return verifyCarp(envelope, accept) as Decoded6;
}

/**
 * Wraps a CARP header in an IPv4 header as ucarp sends it: TOS 0x10, DF,
 * TTL 255, protocol 112, checksum filled in.
 *
 * @param fields Addresses and id (destination: the CARP group by default).
 * @param carpHeader The 36-byte CARP header.
 * @returns The 56-byte IPv4 packet.
 */
export function encodeCarpPacket(
  fields: Ipv4Fields,
  carpHeader: Uint8Array,
): Uint8Array {
  return wrapIpv4(fields, CARP_IPV4_STYLE, CARP_GROUP, carpHeader);
}

/** The IPv4 header ucarp writes: low-delay TOS, don't fragment. */
export const CARP_IPV4_STYLE = { tos: IPTOS_LOWDELAY, dontFragment: true };
