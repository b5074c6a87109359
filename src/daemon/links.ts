/**
 * The interfaces of the box and their IPv4 addresses, as rtnetlink tells
 * them: loaded once, then kept current from link and address events, and
 * re-read whole when the kernel says events were lost. Interfaces are known
 * by index (a re-created interface has a new one) and found by name.
 * @module
 */

import type { AddressInfo, LinkInfo, NetlinkEvent } from "../../ffi/netlink.ts";

/** An IPv4 address on a link. */
export interface LinkAddress {
  address: number;
  prefix: number;
}

/** A link as the daemon sees it. */
export interface Link {
  readonly index: number;
  readonly name: string;
  readonly mac: Uint8Array;
  /** Administratively up, with carrier. */
  readonly usable: boolean;
  /** IPv4 addresses, in the kernel's order (the first is the primary). */
  readonly addresses: readonly LinkAddress[];
}

/** What changed. */
export type LinkChange =
  /** The link named so appeared, went, was re-created, or changed state. */
  | { type: "link"; name: string }
  /** An address came or went on the link named so. */
  | {
    type: "address";
    name: string;
    address: number;
    prefix: number;
    removed: boolean;
  };

/** Where the state is read from (the rtnetlink request socket). */
export interface LinkSource {
  links(): Promise<LinkInfo[]>;
  addresses(): Promise<AddressInfo[]>;
}

function sameLink(a: Link, b: Link): boolean {
  return a.name === b.name && a.usable === b.usable &&
    a.mac.join() === b.mac.join();
}

/** The box's links. */
export class Links {
  #byIndex = new Map<number, Link>();
  readonly #listeners: ((c: LinkChange) => void)[] = [];

  /**
   * Reads every link and address.
   *
   * @param source The rtnetlink request socket.
   * @returns The registry.
   */
  static async load(source: LinkSource): Promise<Links> {
    const links = new Links();
    links.#byIndex = await snapshot(source);
    return links;
  }

  /** Calls `listener` after every change. */
  onChange(listener: (c: LinkChange) => void): void {
    this.#listeners.push(listener);
  }

  /**
   * The link of a name.
   *
   * @param name Interface name.
   * @returns The link, or `null` when there is none.
   */
  byName(name: string): Link | null {
    for (const l of this.#byIndex.values()) if (l.name === name) return l;
    return null;
  }

  /** Every link. */
  all(): Link[] {
    return [...this.#byIndex.values()];
  }

  /**
   * Applies events from the monitor.
   *
   * @param events What the monitor read.
   * @returns Whether events were lost (the caller then calls
   *   {@linkcode resync}).
   */
  apply(events: readonly NetlinkEvent[]): boolean {
    let lost = false;
    for (const e of events) {
      if (e.kind === "overflow") lost = true;
      else if (e.kind === "link") this.#link(e.link, e.removed);
      else this.#address(e.address, e.removed);
    }
    return lost;
  }

  /**
   * Re-reads everything after lost events and reports every difference.
   *
   * @param source The rtnetlink request socket.
   */
  async resync(source: LinkSource): Promise<void> {
    const next = await snapshot(source);
    const before = this.#byIndex;
    this.#byIndex = next;
    const names = new Set<string>();
    for (const [index, old] of before) {
      const now = next.get(index);
      if (now === undefined || !sameLink(old, now)) {
        names.add(old.name);
        if (now) names.add(now.name);
      }
      for (const a of old.addresses) {
        if (now?.addresses.some((b) => b.address === a.address)) continue;
        this.#emit({ type: "address", name: old.name, ...a, removed: true });
      }
    }
    for (const [index, now] of next) {
      const old = before.get(index);
      if (old === undefined) names.add(now.name);
      for (const a of now.addresses) {
        if (old?.addresses.some((b) => b.address === a.address)) continue;
        this.#emit({ type: "address", name: now.name, ...a, removed: false });
      }
    }
    for (const name of names) this.#emit({ type: "link", name });
  }

  #link(info: LinkInfo, removed: boolean): void {
    const old = this.#byIndex.get(info.index);
    if (removed) {
      if (old === undefined) return;
      this.#byIndex.delete(info.index);
      this.#emit({ type: "link", name: old.name });
      return;
    }
    const next: Link = {
      index: info.index,
      name: info.name !== "" ? info.name : old?.name ?? "",
      mac: info.mac.length > 0 ? info.mac : old?.mac ?? new Uint8Array(0),
      usable: info.usable,
      addresses: old?.addresses ?? [],
    };
    this.#byIndex.set(info.index, next);
    if (old === undefined) {
      this.#emit({ type: "link", name: next.name });
    } else if (!sameLink(old, next)) {
      if (old.name !== next.name) this.#emit({ type: "link", name: old.name });
      this.#emit({ type: "link", name: next.name });
    }
  }

  #address(info: AddressInfo, removed: boolean): void {
    const link = this.#byIndex.get(info.index);
    if (link === undefined) return; // a resync will catch up
    const others = link.addresses.filter((a) => a.address !== info.address);
    const had = others.length !== link.addresses.length;
    if (removed && !had) return;
    if (!removed && had) return;
    const addresses = removed
      ? others
      : [...link.addresses, { address: info.address, prefix: info.prefix }];
    this.#byIndex.set(info.index, { ...link, addresses });
    this.#emit({
      type: "address",
      name: link.name,
      address: info.address,
      prefix: info.prefix,
      removed,
    });
  }

  #emit(c: LinkChange): void {
    for (const l of this.#listeners) l(c);
  }
}

async function snapshot(source: LinkSource): Promise<Map<number, Link>> {
  // One after the other: a netlink socket runs one dump at a time.
  const links = await source.links();
  const addresses = await source.addresses();
  const out = new Map<number, Link>();
  for (const l of links) {
    out.set(l.index, {
      index: l.index,
      name: l.name,
      mac: l.mac,
      usable: l.usable,
      addresses: addresses.filter((a) => a.index === l.index).map((a) => ({
        address: a.address,
        prefix: a.prefix,
      })),
    });
  }
  return out;
}
