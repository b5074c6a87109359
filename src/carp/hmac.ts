/**
 * CARP authentication: HMAC-SHA1 keyed with the password bytes, over the
 * version, type, vhid, the virtual addresses and the counter.
 * @module
 */

import { CARP_TYPE_ADVERTISEMENT, CARP_VERSION } from "./constants.ts";
import { compareIpv6, type Ipv6, writeIpv4 } from "../net/mod.ts";
import { HmacSha1 } from "./sha1.ts";

/** The prepared HMAC of each key in use (a vhid's key array lives as long as its config). */
const prepared = new WeakMap<Uint8Array, HmacSha1>();

/** Size of an HMAC-SHA1 digest. */
export const HMAC_LENGTH = 20;

/**
 * Builds the message CARP authenticates: `0x02 0x01 vhid`, each virtual IPv4
 * address in ascending numeric order (4 bytes each), each virtual IPv6
 * address in ascending byte order (16 bytes each), then the 8 counter bytes.
 *
 * With one IPv4 address this is exactly ucarp's 15-byte message; with
 * several, or with IPv6 ones, it is OpenBSD's rule.
 *
 * @param vhid The virtual host id.
 * @param vips The virtual IPv4 addresses, in any order.
 * @param counter The 64-bit counter as sent.
 * @param vips6 The virtual IPv6 addresses, in any order.
 * @returns The message bytes.
 */
export function hmacMessage(
  vhid: number,
  vips: readonly number[],
  counter: bigint,
  vips6: readonly Ipv6[] = [],
): Uint8Array {
  const sorted = [...vips].sort((a, b) => a - b);
  const sorted6 = [...vips6].sort(compareIpv6);
  const at6 = 3 + 4 * sorted.length;
  const msg = new Uint8Array(at6 + 16 * sorted6.length + 8);
  msg[0] = CARP_VERSION;
  msg[1] = CARP_TYPE_ADVERTISEMENT;
  msg[2] = vhid;
  sorted.forEach((vip, i) => writeIpv4(msg, 3 + 4 * i, vip));
  sorted6.forEach((vip, i) => msg.set(vip, at6 + 16 * i));
  new DataView(msg.buffer).setBigUint64(at6 + 16 * sorted6.length, counter);
  return msg;
}

/**
 * Computes the HMAC-SHA1 an advert carries.
 *
 * @param key The password bytes (at most 19, as ucarp).
 * @param vhid The virtual host id.
 * @param vips The virtual IPv4 addresses.
 * @param counter The 64-bit counter.
 * @param vips6 The virtual IPv6 addresses (OpenBSD leaves link-local ones
 *   out when it sends).
 * @returns The 20-byte digest.
 */
export function carpHmac(
  key: Uint8Array,
  vhid: number,
  vips: readonly number[],
  counter: bigint,
  vips6: readonly Ipv6[] = [],
): Uint8Array {
  let mac = prepared.get(key);
  if (mac === undefined) {
    mac = new HmacSha1(key);
    prepared.set(key, mac);
  }
  return mac.digest(hmacMessage(vhid, vips, counter, vips6));
}

/**
 * Compares two digests in time that does not depend on where they differ.
 *
 * @param a One digest.
 * @param b The other.
 * @returns Whether they are equal.
 */
export function digestsEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
