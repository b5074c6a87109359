/**
 * VRRPv3 timer arithmetic and tie-break (RFC 9568 section 6.1), in
 * milliseconds with sub-millisecond precision, as keepalived keeps them
 * (FRR truncates to centiseconds; carpd does not).
 * @module
 */

import { compareIpv6, parseIpv6 } from "../carp/mod.ts";

/**
 * Skew_Time: how much longer a backup of lower priority waits.
 *
 * @param priority The backup's (effective) priority, 1-254.
 * @param intervalCs The master's advertised interval, centiseconds.
 * @returns `((256 - priority) x interval) / 256`, in milliseconds.
 */
export function skewMs(priority: number, intervalCs: number): number {
  return (256 - priority) * intervalCs * 10 / 256;
}

/**
 * Master_Down_Interval: the silence after which a backup takes over.
 *
 * @param priority The backup's (effective) priority, 1-254.
 * @param intervalCs The master's advertised interval, centiseconds.
 * @returns `3 x interval + Skew_Time`, in milliseconds.
 */
export function activeDownMs(priority: number, intervalCs: number): number {
  return 3 * intervalCs * 10 + skewMs(priority, intervalCs);
}

/**
 * The VRRP tie-break between masters of equal priority: the one with the
 * greater primary address wins, compared as unsigned numbers in network
 * byte order (IPv6 link-locals byte by byte).
 *
 * @param remote The other master's address (network-order number, or
 *   IPv6 text).
 * @param local Ours, in the same family.
 * @returns Whether the other master keeps mastership.
 */
export function vrrpRemoteWinsTie(
  remote: number | string,
  local: number | string,
): boolean {
  if (typeof remote === "number" && typeof local === "number") {
    return remote >>> 0 > local >>> 0;
  }
  if (typeof remote === "string" && typeof local === "string") {
    const a = parseIpv6(remote);
    const b = parseIpv6(local);
    return a !== null && b !== null && compareIpv6(a, b) > 0;
  }
  return false;
}
