/**
 * Judging a received CARP advert, over either family: one ladder of checks
 * on the family-neutral envelope (`src/net/envelope.ts`). Never throws: an
 * advert is accepted or dropped with a {@linkcode DropReason} the daemon
 * counts.
 * @module
 */

import type { Envelope, PeerAddress } from "../net/mod.ts";
import { internetChecksum } from "../net/mod.ts";
import {
  type Advert,
  type CarpAuth,
  decodeAdvertHeader,
  hashedIpv6,
} from "./advert.ts";
import {
  CARP_AUTHLEN,
  CARP_HEADER_LENGTH,
  CARP_TTL,
  CARP_TYPE_ADVERTISEMENT,
  CARP_VERSION,
} from "./constants.ts";
import { carpHmac, digestsEqual } from "./hmac.ts";

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

/** What a receiver accepts. */
export interface CarpAccept {
  /**
   * Key and addresses for each vhid served here, or a list of them, the
   * one in force first (during a roll-out the previous ones are still
   * accepted; the verdict says which one an advert matched).
   */
  vhids: ReadonlyMap<number, CarpAuth | readonly CarpAuth[]>;
  /**
   * Destinations accepted (the group, or our own addresses for unicast:
   * IPv4 ones as numbers, IPv6 ones as text); any when omitted, or when
   * the socket did not say where the advert was sent.
   */
  destinations?: ReadonlySet<PeerAddress>;
}

/** A CARP advert judged. */
export type CarpVerdict =
  | {
    /** Accepted. */
    ok: true;
    /** The advert. */
    advert: Advert;
    /** The sender. */
    source: PeerAddress;
    /** Which of the vhid's keys it matched (0: the one in force). */
    keyIndex: number;
  }
  | {
    /** Dropped. */
    ok: false;
    /** The first check it failed. */
    reason: DropReason;
    /** The sender. */
    source: PeerAddress;
    /** The vhid it claimed, when it got that far. */
    vhid?: number;
    /**
     * `bad_hmac`: the counter it claimed (unauthenticated: only to tell a
     * copy of an advert sent under another key from a forgery).
     */
    counter?: bigint;
  };

/**
 * Checks a received CARP advert and decodes it.
 *
 * Checks, in order: 36 bytes, TTL (hop limit) 255, version 2, type
 * advertisement, the IP header's checksum (IPv4) and the CARP checksum
 * (over the 36 bytes alone, as the BSDs compute it over IPv6 too), authlen
 * 7, a vhid we serve, the destination, and the HMAC. Bytes after the 36
 * CARP bytes are ignored, as ucarp does.
 *
 * @param envelope The advert and its IP layer.
 * @param accept What this receiver accepts.
 * @returns The advert, or the reason it was dropped.
 */
export function verifyCarp(
  envelope: Envelope,
  accept: CarpAccept,
): CarpVerdict {
  const source = envelope.source;
  if (envelope.payload.length < CARP_HEADER_LENGTH) {
    return { ok: false, reason: "short", source };
  }
  if (envelope.hopLimit !== CARP_TTL) {
    return { ok: false, reason: "bad_ttl", source };
  }
  const carp = envelope.payload.subarray(0, CARP_HEADER_LENGTH);
  const advert = decodeAdvertHeader(carp)!;
  if (advert.version !== CARP_VERSION) {
    return { ok: false, reason: "bad_version", source };
  }
  if (advert.type !== CARP_TYPE_ADVERTISEMENT) {
    return { ok: false, reason: "bad_type", source };
  }
  if (!envelope.headerChecksumOk || internetChecksum(carp) !== 0) {
    return { ok: false, reason: "bad_checksum", source };
  }
  const vhid = advert.vhid;
  if (advert.authlen !== CARP_AUTHLEN) {
    return { ok: false, reason: "bad_authlen", source, vhid };
  }
  const auth = accept.vhids.get(vhid);
  if (auth === undefined) {
    return { ok: false, reason: "wrong_vhid", source, vhid };
  }
  const to = envelope.destination;
  if (accept.destinations && to !== null && !accept.destinations.has(to)) {
    return { ok: false, reason: "wrong_destination", source, vhid };
  }
  const auths = isList(auth) ? auth : [auth];
  const keyIndex = auths.findIndex((a) => authentic(a, advert));
  if (keyIndex < 0) {
    return {
      ok: false,
      reason: "bad_hmac",
      source,
      vhid,
      counter: advert.counter,
    };
  }
  return { ok: true, advert, source, keyIndex };
}

function isList(x: CarpAuth | readonly CarpAuth[]): x is readonly CarpAuth[] {
  return Array.isArray(x);
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
