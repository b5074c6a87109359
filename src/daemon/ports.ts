/**
 * The CARP sockets, one per interface name in use, following the interface
 * through its life: opened when it appears, closed when it goes, reopened
 * (and the groups joined again) when it is re-created with a new index.
 * @module
 */

import { CarpSocket } from "../../ffi/carp_socket.ts";
import type { Link } from "./links.ts";

/** The socket of one interface, while the interface exists. */
export class Port {
  readonly name: string;
  #socket: CarpSocket | null = null;
  #index = 0;
  readonly #groups = new Set<number>();
  /** Why the last open failed, or `null`. */
  #error: string | null = null;

  constructor(name: string) {
    this.name = name;
  }

  /** The open socket, or `null` while the interface is missing. */
  get socket(): CarpSocket | null {
    return this.#socket;
  }

  /** The index the socket is bound to (0 when closed). */
  get index(): number {
    return this.#index;
  }

  /** Why the socket could not be opened last time, if it could not. */
  get error(): string | null {
    return this.#error;
  }

  /** The groups joined (or to join when it opens). */
  get groups(): ReadonlySet<number> {
    return this.#groups;
  }

  /**
   * Joins a group now, or when the socket opens.
   *
   * @param group A multicast group.
   */
  join(group: number): void {
    if (this.#groups.has(group)) return;
    this.#socket?.join(group, this.#index);
    this.#groups.add(group);
  }

  /**
   * Leaves every group not in `wanted` (after a reload removed its vhids).
   *
   * @param wanted The groups still in use.
   */
  retain(wanted: ReadonlySet<number>): void {
    for (const g of [...this.#groups]) {
      if (wanted.has(g)) continue;
      this.#groups.delete(g);
      try {
        this.#socket?.leave(g, this.#index);
      } catch {
        // a membership the kernel no longer has
      }
    }
  }

  /**
   * Brings the socket in line with the interface.
   *
   * @param link The interface now, or `null` when it is missing.
   * @returns What changed: `opened`, `closed`, `reopened` (new index), or
   *   `unchanged`.
   * @throws {SyscallError} When the socket cannot be opened (the port stays
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
      this.#socket = CarpSocket.open({
        ifname: link.name,
        ifindex: link.index,
        groups: [...this.#groups],
      });
      this.#index = link.index;
      this.#error = null;
    } catch (e) {
      this.#error = e instanceof Error ? e.message : String(e);
      throw e;
    }
    return reopening ? "reopened" : "opened";
  }

  /** Closes the socket; the groups are kept for the next open. */
  close(): void {
    this.#socket?.close();
    this.#socket = null;
    this.#index = 0;
  }
}
