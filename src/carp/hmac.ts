/**
 * CARP authentication: HMAC-SHA1 keyed with the password bytes, over the
 * version, type, vhid, the virtual addresses and the counter.
 * @module
 */

import { createHmac } from "node:crypto";
import { CARP_TYPE_ADVERTISEMENT, CARP_VERSION } from "./constants.ts";
import { writeIpv4 } from "./ipv4_address.ts";

/** Size of an HMAC-SHA1 digest. */
export const HMAC_LENGTH = 20;

/**
 * Builds the message CARP authenticates: `0x02 0x01 vhid`, each virtual IPv4
 * address in ascending numeric order (4 bytes each), then the 8 counter bytes.
 *
 * With one address this is exactly ucarp's 15-byte message; with several it is
 * OpenBSD's rule for IPv4-only vhids.
 *
 * @param vhid The virtual host id.
 * @param vips The virtual addresses, in any order.
 * @param counter The 64-bit counter as sent.
 * @returns The message bytes.
 */
export function hmacMessage(
  vhid: number,
  vips: readonly number[],
  counter: bigint,
): Uint8Array {
  const sorted = [...vips].sort((a, b) => a - b);
  const msg = new Uint8Array(3 + 4 * sorted.length + 8);
  msg[0] = CARP_VERSION;
  msg[1] = CARP_TYPE_ADVERTISEMENT;
  msg[2] = vhid;
  sorted.forEach((vip, i) => writeIpv4(msg, 3 + 4 * i, vip));
  new DataView(msg.buffer).setBigUint64(3 + 4 * sorted.length, counter);
  return msg;
}

/**
 * Computes the HMAC-SHA1 an advert carries.
 *
 * @param key The password bytes (at most 19, as ucarp).
 * @param vhid The virtual host id.
 * @param vips The virtual addresses.
 * @param counter The 64-bit counter.
 * @returns The 20-byte digest.
 */
export function carpHmac(
  key: Uint8Array,
  vhid: number,
  vips: readonly number[],
  counter: bigint,
): Uint8Array {
  const mac = createHmac("sha1", key);
  mac.update(hmacMessage(vhid, vips, counter));
  return new Uint8Array(mac.digest());
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
