/**
 * The simulated network: segments (one per leg), the raw sockets boxes open
 * on them, and delivery with delay, jitter and loss. A packet reaches every
 * other box on its segment whose interface is up, in the sender's
 * partition, whose socket of that family joined the group it was sent to
 * (or whose interface holds the unicast destination). Everything random
 * comes from the seeded source given.
 */

import type { SyscallError } from "../../ffi/errors.ts";
import { Errno, SyscallError as Refusal } from "../../ffi/errors.ts";
import type { SocketPort } from "../../src/daemon/platform.ts";
import { formatIpv6, parseIpv6, type Received } from "../../src/net/mod.ts";
import type { VirtualClock } from "./virtual_clock.ts";

/** How the network behaves now. */
export interface LanConditions {
  /** One-way delay, ms. */
  delayMs: number;
  /** Extra uniform random delay, ms. */
  jitterMs: number;
  /** Probability that one delivery is lost. */
  loss: number;
}

/** Packets a socket keeps before the kernel drops more. */
const SOCKET_QUEUE = 2048;

/** What a box's interface looks like to the LAN. */
export interface Attachment {
  /** The box. */
  box: number;
  /** The interface's name on it. */
  ifname: string;
  /** Whether its carrier is up. */
  up(): boolean;
  /** Whether it holds an address (IPv4 number or IPv6 text). */
  holds(address: number | string): boolean;
}

/** A raw socket on the LAN. */
export class SimSocket<A extends number | Uint8Array> implements SocketPort<A> {
  readonly fd: number;
  readonly family: 4 | 6;
  readonly #lan: Lan;
  readonly at: Attachment;
  readonly groups = new Set<string>();
  readonly #queue: { got: Received; wall: number }[] = [];
  #lastArrival: number | null = null;
  #notify: () => void;
  open = true;

  constructor(
    lan: Lan,
    at: Attachment,
    family: 4 | 6,
    fd: number,
    notify: () => void,
  ) {
    this.#lan = lan;
    this.at = at;
    this.family = family;
    this.fd = fd;
    this.#notify = notify;
  }

  join(group: A): void {
    this.groups.add(key(group));
  }

  leave(group: A): void {
    this.groups.delete(key(group));
  }

  send(
    bytes: Uint8Array,
    destination: A,
    source: A | null,
  ): SyscallError | null {
    if (!this.open) return new Refusal("sendto", "closed socket", Errno.EBADF);
    return this.#lan.send(this, bytes.slice(), key(destination), source);
  }

  receive(): Received | null {
    const item = this.#queue.shift();
    if (item === undefined) return null;
    this.#lastArrival = item.wall;
    return item.got;
  }

  lastArrivalMs(): number | null {
    return this.#lastArrival;
  }

  close(): void {
    this.open = false;
    this.#lan.forget(this);
  }

  /** A packet arrived. */
  deliver(got: Received, wall: number): void {
    if (!this.open || this.#queue.length >= SOCKET_QUEUE) return;
    this.#queue.push({ got, wall });
    this.#notify();
  }

  /** Packets waiting. */
  get waiting(): number {
    return this.#queue.length;
  }
}

/** An address as the LAN keys it: IPv4 numbers, IPv6 text. */
function key(a: number | Uint8Array): string {
  return typeof a === "number" ? `4:${a >>> 0}` : `6:${formatIpv6(a)}`;
}

/** The network. */
export class Lan {
  readonly #clock: VirtualClock;
  readonly #random: () => number;
  readonly #segments = new Map<string, Set<SimSocket<number | Uint8Array>>>();
  readonly #segmentOf = new Map<string, string>();
  /** Partition label of each box (boxes hear their own label only). */
  readonly partition = new Map<number, number>();
  /** Boxes whose outgoing adverts their own firewall drops. */
  readonly firewalled = new Set<number>();
  conditions: LanConditions = { delayMs: 0.2, jitterMs: 0.3, loss: 0 };
  /** When the last packet on each path (sender, family, receiver) lands. */
  readonly #lastOnPath = new Map<string, number>();
  /** Packets put on the wire and delivered. */
  sent = 0;
  delivered = 0;

  /**
   * @param clock The world's clock.
   * @param random The seeded source for loss and jitter.
   */
  constructor(clock: VirtualClock, random: () => number) {
    this.#clock = clock;
    this.#random = random;
  }

  /**
   * Names the segment a box's interface is cabled to.
   *
   * @param box The box.
   * @param ifname Its interface.
   * @param segment The segment.
   */
  cable(box: number, ifname: string, segment: string): void {
    this.#segmentOf.set(`${box}/${ifname}`, segment);
  }

  /**
   * Opens a socket on a box's interface.
   *
   * @param at The interface.
   * @param family The family.
   * @param fd Its descriptor number.
   * @param notify Told when packets arrive.
   * @returns The socket.
   */
  open<A extends number | Uint8Array>(
    at: Attachment,
    family: 4 | 6,
    fd: number,
    notify: () => void,
  ): SimSocket<A> {
    const s = new SimSocket<A>(this, at, family, fd, notify);
    const seg = this.#segmentOf.get(`${at.box}/${at.ifname}`) ?? "none";
    let set = this.#segments.get(seg);
    if (set === undefined) this.#segments.set(seg, set = new Set());
    set.add(s as unknown as SimSocket<number | Uint8Array>);
    return s;
  }

  /** A closed socket leaves its segment. */
  forget(s: SimSocket<number | Uint8Array>): void {
    for (const set of this.#segments.values()) set.delete(s);
  }

  /**
   * Puts a packet on the wire.
   *
   * @param from The sending socket.
   * @param bytes IPv4: the whole packet; IPv6: the payload.
   * @param to The destination's key.
   * @param source IPv6: the source.
   * @returns A refusal when the sender's own firewall drops it.
   */
  send(
    from: SimSocket<number | Uint8Array>,
    bytes: Uint8Array,
    to: string,
    source: number | Uint8Array | null,
  ): SyscallError | null {
    if (this.firewalled.has(from.at.box)) {
      return new Refusal(
        "sendto",
        `raw socket on "${from.at.ifname}"`,
        Errno.EPERM,
      );
    }
    if (!from.at.up()) return null; // into a dead cable
    this.sent++;
    const seg = this.#segmentOf.get(`${from.at.box}/${from.at.ifname}`);
    const peers = this.#segments.get(seg ?? "none") ?? new Set();
    const side = this.partition.get(from.at.box) ?? 0;
    const multicast = to.startsWith("4:")
      ? isMulticast4(to)
      : to.startsWith("6:ff");
    for (const s of peers) {
      if (s === from || s.family !== from.family || s.at.box === from.at.box) {
        continue;
      }
      if ((this.partition.get(s.at.box) ?? 0) !== side || !s.at.up()) continue;
      const reaches = multicast
        ? s.groups.has(to)
        : s.at.holds(to.startsWith("4:") ? Number(to.slice(2)) : to.slice(2));
      if (!reaches) continue;
      const c = this.conditions;
      if (c.loss > 0 && this.#random() < c.loss) continue;
      // One path from a sender to a receiver keeps its packets in order,
      // as a switch does: jitter never overtakes the packet before.
      const path = `${from.at.box}/${from.family}>${s.at.box}`;
      const at = Math.max(
        this.#clock.now() + c.delayMs + this.#random() * c.jitterMs,
        this.#lastOnPath.get(path) ?? 0,
      );
      this.#lastOnPath.set(path, at);
      const delay = at - this.#clock.now();
      const got: Received = from.family === 4
        ? {
          bytes,
          truncated: false,
          source: null,
          hopLimit: null,
          destination: null,
        }
        : {
          bytes,
          truncated: false,
          source: source as Uint8Array,
          hopLimit: 255,
          destination: parse6(to.slice(2)),
        };
      this.#clock.after(delay, () => {
        if (!s.open || !s.at.up()) return;
        if ((this.partition.get(s.at.box) ?? 0) !== side) return;
        this.delivered++;
        s.deliver(got, this.#clock.wallMs());
      });
    }
    return null;
  }

  /**
   * Broadcasts an IPv4 packet as an Ethernet frame (ucarp's broadcast
   * mode): every IPv4 socket on the segment hears it.
   *
   * @param box The sending box.
   * @param ifname Its interface.
   * @param packet The IPv4 packet.
   */
  broadcast(box: number, ifname: string, packet: Uint8Array): void {
    const seg = this.#segmentOf.get(`${box}/${ifname}`);
    const side = this.partition.get(box) ?? 0;
    for (const s of this.#segments.get(seg ?? "none") ?? []) {
      if (s.family !== 4 || s.at.box === box || !s.at.up()) continue;
      if ((this.partition.get(s.at.box) ?? 0) !== side) continue;
      const bytes = packet.slice();
      this.#clock.after(this.conditions.delayMs, () => {
        if (s.open) {
          s.deliver(
            {
              bytes,
              truncated: false,
              source: null,
              hopLimit: null,
              destination: null,
            },
            this.#clock.wallMs(),
          );
        }
      });
    }
  }

  /**
   * Sends raw bytes to every IPv4 socket of a box's interface, as a hostile
   * or broken sender would.
   *
   * @param box The box.
   * @param ifname Its interface.
   * @param packets The packets.
   */
  inject(box: number, ifname: string, packets: Uint8Array[]): void {
    const seg = this.#segmentOf.get(`${box}/${ifname}`);
    for (const s of this.#segments.get(seg ?? "none") ?? []) {
      if (s.at.box !== box || s.family !== 4) continue;
      for (const p of packets) {
        s.deliver(
          {
            bytes: p,
            truncated: false,
            source: null,
            hopLimit: null,
            destination: null,
          },
          this.#clock.wallMs(),
        );
      }
    }
  }
}

function isMulticast4(to: string): boolean {
  const n = Number(to.slice(2));
  return n >>> 28 === 0xe;
}

function parse6(text: string): Uint8Array {
  return parseIpv6(text)!;
}
