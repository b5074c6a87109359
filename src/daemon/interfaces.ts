/**
 * The interfaces the vhids use: one socket of each family they need (a
 * {@linkcode Port}), opened, reopened and closed as rtnetlink says the
 * interface appears, is re-created or goes; link and address changes
 * routed to the vhids that care; and what each interface accepts, built by
 * the wire (`src/wire/accept.ts`) from its vhids and kept until something
 * it depends on changes.
 * @module
 */

import { errorMessage } from "../errors.ts";
import type { LinkAddress } from "../fsm/mod.ts";
import type { Logger } from "../log.ts";
import {
  type FamilyAccept,
  type InterfaceAccept,
  interfaceAccept,
  type WireEntry,
} from "../wire/mod.ts";
import type { Clock } from "./clock.ts";
import type { Link, LinkChange, Links } from "./links.ts";
import type { LoopPort, MonitorPort, NetlinkPort } from "./platform.ts";
import { Port, type SocketOpener } from "./ports.ts";
import type { ReadableSocket } from "./receiver.ts";
import type { SocketsView } from "./transmit.ts";

/** How long to wait before reading links again after a failed resync. */
const RESYNC_RETRY_MS = 1000;

/** A vhid as its interface sees it. */
export interface InterfaceVhid {
  /** What it asks its interface to accept. */
  readonly wire: WireEntry;
  /** Its multicast group (IPv4). */
  readonly config: { readonly group: number };
  /** Tells it of its interface. */
  attach(sockets: SocketsView, link: Link | null): void;
  /**
   * An address of its interface came or went.
   *
   * @returns Whether it wants to be attached again.
   */
  addressChanged(address: LinkAddress, removed: boolean): boolean;
}

/** What the interfaces need from the daemon. */
export interface InterfacesContext {
  log: Logger;
  clock: Clock;
  loop: Pick<LoopPort, "watch" | "unwatch">;
  links: Links;
  /** How ports open their sockets. */
  sockets: SocketOpener;
  /** The rtnetlink request socket, to re-read everything after lost events. */
  netlink: Pick<NetlinkPort, "links" | "addresses">;
  /** The rtnetlink monitor. */
  monitor: Pick<MonitorPort, "fd" | "events">;
  /** Reads a socket that became readable. */
  drain: (iface: string, family: 4 | 6, socket: ReadableSocket) => void;
  /** The vhids on an interface. */
  vhidsOn: (name: string) => InterfaceVhid[];
  /** A link changed state (for tracked interfaces). */
  linkChanged: (name: string, usable: boolean) => void;
  /** The monitor was closed: nothing can be followed any more. */
  fatal: (e: Error) => void;
}

/** The interfaces in use. */
export class Interfaces {
  readonly #ctx: InterfacesContext;
  readonly #ports = new Map<string, Port>();
  readonly #accept = new Map<string, InterfaceAccept>();
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
      port = new Port(name, this.#ctx.sockets);
      this.#ports.set(name, port);
      this.#sync(port);
    }
    return port;
  }

  /** The link of a name now, or `null` when it is missing. */
  link(name: string): Link | null {
    return this.#ctx.links.byName(name);
  }

  /**
   * Makes sure an interface's port has what a vhid needs: its IPv4 group,
   * and a socket of each family of its VIPs. May throw (setsockopt,
   * socket).
   *
   * @param name The interface.
   * @param group The vhid's IPv4 group.
   * @param families The families of its VIPs.
   */
  prepare(name: string, group: number, families: ReadonlySet<4 | 6>): void {
    const port = this.portOf(name);
    if (port.want(group, families)) this.#watch(port);
  }

  /** Whether a port exists for this interface. */
  has(name: string): boolean {
    return this.#ports.has(name);
  }

  /**
   * After a reload: closes ports no vhid uses, and leaves the groups and
   * families no vhid of a port uses.
   */
  prune(): void {
    for (const [name, port] of this.#ports) {
      const users = this.#ctx.vhidsOn(name);
      if (users.length === 0) this.drop(name);
      else {
        port.retain(
          new Set(users.map((r) => r.config.group)),
          new Set(users.flatMap((r) => [...r.wire.families])),
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
    this.#accept.delete(name);
  }

  /** What a vhid's acceptance depends on changed. */
  invalidate(name: string): void {
    this.#accept.delete(name);
  }

  /** Forgets everything accepted (after a reload). */
  invalidateAll(): void {
    this.#accept.clear();
  }

  /**
   * What an interface accepts over a family: its vhids' keys and ids, the
   * groups it joined, and in unicast mode its own addresses.
   *
   * @param name Interface name.
   * @param family The socket's family.
   * @returns The tables, or `undefined` for an interface not in use.
   */
  accept(name: string, family: 4 | 6): FamilyAccept | undefined {
    let tables = this.#accept.get(name);
    if (tables === undefined) {
      const port = this.#ports.get(name);
      if (port === undefined) return undefined;
      tables = interfaceAccept(
        this.#ctx.vhidsOn(name).map((r) => r.wire),
        port.groups,
        this.#ctx.links.byName(name),
      );
      this.#accept.set(name, tables);
    }
    return tables[family];
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
    for (const { family, socket } of port.sockets()) {
      this.#ctx.loop.watch(
        socket.fd,
        () => this.#ctx.drain(port.name, family, socket),
        () => this.#reopen(port),
      );
      fds.push(socket.fd);
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
      this.#ctx.log.error(`interface ${port.name}: ${errorMessage(e)}`);
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
        `cannot re-read links: ${errorMessage(e)}; trying again in 1 s`,
      );
      this.#ctx.clock.after(RESYNC_RETRY_MS, () => this.#resync());
    });
  }

  #changed(c: LinkChange): void {
    const link = this.#ctx.links.byName(c.name);
    if (c.type === "link") this.#ctx.linkChanged(c.name, link?.usable ?? false);
    const port = this.#ports.get(c.name);
    if (port === undefined) return;
    if (c.type === "link") this.#sync(port);
    // Unicast adverts may be sent to any of our addresses.
    else this.#accept.delete(c.name);
    for (const r of this.#ctx.vhidsOn(c.name)) {
      // Only a vhid whose source may move, and the owner of a VIP that went,
      // care (our own VIPs going on would otherwise cost every vhid a look,
      // for every one of them).
      if (c.type === "address" && !r.addressChanged(c.address, c.removed)) {
        continue;
      }
      r.attach(port, link);
    }
  }
}
