/**
 * A simulated box's kernel as rtnetlink shows it: links (created, deleted,
 * re-created with a new index, carrier up and down) and their addresses,
 * the request socket's dumps and address changes, and the monitor's
 * events. Address changes take effect when asked (the reply comes as a
 * promise), so what a daemon holds is exact at every step.
 */

import { Errno, SyscallError } from "../../ffi/errors.ts";
import type { AddressInfo, LinkInfo, NetlinkEvent } from "../../ffi/netlink.ts";
import type {
  LinkRef,
  MonitorPort,
  NetlinkPort,
  PrefixedAddress,
} from "../../src/daemon/platform.ts";
import { equalIpv6, formatIpv4, formatIpv6 } from "../../src/net/mod.ts";

/** A simulated link. */
export interface SimLink {
  index: number;
  name: string;
  mac: Uint8Array;
  up: boolean;
  addresses: AddressInfo[];
  /** The addresses as keys (IPv4 numbers, IPv6 text), kept with them. */
  keys: Set<number | string>;
}

/** A monitor socket: its events, and who to tell when some arrive. */
interface Monitor {
  fd: number;
  events: NetlinkEvent[];
  notify: () => void;
  open: boolean;
  /** Events held before they overflow (a shrunk buffer holds few). */
  capacity: number;
  overflowed: boolean;
}

/** How an address is found among a link's. */
function sameAddress(a: AddressInfo, b: PrefixedAddress): boolean {
  return a.family === 4 && b.family === 4
    ? a.address === b.address
    : a.family === 6 && b.family === 6 && equalIpv6(a.address, b.address);
}

/** The kernel of one simulated box. */
export class SimKernel {
  readonly links = new Map<number, SimLink>();
  #nextIndex = 2;
  readonly #monitors: Monitor[] = [];
  /** {@linkcode held}'s answer, until an address changes. */
  #held: { link: string; address: string }[] | null = null;
  /** Descriptor numbers handed out (shared with the box's sockets). */
  readonly fds: { next: number };
  /** Files under /run: they outlive the daemon, not the box. */
  readonly runFiles = new Map<string, string>();

  /**
   * @param fds The box's descriptor counter.
   */
  constructor(fds: { next: number }) {
    this.fds = fds;
  }

  /**
   * Creates a link (a new index each time).
   *
   * @param name Its name.
   * @param mac Its hardware address.
   * @param addresses Its own addresses.
   * @returns The link.
   */
  createLink(
    name: string,
    mac: Uint8Array,
    addresses: PrefixedAddress[],
  ): SimLink {
    const index = this.#nextIndex++;
    const link: SimLink = {
      index,
      name,
      mac,
      up: true,
      addresses: [],
      keys: new Set(),
    };
    this.links.set(index, link);
    this.#emit({ kind: "link", removed: false, link: linkInfo(link) });
    for (const a of addresses) this.#add(link, a, null);
    return link;
  }

  /**
   * Deletes a link; its addresses go with it.
   *
   * @param name Its name.
   */
  deleteLink(name: string): void {
    const link = this.byName(name);
    if (link === undefined) return;
    for (const a of [...link.addresses]) {
      link.addresses = link.addresses.filter((x) => x !== a);
      link.keys.delete(keyOf(a));
      this.#emit({ kind: "address", removed: true, address: a });
    }
    this.#held = null;
    this.links.delete(link.index);
    this.#emit({ kind: "link", removed: true, link: linkInfo(link) });
  }

  /**
   * Carrier up or down.
   *
   * @param name The link.
   * @param up Whether it is up.
   */
  setUp(name: string, up: boolean): void {
    const link = this.byName(name);
    if (link === undefined || link.up === up) return;
    link.up = up;
    this.#emit({ kind: "link", removed: false, link: linkInfo(link) });
  }

  /** The link of a name. */
  byName(name: string): SimLink | undefined {
    for (const l of this.links.values()) if (l.name === name) return l;
    return undefined;
  }

  /**
   * Whether an address is on a link.
   *
   * @param name The link.
   * @param address An IPv4 number or IPv6 text.
   * @returns `true` when it is.
   */
  has(name: string, address: number | string): boolean {
    return this.byName(name)?.keys.has(address) ?? false;
  }

  /** Every address of every link, as text with its link. */
  held(): readonly { link: string; address: string }[] {
    this.#held ??= [...this.links.values()].flatMap((l) =>
      l.addresses.map((a) => ({
        link: l.name,
        address: a.family === 4 ? formatIpv4(a.address) : formatIpv6(a.address),
      }))
    );
    return this.#held;
  }

  /**
   * An rtnetlink request socket for a daemon (`dead` makes it inert: a
   * killed daemon's leftovers change nothing).
   *
   * @param alive Whether its daemon still lives.
   * @returns The port.
   */
  netlink(alive: () => boolean): NetlinkPort {
    const fd = this.fds.next++;
    return {
      links: () => Promise.resolve([...this.links.values()].map(linkInfo)),
      addresses: () =>
        Promise.resolve([...this.links.values()].flatMap((l) => l.addresses)),
      addAddress: (link, address, label) => {
        if (!alive()) return new Promise(() => {});
        const l = this.links.get(link.index);
        if (l === undefined) {
          return Promise.reject(
            new SyscallError("add address", what(link, address), Errno.ENODEV),
          );
        }
        if (l.addresses.some((a) => sameAddress(a, address))) {
          return Promise.resolve(false);
        }
        this.#add(l, address, label);
        return Promise.resolve(true);
      },
      removeAddress: (link, address) => {
        if (!alive()) return new Promise(() => {});
        const l = this.links.get(link.index);
        const a = l?.addresses.find((x) => sameAddress(x, address));
        if (l === undefined || a === undefined) return Promise.resolve(false);
        l.addresses = l.addresses.filter((x) => x !== a);
        l.keys.delete(keyOf(a));
        this.#held = null;
        this.#emit({ kind: "address", removed: true, address: a });
        return Promise.resolve(true);
      },
      waiting: 0,
      close: () => {
        void fd;
      },
    };
  }

  /**
   * A monitor socket.
   *
   * @param notify Told when events arrive.
   * @returns The port.
   */
  monitor(notify: () => void): MonitorPort {
    const m: Monitor = {
      fd: this.fds.next++,
      events: [],
      notify,
      open: true,
      capacity: 10_000,
      overflowed: false,
    };
    this.#monitors.push(m);
    return {
      fd: m.fd,
      events: () => {
        const out = m.events.splice(0);
        if (m.overflowed) {
          m.overflowed = false;
          out.push({ kind: "overflow" });
        }
        return out;
      },
      setReceiveBuffer: (bytes) => {
        m.capacity = Math.max(1, Math.floor(bytes / 100));
      },
      close: () => {
        m.open = false;
        const i = this.#monitors.indexOf(m);
        if (i >= 0) this.#monitors.splice(i, 1);
      },
    };
  }

  #add(link: SimLink, a: PrefixedAddress, label: string | null): void {
    const info: AddressInfo = a.family === 4
      ? {
        family: 4,
        index: link.index,
        address: a.address,
        prefix: a.prefix,
        label: label ?? link.name,
      }
      : {
        family: 6,
        index: link.index,
        address: a.address,
        prefix: a.prefix,
        flags: 0,
        scope: a.address[0] === 0xfe ? 253 : 0,
      };
    link.addresses.push(info);
    link.keys.add(keyOf(info));
    this.#held = null;
    this.#emit({ kind: "address", removed: false, address: info });
  }

  #emit(e: NetlinkEvent): void {
    for (const m of this.#monitors) {
      if (!m.open) continue;
      if (m.events.length >= m.capacity) m.overflowed = true;
      else m.events.push(e);
      m.notify();
    }
  }
}

/** An address as the kernel keys it: an IPv4 number, an IPv6 text. */
function keyOf(a: AddressInfo): number | string {
  return a.family === 4 ? a.address : formatIpv6(a.address);
}

function linkInfo(l: SimLink): LinkInfo {
  return {
    index: l.index,
    name: l.name,
    flags: 0,
    mac: l.mac,
    usable: l.up,
  };
}

function what(link: LinkRef, a: PrefixedAddress): string {
  const text = a.family === 4 ? formatIpv4(a.address) : formatIpv6(a.address);
  return `${text}/${a.prefix} on "${link.name}"`;
}
