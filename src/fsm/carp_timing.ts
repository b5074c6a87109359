/**
 * CARP timer arithmetic and priority comparison, exactly as ucarp 1.5.2.
 *
 * Intervals are counted in ticks of 1/256 s so every comparison is exact:
 * an advert interval is `advbase * 256 + advskew` ticks. Smaller is more
 * preferred.
 * @module
 */

import { compareIpv6, parseIpv6 } from "../net/mod.ts";

/** Ticks in one second. */
export const TICKS_PER_SECOND = 256;

/**
 * The advert interval `advbase + advskew/256` s in ticks; this is also the
 * priority a node advertises (smaller wins).
 *
 * @param advbase Seconds.
 * @param advskew 1/256 s.
 * @returns Ticks.
 */
export function intervalTicks(advbase: number, advskew: number): number {
  return advbase * TICKS_PER_SECOND + advskew;
}

/**
 * The master-down interval in ticks: `advbase * deadratio + advskew/256` s.
 * The skew is not multiplied (ucarp's rule). With advbase 0 the adverts come
 * every advskew/256 s and master-down is `deadratio * advskew/256` s, a carpd
 * extension (ucarp would give one interval, and flap).
 *
 * @param advbase Seconds.
 * @param advskew 1/256 s (the effective skew, demotions included).
 * @param deadratio Adverts that may be missed.
 * @returns Ticks.
 */
export function masterDownTicks(
  advbase: number,
  advskew: number,
  deadratio: number,
): number {
  return advbase === 0
    ? deadratio * advskew
    : advbase * deadratio * TICKS_PER_SECOND + advskew;
}

/**
 * Converts ticks to milliseconds (exact in floating point: 1000/256 = 3.90625).
 *
 * @param ticks 1/256 s units.
 * @returns Milliseconds.
 */
export function ticksToMs(ticks: number): number {
  return ticks * 1000 / TICKS_PER_SECOND;
}

/**
 * ucarp's tie-break between two masters with equal intervals: the sender wins
 * when `ip_src.s_addr < srcip.s_addr` on a little-endian host, that is when
 * its address is smaller compared from the last octet to the first. carpd
 * matches x86 ucarp so mixed groups settle on the same master. IPv6 sources
 * (ucarp has none) compare byte by byte, the smaller winning; addresses of
 * different families never tie (the IPv4 one wins).
 *
 * @param remote The other master's address (a network-order number, or
 *   IPv6 text).
 * @param local Our address in the same family.
 * @returns Whether the other master keeps mastership.
 */
export function remoteWinsTie(
  remote: number | string,
  local: number | string,
): boolean {
  if (typeof remote === "number" && typeof local === "number") {
    return littleEndianKey(remote) < littleEndianKey(local);
  }
  if (typeof remote === "string" && typeof local === "string") {
    const a = parseIpv6(remote);
    const b = parseIpv6(local);
    return a !== null && b !== null && compareIpv6(a, b) < 0;
  }
  return typeof remote === "number";
}

function littleEndianKey(address: number): number {
  return (((address & 0xff) << 24) | ((address >>> 8 & 0xff) << 16) |
    ((address >>> 16 & 0xff) << 8) | (address >>> 24)) >>> 0;
}
