/**
 * The CARP sockets of an interface in use, IPv4 and (when a vhid there has
 * IPv6 VIPs) IPv6, following the interface through its life: opened when
 * it appears, closed when it goes, reopened (and the groups joined again)
 * when it is re-created with a new index.
 * @module
 */

import { RawSocket } from "../../ffi/raw_socket.ts";
import { CARP6_GROUP } from "../carp/mod.ts";
import type { Link } from "./links.ts";

/** The sockets of one interface, while the interface exists. */
export class Port {
  /** The interface's name. */
  readonly name: string;
  #socket: RawSocket<4> | null = null;
  #socket6: RawSocket<6> | null = null;
  #index = 0;
  readonly #groups = new Set<number>();
  #wants6 = false;
  /** Why the last open failed, or `null`. */
  #error: string | null = null;

  constructor(name: string) {
    this.name = name;
  }

  /** The IPv4 socket, or `null` while the interface is missing. */
  get socket(): RawSocket<4> | null {
    return this.#socket;
  }

  /** The IPv6 socket, or `null` when missing or not wanted. */
  get socket6(): RawSocket<6> | null {
    return this.#socket6;
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

  /** Whether a vhid here speaks IPv6. */
  get wants6(): boolean {
    return this.#wants6;
  }

  /**
   * Joins an IPv4 group now, or when the socket opens.
   *
   * @param group A multicast group.
   */
  join(group: number): void {
    if (this.#groups.has(group)) return;
    this.#socket?.join(group);
    this.#groups.add(group);
  }

  /**
   * Opens the IPv6 socket (member of ff02::12) now if the interface
   * exists, or when it appears.
   */
  join6(): void {
    if (this.#wants6) return;
    this.#wants6 = true;
    if (this.#socket !== null && this.#socket6 === null) {
      this.#socket6 = RawSocket.open({
        family: 6,
        ifname: this.name,
        ifindex: this.#index,
        groups: [CARP6_GROUP],
      });
    }
  }

  /**
   * Leaves every IPv4 group not in `wanted`, and closes the IPv6 socket
   * unless `keep6` (after a reload removed vhids).
   *
   * @param wanted The IPv4 groups still in use.
   * @param keep6 Whether a vhid here still speaks IPv6.
   */
  retain(wanted: ReadonlySet<number>, keep6: boolean): void {
    for (const g of [...this.#groups]) {
      if (wanted.has(g)) continue;
      this.#groups.delete(g);
      try {
        this.#socket?.leave(g);
      } catch {
        // a membership the kernel no longer has
      }
    }
    if (!keep6) {
      this.#wants6 = false;
      this.#socket6?.close();
      this.#socket6 = null;
    }
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
      this.#socket = RawSocket.open({
        family: 4,
        ifname: link.name,
        ifindex: link.index,
        groups: [...this.#groups],
      });
      if (this.#wants6) {
        this.#socket6 = RawSocket.open({
          family: 6,
          ifname: link.name,
          ifindex: link.index,
          groups: [CARP6_GROUP],
        });
      }
      this.#index = link.index;
      this.#error = null;
    } catch (e) {
      this.close();
      this.#error = e instanceof Error ? e.message : String(e);
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
