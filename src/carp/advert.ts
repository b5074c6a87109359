/**
 * The 36-byte CARP advertisement header: encode, and decode without checks of
 * meaning (those live in {@linkcode decodeCarpPacket}).
 *
 * Layout: version/type, vhid, advskew, authlen, demote (reserved in ucarp),
 * advbase, checksum (2), counter (8), HMAC-SHA1 (20).
 * @module
 */

import { internetChecksum } from "../net/mod.ts";
import {
  CARP_AUTHLEN,
  CARP_HEADER_LENGTH,
  CARP_TYPE_ADVERTISEMENT,
  CARP_VERSION,
} from "./constants.ts";
import { carpHmac, HMAC_LENGTH } from "./hmac.ts";
import { type Ipv6, isLinkLocal } from "../net/mod.ts";

/** The fields a sender chooses. */
export interface AdvertFields {
  /** Virtual host id, 1-255. */
  vhid: number;
  /** Skew in 1/256 s added to advbase; higher is less preferred. */
  advskew: number;
  /** Base advert interval in seconds. */
  advbase: number;
  /** 64-bit counter, authenticated by the HMAC. */
  counter: bigint;
  /** OpenBSD's demotion byte; ucarp sends and ignores 0. */
  demote?: number;
}

/** A decoded advert, as it was on the wire. */
export interface Advert extends Required<AdvertFields> {
  /** Version nibble (2 for CARP). */
  version: number;
  /** Type nibble (1 for an advertisement). */
  type: number;
  /** Counter plus HMAC length in 32-bit words (7). */
  authlen: number;
  /** Checksum field as received. */
  checksum: number;
  /** The HMAC-SHA1 digest as received. */
  hmac: Uint8Array;
}

/** What authenticates a vhid's adverts: the shared key and the addresses. */
export interface CarpAuth {
  /** Password bytes, at most 19. */
  key: Uint8Array;
  /** The vhid's virtual IPv4 addresses (network-order numbers). */
  vips: readonly number[];
  /** The vhid's virtual IPv6 addresses. */
  vips6?: readonly Ipv6[];
}

/**
 * The IPv6 addresses an advert's HMAC covers when sent: OpenBSD leaves the
 * link-local ones out (and accepts digests with or without them).
 *
 * @param auth The vhid's key and addresses.
 * @returns The IPv6 addresses to hash.
 */
export function hashedIpv6(auth: CarpAuth): Ipv6[] {
  return (auth.vips6 ?? []).filter((a) => !isLinkLocal(a));
}

/**
 * Encodes an advert with its HMAC and checksum filled in.
 *
 * @param fields What to advertise.
 * @param auth The vhid's key and addresses.
 * @returns The 36-byte CARP header.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeAdvert } from "./advert.ts";
 * const header = encodeAdvert(
 *   { vhid: 7, advskew: 50, advbase: 1, counter: 1n },
 *   { key: new TextEncoder().encode("secret"), vips: [0x0a630064] },
 * );
 * assert.equal(header.length, 36);
 * assert.equal(header[6], 0xb7);
 * ```
 */
export function encodeAdvert(
  fields: AdvertFields,
  auth: CarpAuth,
): Uint8Array {
  const hmac = carpHmac(
    auth.key,
    fields.vhid,
    auth.vips,
    fields.counter,
    hashedIpv6(auth),
  );
  return encodeAdvertHeader(fields, hmac);
}

/**
 * Encodes a header around a given digest (for tests and injected packets).
 *
 * @param fields What to advertise.
 * @param hmac The 20-byte digest to carry.
 * @returns The 36-byte CARP header with its checksum.
 */
export function encodeAdvertHeader(
  fields: AdvertFields,
  hmac: Uint8Array,
): Uint8Array {
  const bytes = new Uint8Array(CARP_HEADER_LENGTH);
  const view = new DataView(bytes.buffer);
  bytes[0] = (CARP_VERSION << 4) | CARP_TYPE_ADVERTISEMENT;
  bytes[1] = fields.vhid;
  bytes[2] = fields.advskew;
  bytes[3] = CARP_AUTHLEN;
  bytes[4] = fields.demote ?? 0;
  bytes[5] = fields.advbase;
  view.setBigUint64(8, BigInt.asUintN(64, fields.counter));
  bytes.set(hmac.subarray(0, HMAC_LENGTH), 16);
  view.setUint16(6, internetChecksum(bytes));
  return bytes;
}

/**
 * Reads the fields of a CARP header without judging them.
 *
 * @param bytes At least 36 bytes; only the first 36 are read.
 * @returns The advert, or `null` when there are fewer than 36 bytes.
 */
export function decodeAdvertHeader(bytes: Uint8Array): Advert | null {
  if (bytes.length < CARP_HEADER_LENGTH) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, CARP_HEADER_LENGTH);
  return {
    version: bytes[0]! >> 4,
    type: bytes[0]! & 0x0f,
    vhid: bytes[1]!,
    advskew: bytes[2]!,
    authlen: bytes[3]!,
    demote: bytes[4]!,
    advbase: bytes[5]!,
    checksum: view.getUint16(6),
    counter: view.getBigUint64(8),
    hmac: bytes.slice(16, CARP_HEADER_LENGTH),
  };
}
