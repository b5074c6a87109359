/**
 * The interfaces the vhids use: one socket each (a {@linkcode Port}),
 * opened, reopened and closed as rtnetlink says the interface appears, is
 * re-created or goes; link and address changes routed to the vhids that
 * care; and what each socket accepts (its vhids' keys and destinations).
 * @module
 */

import type { Netlink } from "../../ffi/netlink.ts";
import {
  CARP6_GROUP,
  formatIpv6,
  type Receive6Options,
  type ReceiveOptions,
} from "../carp/mod.ts";
import type { Logger } from "../log.ts";
import type {
  Vrrp2Expect,
  Vrrp2ReceiveOptions,
  VrrpReceive6Options,
  VrrpReceiveOptions,
} from "../vrrp/mod.ts";
import type { EventLoop } from "./event_loop.ts";
import type { DropCounts } from "./counters.ts";
import type { Link, LinkChange, Links } from "./links.ts";
import { Port } from "./ports.ts";
import type { Receiver } from "./receiver.ts";
import type { VhidRunner } from "./vhid_runner.ts";

/** What an interface's IPv4 socket accepts, for each protocol. */
export interface InterfaceRules {
  /** CARP: the CARP vhids' keys, the destinations. */
  carp: ReceiveOptions;
  /** VRRPv3: the VRRPv3 vhids' ids, the same destinations. */
  vrrp: VrrpReceiveOptions;
  /** VRRPv2: the VRRPv2 vhids' intervals and passwords by id. */
  vrrp2: Vrrp2ReceiveOptions;
}

/** The same over IPv6. */
export interface InterfaceRules6 {
  /** CARP over IPv6. */
  carp: Receive6Options;
  /** VRRP over IPv6. */
  vrrp: VrrpReceive6Options;
}

/** What the interfaces need from the daemon. */
export interface InterfacesContext {
  log: Logger;
  loop: EventLoop;
  links: Links;
  /** The rtnetlink request socket, to re-read everything after lost events. */
  netlink: Netlink;
  /** The rtnetlink monitor. */
  monitor: Netlink;
  receiver: Receiver;
  /** The vhids on an interface. */
  vhidsOn: (name: string) => VhidRunner[];
  /** A link changed state (for tracked interfaces). */
  linkChanged: (name: string, usable: boolean) => void;
  /** The monitor was closed: nothing can be followed any more. */
  fatal: (e: Error) => void;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The interfaces in use. */
export class Interfaces {
  readonly #ctx: InterfacesContext;
  readonly #ports = new Map<string, Port>();
  readonly #rules = new Map<string, InterfaceRules>();
  readonly #rules6 = new Map<string, InterfaceRules6>();
  /** The descriptors watched for each port. */
  readonly #watched = new Map<string, number[]>();
  #resyncs = 0;

  constructor(ctx: InterfacesContext) {
    this.#ctx = ctx;
    ctx.links.onChange((c) => this.#changed(c));
    ctx.loop.watch(
      ctx.monitor.fd,
      () => this.#monitorReadable(),
      () => ctx.fatal(new Error("the rtnetlink monitor was closed")),
    );
  }

  /** Names in use, sorted. */
  names(): string[] {
    return [...this.#ports.keys()].sort();
  }

  /** Times everything was re-read after lost events. */
  get resyncs(): number {
    return this.#resyncs;
  }

  /**
   * The port of an interface, created (and opened, if the interface exists)
   * on first use.
   *
   * @param name Interface name.
   * @returns Its port.
   */
  portOf(name: string): Port {
    let port = this.#ports.get(name);
    if (port === undefined) {
      port = new Port(name);
      this.#ports.set(name, port);
      this.#sync(port);
    }
    return port;
  }

  /** The link of a name now, or `null` when it is missing. */
  link(name: string): Link | null {
    return this.#ctx.links.byName(name);
  }

  /** Drops of packets for no vhid on this interface. */
  drops(name: string): DropCounts {
    return this.#ctx.receiver.interfaceDrops(name);
  }

  /**
   * Makes sure an interface's port has what a vhid needs: its IPv4 group
   * and, for IPv6 VIPs, the IPv6 socket. May throw (setsockopt, socket).
   *
   * @param name The interface.
   * @param group The vhid's IPv4 group.
   * @param ipv6 Whether the vhid has IPv6 VIPs.
   */
  prepare(name: string, group: number, ipv6: boolean): void {
    const port = this.portOf(name);
    port.join(group);
    if (ipv6 && !port.wants6) {
      port.join6();
      this.#watch(port);
    }
  }

  /** Whether a port exists for this interface. */
  has(name: string): boolean {
    return this.#ports.has(name);
  }

  /**
   * After a reload: closes ports no vhid uses, and leaves the groups no vhid
   * of a port uses.
   */
  prune(): void {
    for (const [name, port] of this.#ports) {
      const users = this.#ctx.vhidsOn(name);
      if (users.length === 0) this.drop(name);
      else {
        port.retain(
          new Set(users.map((r) => r.config.group)),
          users.some((r) => r.config.vips.some((v) => v.family === 6)),
        );
        this.#watch(port);
      }
    }
  }

  /** Closes an interface's port and forgets it. */
  drop(name: string): void {
    const port = this.#ports.get(name);
    if (port === undefined) return;
    port.close();
    this.#watch(port);
    this.#ports.delete(name);
    this.#rules.delete(name);
    this.#rules6.delete(name);
  }

  /** What a vhid's receive rules depend on changed. */
  invalidate(name: string): void {
    this.#rules.delete(name);
    this.#rules6.delete(name);
  }

  /** Forgets every cached rule (after a reload). */
  invalidateAll(): void {
    this.#rules.clear();
    this.#rules6.clear();
  }

  /**
   * What an interface's IPv6 socket accepts: its IPv6 vhids' keys and
   * addresses, ff02::12, and in unicast mode the interface's own addresses.
   *
   * @param name Interface name.
   * @returns The rules, or `undefined` for an interface not in use.
   */
  rules6(name: string): InterfaceRules6 | undefined {
    const cached = this.#rules6.get(name);
    if (cached !== undefined) return cached;
    if (!this.#ports.has(name)) return undefined;
    const vhids = new Map<number, VhidRunner["auth"]>();
    const vrids = new Set<number>();
    const destinations = new Set<string>([formatIpv6(CARP6_GROUP)]);
    const link = this.#ctx.links.byName(name);
    for (const r of this.#ctx.vhidsOn(name)) {
      if (!r.config.vips.some((v) => v.family === 6)) continue;
      if (r.config.protocol === "vrrp") vrids.add(r.config.id);
      else vhids.set(r.config.id, r.auth);
      if (r.config.mode === "unicast") {
        for (const a of link?.addresses6 ?? []) {
          destinations.add(formatIpv6(a.address));
        }
      }
    }
    const rules = {
      carp: { vhids, destinations },
      vrrp: { vrids, destinations },
    };
    this.#rules6.set(name, rules);
    return rules;
  }

  /**
   * What an interface's socket accepts: its vhids' keys, its groups, and in
   * unicast mode our own addresses.
   *
   * @param name Interface name.
   * @returns The rules, or `undefined` for an interface not in use.
   */
  rules(name: string): InterfaceRules | undefined {
    const cached = this.#rules.get(name);
    if (cached !== undefined) return cached;
    const port = this.#ports.get(name);
    if (port === undefined) return undefined;
    const vhids = new Map<number, VhidRunner["auth"]>();
    const vrids = new Set<number>();
    const vrids2 = new Map<number, Vrrp2Expect>();
    const destinations = new Set<number>(port.groups);
    for (const r of this.#ctx.vhidsOn(name)) {
      const c = r.config;
      if (c.protocol === "carp") vhids.set(c.id, r.auth);
      else if (c.vrrpVersion === 2) {
        vrids2.set(c.id, {
          intervalS: c.advertIntervalCs / 100,
          authPass: c.authPass,
        });
      } else if (c.vips.some((v) => v.family === 4)) vrids.add(c.id);
      if (r.config.mode === "unicast" && r.source !== null) {
        destinations.add(r.source);
      }
    }
    const rules = {
      carp: { vhids, destinations },
      vrrp: { vrids, destinations },
      vrrp2: { vrids: vrids2, destinations },
    };
    this.#rules.set(name, rules);
    return rules;
  }

  /** Closes every port. */
  closeAll(): void {
    for (const name of [...this.#ports.keys()]) this.drop(name);
  }

  /** Watches exactly the port's open sockets. */
  #watch(port: Port): void {
    for (const fd of this.#watched.get(port.name) ?? []) {
      this.#ctx.loop.unwatch(fd);
    }
    const fds: number[] = [];
    const v4 = port.socket;
    if (v4 !== null) {
      this.#ctx.loop.watch(
        v4.fd,
        () => this.#ctx.receiver.drain(port),
        () => this.#reopen(port),
      );
      fds.push(v4.fd);
    }
    const v6 = port.socket6;
    if (v6 !== null) {
      this.#ctx.loop.watch(
        v6.fd,
        () => this.#ctx.receiver.drain6(port),
        () => this.#reopen(port),
      );
      fds.push(v6.fd);
    }
    this.#watched.set(port.name, fds);
  }

  /** Opens, reopens or closes a port's sockets to match its interface. */
  #sync(port: Port): void {
    const link = this.#ctx.links.byName(port.name);
    let change: ReturnType<Port["sync"]>;
    try {
      change = port.sync(link);
    } catch (e) {
      this.#watch(port);
      this.#ctx.log.error(`interface ${port.name}: ${message(e)}`);
      return;
    }
    if (change === "unchanged") return;
    this.#watch(port);
    const what = change === "opened"
      ? `present (index ${link!.index})`
      : change === "reopened"
      ? `re-created (index ${
        link!.index
      }); socket reopened, groups joined again`
      : "gone";
    this.#ctx.log.info(`interface ${port.name}: ${what}`);
  }

  /** A socket closed under the poll: open it afresh. */
  #reopen(port: Port): void {
    port.close();
    queueMicrotask(() => {
      this.#sync(port);
      const link = this.#ctx.links.byName(port.name);
      for (const r of this.#ctx.vhidsOn(port.name)) r.attach(port, link);
    });
  }

  #monitorReadable(): void {
    const lost = this.#ctx.links.apply(this.#ctx.monitor.events());
    if (lost) this.#resync();
  }

  #resync(): void {
    this.#resyncs++;
    this.#ctx.log.warning(
      "rtnetlink events were lost (the monitor's buffer overflowed); re-reading every link and address",
    );
    this.#ctx.links.resync(this.#ctx.netlink).catch((e) => {
      this.#ctx.log.error(
        `cannot re-read links: ${message(e)}; trying again in 1 s`,
      );
      setTimeout(() => this.#resync(), 1000);
    });
  }

  #changed(c: LinkChange): void {
    const link = this.#ctx.links.byName(c.name);
    if (c.type === "link") this.#ctx.linkChanged(c.name, link?.usable ?? false);
    const port = this.#ports.get(c.name);
    if (port === undefined) return;
    if (c.type === "link") this.#sync(port);
    for (const r of this.#ctx.vhidsOn(c.name)) {
      if (c.type === "address") {
        // Only a vhid without a source, the one whose source went, and the
        // owner of a VIP that went care (our own VIPs going on would
        // otherwise cost every vhid a look, for every one of them).
        if (c.removed) r.addressRemoved(c.address);
        if (typeof c.address === "number") {
          const concerned = c.removed
            ? r.source === c.address
            : r.source === null;
          if (!concerned) continue;
        } else {
          // IPv6: a link-local coming, going, or leaving DAD.
          if (!r.config.vips.some((v) => v.family === 6)) continue;
          if (r.source6 !== null && !c.removed) continue;
          this.#rules6.delete(c.name);
        }
      }
      r.attach(port, link);
    }
  }
}
