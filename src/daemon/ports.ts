/**
 * The CARP sockets of an interface in use, IPv4 and (when a vhid there has
 * IPv6 VIPs) IPv6, following the interface through its life: opened when
 * it appears, closed when it goes, reopened (and the groups joined again)
 * when it is re-created with a new index.
 * @module
 */

import { errorMessage } from "../errors.ts";
import { CARP6_GROUP } from "../net/mod.ts";
import type { Link } from "./links.ts";
import type { Platform, SocketPort } from "./platform.ts";

/** How a port opens its sockets. */
export type SocketOpener = Pick<Platform, "openSocket4" | "openSocket6">;

/** The sockets of one interface, while the interface exists. */
export class Port {
  /** The interface's name. */
  readonly name: string;
  readonly #open: SocketOpener;
  #socket: SocketPort<number> | null = null;
  #socket6: SocketPort<Uint8Array> | null = null;
  #index = 0;
  readonly #groups = new Set<number>();
  #wants6 = false;
  /** Why the last open failed, or `null`. */
  #error: string | null = null;

  /**
   * A port, closed until its interface is there.
   *
   * @param name The interface's name.
   * @param open How it opens sockets.
   */
  constructor(name: string, open: SocketOpener) {
    this.name = name;
    this.#open = open;
  }

  /** The IPv4 socket, or `null` while the interface is missing. */
  get socket(): SocketPort<number> | null {
    return this.#socket;
  }

  /** The IPv6 socket, or `null` when missing or not wanted. */
  get socket6(): SocketPort<Uint8Array> | null {
    return this.#socket6;
  }

  /** Whether the port is open (its interface is there and took a socket). */
  get open(): boolean {
    return this.#socket !== null;
  }

  /**
   * Whether the socket of a family is open.
   *
   * @param family The family.
   * @returns `true` when open.
   */
  has(family: 4 | 6): boolean {
    return (family === 4 ? this.#socket : this.#socket6) !== null;
  }

  /** The index the sockets are bound to (0 when closed). */
  get index(): number {
    return this.#index;
  }

  /** Why the sockets could not be opened last time, if they could not. */
  get error(): string | null {
    return this.#error;
  }

  /** The IPv4 groups joined (or to join when it opens). */
  get groups(): ReadonlySet<number> {
    return this.#groups;
  }

  /**
   * Makes the port serve a vhid: its IPv4 group joined (now, or when the
   * socket opens), and an IPv6 socket (member of ff02::12) when it has
   * IPv6 VIPs.
   *
   * @param group The vhid's IPv4 group.
   * @param families The families of its VIPs.
   * @returns Whether a socket was opened (the loop must watch it).
   * @throws {SyscallError} When a group cannot be joined or the socket
   *   cannot be opened.
   */
  want(group: number, families: ReadonlySet<4 | 6>): boolean {
    if (!this.#groups.has(group)) {
      this.#socket?.join(group);
      this.#groups.add(group);
    }
    if (!families.has(6) || this.#wants6) return false;
    this.#wants6 = true;
    if (this.#socket === null || this.#socket6 !== null) return false;
    this.#socket6 = this.#open.openSocket6({
      ifname: this.name,
      ifindex: this.#index,
      groups: [CARP6_GROUP],
    });
    return true;
  }

  /**
   * Leaves every IPv4 group not in `wanted`, and closes the IPv6 socket
   * when no vhid here has IPv6 VIPs any more (after a reload).
   *
   * @param wanted The IPv4 groups still in use.
   * @param families The families the vhids here still have.
   */
  retain(wanted: ReadonlySet<number>, families: ReadonlySet<4 | 6>): void {
    for (const g of [...this.#groups]) {
      if (wanted.has(g)) continue;
      this.#groups.delete(g);
      try {
        this.#socket?.leave(g);
      } catch {
        // a membership the kernel no longer has
      }
    }
    if (!families.has(6)) {
      this.#wants6 = false;
      this.#socket6?.close();
      this.#socket6 = null;
    }
  }

  /** The open sockets, each with its family. */
  sockets(): (
    | { family: 4; socket: SocketPort<number> }
    | { family: 6; socket: SocketPort<Uint8Array> }
  )[] {
    const out: (
      | { family: 4; socket: SocketPort<number> }
      | { family: 6; socket: SocketPort<Uint8Array> }
    )[] = [];
    if (this.#socket !== null) out.push({ family: 4, socket: this.#socket });
    if (this.#socket6 !== null) out.push({ family: 6, socket: this.#socket6 });
    return out;
  }

  /**
   * Brings the sockets in line with the interface.
   *
   * @param link The interface now, or `null` when it is missing.
   * @returns What changed: `opened`, `closed`, `reopened` (new index), or
   *   `unchanged`.
   * @throws {SyscallError} When a socket cannot be opened (the port stays
   *   closed and remembers why).
   */
  sync(link: Link | null): "opened" | "closed" | "reopened" | "unchanged" {
    if (link === null) {
      if (this.#socket === null) return "unchanged";
      this.close();
      return "closed";
    }
    if (this.#socket !== null && this.#index === link.index) return "unchanged";
    const reopening = this.#socket !== null;
    this.close();
    try {
      this.#socket = this.#open.openSocket4({
        ifname: link.name,
        ifindex: link.index,
        groups: [...this.#groups],
      });
      if (this.#wants6) {
        this.#socket6 = this.#open.openSocket6({
          ifname: link.name,
          ifindex: link.index,
          groups: [CARP6_GROUP],
        });
      }
      this.#index = link.index;
      this.#error = null;
    } catch (e) {
      this.close();
      this.#error = errorMessage(e);
      throw e;
    }
    return reopening ? "reopened" : "opened";
  }

  /** Closes the sockets; the groups are kept for the next open. */
  close(): void {
    this.#socket?.close();
    this.#socket6?.close();
    this.#socket = null;
    this.#socket6 = null;
    this.#index = 0;
  }
}
