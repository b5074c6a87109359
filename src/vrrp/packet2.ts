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

import { internetChecksum, readIpv4, writeIpv4 } from "../carp/mod.ts";
import { VRRP_TYPE_ADVERTISEMENT } from "./constants.ts";
import { judgeIpv4, type Vrrp4Fields, wrapIpv4 } from "./ipv4.ts";
import type { VrrpAdvert4, VrrpDropReason } from "./message.ts";

/** The protocol version of RFC 3768. */
export const VRRP2_VERSION = 2;
/** Bytes of authentication data after the addresses. */
export const VRRP2_AUTH_LENGTH = 8;
/** Authentication type 0: none. */
export const VRRP2_AUTH_NONE = 0;
/** Authentication type 1: a clear-text password. */
export const VRRP2_AUTH_PASS = 1;

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

/** What a VRRPv2 vhid accepts. */
export interface Vrrp2Expect {
  /** Its interval, seconds: adverts with another are dropped (RFC 3768). */
  intervalS: number;
  /** Its password (auth type 1), or `null` for none (type 0). */
  authPass: string | null;
}

/** What a VRRPv2 receiver accepts. */
export interface Vrrp2ReceiveOptions {
  /** The VRRPv2 vhids on the interface, by VRID. */
  vrids: ReadonlyMap<number, Vrrp2Expect>;
  /** Destinations accepted; any when omitted. */
  destinations?: ReadonlySet<number>;
}

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

/** The 8 bytes of authentication data for a password (zero-padded). */
function authData(pass: string | null): Uint8Array {
  const out = new Uint8Array(VRRP2_AUTH_LENGTH);
  if (pass !== null) out.set(new TextEncoder().encode(pass).subarray(0, 8));
  return out;
}

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
  fields: Vrrp4Fields,
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
  m.set(authData(authPass), FIXED_LENGTH + 4 * n);
  new DataView(m.buffer).setUint16(6, internetChecksum(m));
  return wrapIpv4(fields, m);
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
  const ip = judgeIpv4(packet);
  if (!("message" in ip)) return { ok: false, ...ip };
  const { message: m, source, destination } = ip;
  if (m[0]! >> 4 !== VRRP2_VERSION) {
    return { ok: false, reason: "bad_version", source };
  }
  if ((m[0]! & 0x0f) !== VRRP_TYPE_ADVERTISEMENT) {
    return { ok: false, reason: "bad_type", source };
  }
  const count = m[3]!;
  if (count === 0) return { ok: false, reason: "bad_count", source };
  if (m.length !== FIXED_LENGTH + 4 * count + VRRP2_AUTH_LENGTH) {
    return { ok: false, reason: "bad_length", source };
  }
  const intervalS = m[5]!;
  if (intervalS === 0) return { ok: false, reason: "bad_interval", source };
  if (internetChecksum(m) !== 0) {
    return { ok: false, reason: "bad_checksum", source };
  }
  const vrid = m[1]!;
  const expect = options.vrids.get(vrid);
  if (expect === undefined) {
    return { ok: false, reason: "wrong_vhid", source, vrid };
  }
  if (options.destinations && !options.destinations.has(destination)) {
    return { ok: false, reason: "wrong_destination", source, vrid };
  }
  if (intervalS !== expect.intervalS) {
    return { ok: false, reason: "bad_interval", source, vrid };
  }
  const type = expect.authPass === null ? VRRP2_AUTH_NONE : VRRP2_AUTH_PASS;
  const auth = m.subarray(FIXED_LENGTH + 4 * count);
  const want = authData(expect.authPass);
  if (m[4] !== type || (type === VRRP2_AUTH_PASS && !equal(auth, want))) {
    return { ok: false, reason: "bad_auth", source, vrid };
  }
  return {
    ok: true,
    advert: {
      family: 4,
      vrid,
      priority: m[2]!,
      intervalCs: intervalS * 100,
      addresses: Array.from(
        { length: count },
        (_, i) => readIpv4(m, FIXED_LENGTH + 4 * i),
      ),
    },
    source,
  };
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
