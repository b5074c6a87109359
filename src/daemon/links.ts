/**
 * The interfaces of the box and their addresses, as rtnetlink tells
 * them: loaded once, then kept current from link and address events, and
 * re-read whole when the kernel says events were lost. Interfaces are known
 * by index (a re-created interface has a new one) and found by name.
 * @module
 */

import {
  IFA_F_DADFAILED,
  IFA_F_DEPRECATED,
  IFA_F_TENTATIVE,
} from "../../ffi/constants.ts";
import type {
  Address6Info,
  AddressInfo,
  LinkInfo,
  NetlinkEvent,
} from "../../ffi/netlink.ts";

/** An IPv4 address on a link. */
export interface LinkAddress {
  address: number;
  prefix: number;
}

/** An IPv6 address on a link. */
export interface LinkAddress6 {
  address: Uint8Array;
  prefix: number;
  /** IFA_F_* (tentative, DAD failed, deprecated...). */
  flags: number;
  /** Usable as a source: not tentative, DAD not failed, not deprecated. */
  ready: boolean;
  /** RT_SCOPE_* (253: link-local). */
  scope: number;
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
  /** IPv6 addresses, in the kernel's order. */
  readonly addresses6: readonly LinkAddress6[];
}

/** What changed. */
export type LinkChange =
  /** The link named so appeared, went, was re-created, or changed state. */
  | { type: "link"; name: string }
  /** An address came, went or changed (IPv6 flags) on the link named so. */
  | {
    type: "address";
    name: string;
    /** A number for IPv4, 16 bytes for IPv6. */
    address: number | Uint8Array;
    prefix: number;
    removed: boolean;
  };

/** Where the state is read from (the rtnetlink request socket). */
export interface LinkSource {
  links(): Promise<LinkInfo[]>;
  addresses(): Promise<AddressInfo[]>;
}

function same6(
  a: { address: Uint8Array },
  b: { address: Uint8Array },
): boolean {
  for (let i = 0; i < 16; i++) if (a.address[i] !== b.address[i]) return false;
  return true;
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
      for (const a of old.addresses6) {
        const b = now?.addresses6.find((x) => same6(x, a));
        if (b !== undefined && b.flags === a.flags) continue;
        this.#emit({
          type: "address",
          name: old.name,
          address: a.address,
          prefix: a.prefix,
          removed: b === undefined,
        });
      }
    }
    for (const [index, now] of next) {
      const old = before.get(index);
      if (old === undefined) names.add(now.name);
      for (const a of now.addresses) {
        if (old?.addresses.some((b) => b.address === a.address)) continue;
        this.#emit({ type: "address", name: now.name, ...a, removed: false });
      }
      for (const a of now.addresses6) {
        if (old?.addresses6.some((b) => same6(a, b))) continue;
        this.#emit({
          type: "address",
          name: now.name,
          address: a.address,
          prefix: a.prefix,
          removed: false,
        });
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
      addresses6: old?.addresses6 ?? [],
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
    if (info.family === 6) return this.#address6(link, info, removed);
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

  #address6(link: Link, info: Address6Info, removed: boolean): void {
    const entry: LinkAddress6 = {
      address: info.address,
      prefix: info.prefix,
      flags: info.flags,
      ready: ready6(info.flags),
      scope: info.scope,
    };
    const old = link.addresses6.find((a) => same6(a, entry));
    if (removed ? old === undefined : old?.flags === entry.flags) return;
    const others = link.addresses6.filter((a) => !same6(a, entry));
    // A known address with new flags (DAD done) keeps its place.
    const addresses6 = removed
      ? others
      : old === undefined
      ? [...link.addresses6, entry]
      : link.addresses6.map((a) => same6(a, entry) ? entry : a);
    this.#byIndex.set(info.index, { ...link, addresses6 });
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
      addresses: addresses.flatMap((a) =>
        a.family === 4 && a.index === l.index
          ? [{ address: a.address, prefix: a.prefix }]
          : []
      ),
      addresses6: addresses.flatMap((a) =>
        a.family === 6 && a.index === l.index
          ? [{
            address: a.address,
            prefix: a.prefix,
            flags: a.flags,
            ready: ready6(a.flags),
            scope: a.scope,
          }]
          : []
      ),
    });
  }
  return out;
}

/** Whether an IPv6 address with these IFA_F_* flags can be a source. */
function ready6(flags: number): boolean {
  return (flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED | IFA_F_DEPRECATED)) ===
    0;
}
