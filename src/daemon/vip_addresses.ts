/**
 * A vhid's virtual addresses on its interface, both families: put on, taken
 * off, put back, and announced (gratuitous ARP for IPv4, unsolicited
 * neighbour advertisements for IPv6). The vhid decides when; this module
 * knows how.
 * @module
 */

import type { SyscallError } from "../../ffi/errors.ts";
import {
  ALL_NODES_MAC,
  BROADCAST_MAC,
  equalIpv6,
  ETHERTYPE_ARP,
  ETHERTYPE_IPV6,
  formatIpv6,
  gratuitousArp,
  type Ipv6,
  type PeerAddress,
  unsolicitedNa,
} from "../net/mod.ts";
import type { Vip } from "../config/mod.ts";
import type { Link } from "./links.ts";

/** An interface as the address calls need it. */
export interface LinkRef {
  index: number;
  name: string;
}

/** Adds and removes addresses (the rtnetlink request socket). */
export interface AddressControl {
  /**
   * Adds a VIP.
   * @returns `false` when it was already there.
   */
  addVip(link: LinkRef, vip: Vip, label: string | null): Promise<boolean>;
  /**
   * Removes a VIP.
   * @returns `false` when it was not there.
   */
  removeVip(link: LinkRef, vip: Vip): Promise<boolean>;
}

/** Sends Ethernet frames (the packet socket). */
export interface FrameSender {
  /** Sends one frame of `ethertype` to `destination` out of the interface. */
  send(
    ifindex: number,
    ifname: string,
    ethertype: number,
    destination: Uint8Array,
    payload: Uint8Array,
  ): SyscallError | null;
}

/**
 * The label carpd puts on its IPv4 addresses: `<iface>:carp`, or none when
 * that does not fit the kernel's 15 characters. (IPv6 addresses have no
 * labels.)
 *
 * @param ifname Interface name.
 * @returns The label or `null`.
 */
export function vipLabel(ifname: string): string | null {
  const label = `${ifname}:carp`;
  return label.length <= 15 ? label : null;
}

/**
 * Whether a link carries a VIP now.
 *
 * @param link The interface.
 * @param vip The VIP.
 * @returns `true` when the address is on it.
 */
export function linkHasVip(link: Link, vip: Vip): boolean {
  return vip.family === 4
    ? link.addresses.some((a) => a.address === vip.address)
    : link.addresses6.some((a) => equalIpv6(a.address, vip.address));
}

/**
 * The VIP an address is, if it is one.
 *
 * @param vips The vhid's VIPs.
 * @param address An IPv4 (number) or IPv6 (bytes) address.
 * @returns The VIP or `undefined`.
 */
export function findVip(
  vips: readonly Vip[],
  address: number | Ipv6,
): Vip | undefined {
  return vips.find((v) =>
    typeof address === "number"
      ? v.family === 4 && v.address === address
      : v.family === 6 && equalIpv6(v.address, address)
  );
}

/**
 * A VIP's address as peers and messages key it: a number for IPv4, the
 * text for IPv6.
 *
 * @param vip The VIP.
 * @returns The key.
 */
export function vipKey(vip: Vip): PeerAddress {
  return vip.family === 4 ? vip.address : formatIpv6(vip.address);
}

/** Announcements: how many left and how many failed (with the last error). */
export interface AnnounceResult {
  sent: number;
  failures: { vip: Vip; error: SyscallError }[];
}

/**
 * Tells the segment that the VIPs are here now: one gratuitous ARP per IPv4
 * VIP, one unsolicited neighbour advertisement (override set) per IPv6 VIP.
 *
 * @param frames The packet socket.
 * @param link The interface (its MAC is the one announced).
 * @param vips The VIPs.
 * @returns What was sent and what failed.
 */
export function announceVips(
  frames: FrameSender,
  link: Link,
  vips: readonly Vip[],
): AnnounceResult {
  const result: AnnounceResult = { sent: 0, failures: [] };
  if (link.mac.length < 6) return result; // nothing to announce on
  for (const vip of vips) {
    const err = vip.family === 4
      ? frames.send(
        link.index,
        link.name,
        ETHERTYPE_ARP,
        BROADCAST_MAC,
        gratuitousArp(link.mac, vip.address),
      )
      : frames.send(
        link.index,
        link.name,
        ETHERTYPE_IPV6,
        ALL_NODES_MAC,
        unsolicitedNa(vip.address, link.mac),
      );
    if (err === null) result.sent++;
    else result.failures.push({ vip, error: err });
  }
  return result;
}
