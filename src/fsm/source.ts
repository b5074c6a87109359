/**
 * Which of its interface's addresses a vhid advertises from. Over IPv4:
 * the configured source, or the interface's first address that is not a
 * VIP, kept for as long as it stays (the tie-break and the peers' unicast
 * destinations depend on it). Over IPv6: a link-local address that has
 * left duplicate address detection and is not a VIP, likewise kept.
 * @module
 */

import { equalIpv6, type Ipv6, isLinkLocal } from "../net/mod.ts";

/** What the choice reads of an interface. */
export interface SourceView {
  /** IPv4 addresses, in the kernel's order. */
  readonly addresses: readonly { readonly address: number }[];
  /**
   * IPv6 addresses, in the kernel's order, each with whether it can be
   * used (not tentative, DAD not failed, not deprecated).
   */
  readonly addresses6: readonly {
    readonly address: Ipv6;
    readonly ready: boolean;
  }[];
}

/**
 * The IPv4 source.
 *
 * @param configured The configured `source`, or `null`.
 * @param link The interface, or `null` while it is missing.
 * @param vips The vhid's IPv4 VIPs.
 * @param current The source in use, or `null`.
 * @returns The source, or `null` when there is none.
 */
export function pickSource4(
  configured: number | null,
  link: SourceView | null,
  vips: readonly number[],
  current: number | null,
): number | null {
  if (configured !== null) return configured;
  if (link === null) return null;
  const own = link.addresses.filter((a) => !vips.includes(a.address));
  if (own.some((a) => a.address === current)) return current;
  return own[0]?.address ?? null;
}

/**
 * The IPv6 source.
 *
 * @param link The interface, or `null` while it is missing.
 * @param vips The vhid's IPv6 VIPs.
 * @param current The source in use, or `null`.
 * @returns The source, or `null` when there is none yet.
 */
export function pickSource6(
  link: SourceView | null,
  vips: readonly Ipv6[],
  current: Ipv6 | null,
): Ipv6 | null {
  if (link === null) return null;
  const usable = link.addresses6.filter((a) =>
    a.ready && isLinkLocal(a.address) &&
    !vips.some((v) => equalIpv6(v, a.address))
  );
  if (current !== null && usable.some((a) => equalIpv6(a.address, current))) {
    return current;
  }
  return usable[0]?.address ?? null;
}
