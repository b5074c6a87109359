/**
 * Which of its interface's addresses a vhid advertises from, per family,
 * as rules chosen once for the families of its VIPs. Over IPv4: the
 * configured source, or the interface's first address that is not a VIP,
 * kept for as long as it stays (the tie-break and the peers' unicast
 * destinations depend on it). Over IPv6: a link-local address that has
 * left duplicate address detection and is not a VIP, likewise kept.
 * @module
 */

import {
  equalIpv6,
  formatIpv4,
  formatIpv6,
  type Ipv6,
  isLinkLocal,
  type PeerAddress,
} from "../net/mod.ts";

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

/** An address of either family as the interface reports it. */
export type LinkAddress = number | Ipv6;

/** How a vhid finds its source in one family. */
export interface SourceRule {
  /** The family. */
  readonly family: 4 | 6;
  /**
   * The source now.
   *
   * @param link The interface, `null` while it is missing.
   * @param current The source in use.
   */
  pick(
    link: SourceView | null,
    current: LinkAddress | null,
  ): LinkAddress | null;
  /** Whether two sources are the same address. */
  same(a: LinkAddress | null, b: LinkAddress | null): boolean;
  /** The address as peers know it (a number, or IPv6 text). */
  key(a: LinkAddress): PeerAddress;
  /** The address as text. */
  text(a: LinkAddress): string;
  /**
   * Whether an address change on the interface may change the source:
   * one of this family that removes the source, or arrives while there is
   * none.
   */
  concerned(
    address: LinkAddress,
    removed: boolean,
    current: LinkAddress | null,
  ): boolean;
  /** Why there is no source, for status (`no IPv4 address of its own on eth0...`). */
  missing(iface: string): string;
}

/**
 * The IPv4 rule.
 *
 * @param configured The configured `source`, or `null`.
 * @param vips The vhid's IPv4 VIPs.
 * @returns The rule.
 */
function ipv4Rule(
  configured: number | null,
  vips: readonly number[],
): SourceRule {
  return {
    family: 4,
    pick(link, current): LinkAddress | null {
      if (configured !== null) return configured;
      if (link === null) return null;
      const own = link.addresses.filter((a) => !vips.includes(a.address));
      if (own.some((a) => a.address === current)) return current;
      return own[0]?.address ?? null;
    },
    same: (a, b) => a === b,
    key: (a) => a as number,
    text: (a) => formatIpv4(a as number),
    concerned: (address, removed, current) =>
      typeof address === "number" &&
      (removed ? current === address : current === null),
    missing: (iface) =>
      `no IPv4 address of its own on ${iface} to advertise from`,
  };
}

/**
 * The IPv6 rule.
 *
 * @param vips The vhid's IPv6 VIPs.
 * @returns The rule.
 */
function ipv6Rule(vips: readonly Ipv6[]): SourceRule {
  const same = (a: LinkAddress | null, b: LinkAddress | null): boolean =>
    a === null || b === null ? a === b : equalIpv6(a as Ipv6, b as Ipv6);
  return {
    family: 6,
    pick(link, current): LinkAddress | null {
      if (link === null) return null;
      const usable = link.addresses6.filter((a) =>
        a.ready && isLinkLocal(a.address) &&
        !vips.some((v) => equalIpv6(v, a.address))
      );
      if (current !== null && usable.some((a) => same(a.address, current))) {
        return current;
      }
      return usable[0]?.address ?? null;
    },
    same,
    key: (a) => formatIpv6(a as Ipv6),
    text: (a) => formatIpv6(a as Ipv6),
    // A link-local coming, going, or leaving DAD.
    concerned: (address, removed, current) =>
      typeof address !== "number" && (removed || current === null),
    missing: (iface) =>
      `no usable link-local IPv6 address on ${iface} to advertise from yet`,
  };
}

/**
 * The source rules of a vhid: one per family of its VIPs, IPv4 first (the
 * address peers know a dual-stack vhid by).
 *
 * @param vips The vhid's VIPs.
 * @param configured Its configured IPv4 `source`, or `null`.
 * @returns The rules.
 */
export function sourceRules(
  vips: readonly ({ family: 4; address: number } | {
    family: 6;
    address: Ipv6;
  })[],
  configured: number | null,
): SourceRule[] {
  const v4 = vips.flatMap((v) => v.family === 4 ? [v.address] : []);
  const v6 = vips.flatMap((v) => v.family === 6 ? [v.address] : []);
  return [
    ...(v4.length > 0 ? [ipv4Rule(configured, v4)] : []),
    ...(v6.length > 0 ? [ipv6Rule(v6)] : []),
  ];
}
