/**
 * One network interface as the daemon uses it: its index, MAC, carrier, the
 * address adverts come from, and the CARP socket that listens on it.
 * @module
 */

import { CarpSocket } from "../../ffi/carp_socket.ts";
import type { LinkInfo, Netlink } from "../../ffi/netlink.ts";

/** An interface with its socket. */
export class InterfaceHandle {
  readonly name: string;
  index: number;
  mac: Uint8Array;
  usable: boolean;
  readonly socket: CarpSocket;
  readonly #groups = new Set<number>();

  private constructor(link: LinkInfo, socket: CarpSocket, group: number) {
    this.name = link.name;
    this.index = link.index;
    this.mac = link.mac;
    this.usable = link.usable;
    this.socket = socket;
    this.#groups.add(group);
  }

  /**
   * Looks the interface up and opens its CARP socket.
   *
   * @param netlink A request socket.
   * @param name Interface name.
   * @param group First multicast group to join.
   * @returns The handle.
   * @throws {Error} When there is no such interface.
   */
  static open(netlink: Netlink, name: string, group: number): InterfaceHandle {
    const link = netlink.link(name);
    if (link === null) {
      throw new Error(`Cannot use interface "${name}": no such interface`);
    }
    const socket = CarpSocket.open({
      ifname: name,
      ifindex: link.index,
      group,
    });
    return new InterfaceHandle(link, socket, group);
  }

  /** Joins a further group (several vhids may use different groups). */
  join(group: number): void {
    if (this.#groups.has(group)) return;
    this.socket.join(group, this.index);
    this.#groups.add(group);
  }

  /** The groups joined. */
  get groups(): ReadonlySet<number> {
    return this.#groups;
  }

  /** Applies a link event; returns whether usability changed. */
  update(link: LinkInfo): boolean {
    this.index = link.index;
    if (link.mac.length > 0) this.mac = link.mac;
    const changed = link.usable !== this.usable;
    this.usable = link.usable;
    return changed;
  }

  close(): void {
    this.socket.close();
  }
}

/**
 * The address adverts are sent from: the configured one, or the first IPv4
 * address on the interface that is not one of the virtual ones.
 *
 * @param netlink A request socket.
 * @param iface The interface.
 * @param configured The `source` key, or `null`.
 * @param vips Addresses to skip.
 * @returns The address.
 * @throws {Error} When the interface has no address of its own.
 */
export function sourceAddress(
  netlink: Netlink,
  iface: InterfaceHandle,
  configured: number | null,
  vips: readonly number[],
): number {
  if (configured !== null) return configured;
  const own = netlink.addresses().find((a) =>
    a.index === iface.index && !vips.includes(a.address)
  );
  if (own === undefined) {
    throw new Error(
      `Cannot pick a source address on "${iface.name}": it has no IPv4 address of its own; set vhid.source`,
    );
  }
  return own.address;
}
