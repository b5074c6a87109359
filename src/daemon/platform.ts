/**
 * What the shell takes from the operating system, as ports: the clock and
 * timers, the receive loop, rtnetlink (links, addresses, their events),
 * the raw sockets of each family, the packet socket, and processes. The
 * daemon is composed over a {@linkcode Platform}: the machine's in
 * production (`system_platform.ts`), a simulated LAN's in the simulator.
 * @module
 */

import type { SyscallError } from "../../ffi/errors.ts";
import type { AddressInfo, LinkInfo, NetlinkEvent } from "../../ffi/netlink.ts";
import type { Spawner } from "../hooks/mod.ts";
import type { Received } from "../net/mod.ts";
import type { Clock } from "./clock.ts";
import type { FrameSender } from "./vip_addresses.ts";
import type { ThreadScheduler } from "./timing/mod.ts";
import type { TimerQueue } from "./timers.ts";

/** An interface as address requests name it. */
export interface LinkRef {
  /** Its index. */
  index: number;
  /** Its name, for messages. */
  name: string;
}

/** An address with its family and prefix length, as netlink takes it. */
export type PrefixedAddress =
  | { family: 4; address: number; prefix: number }
  | { family: 6; address: Uint8Array; prefix: number };

/** The rtnetlink request socket. */
export interface NetlinkPort {
  /** Every link. */
  links(): Promise<LinkInfo[]>;
  /** Every address. */
  addresses(): Promise<AddressInfo[]>;
  /** Adds an address; `false` when it was already there. */
  addAddress(
    link: LinkRef,
    address: PrefixedAddress,
    label: string | null,
  ): Promise<boolean>;
  /** Removes an address; `false` when it was not there. */
  removeAddress(link: LinkRef, address: PrefixedAddress): Promise<boolean>;
  /** Requests still waiting for their reply. */
  readonly waiting: number;
  /** Closes the socket. */
  close(): void;
}

/** The rtnetlink monitor: link and address events. */
export interface MonitorPort {
  /** What the loop watches. */
  readonly fd: number;
  /** The events waiting, oldest first. */
  events(): NetlinkEvent[];
  /** Test hook: shrinks the receive buffer (events are then lost). */
  setReceiveBuffer(bytes: number): void;
  /** Closes the socket. */
  close(): void;
}

/** The packet socket: Ethernet frames out. */
export interface FramePort extends FrameSender {
  /** Closes the socket. */
  close(): void;
}

/** A raw socket of one family on one interface. */
export interface SocketPort<A> {
  /** What the loop watches. */
  readonly fd: number;
  /** Joins a multicast group. */
  join(group: A): void;
  /** Leaves it. */
  leave(group: A): void;
  /** Sends one packet (IPv4: whole; IPv6: the payload, from `source`). */
  send(
    bytes: Uint8Array,
    destination: A,
    source: A | null,
  ): SyscallError | null;
  /** One waiting packet, or `null`. */
  receive(): Received | null;
  /** When the packet read last arrived (wall clock), if the kernel said. */
  lastArrivalMs(): number | null;
  /** Closes the socket. */
  close(): void;
}

/** Where a socket lives. */
export interface SocketPlace<A> {
  /** Interface name. */
  ifname: string;
  /** Its index. */
  ifindex: number;
  /** Groups to join. */
  groups: readonly A[];
}

/** The receive loop: readiness of descriptors, and the protocol timers. */
export interface LoopPort {
  /** The protocol timers it fires. */
  readonly timers: Pick<TimerQueue, "at">;
  /** Reads `fd` whenever it is readable; `onInvalid` if it was closed under it. */
  watch(fd: number, onReadable: () => void, onInvalid?: () => void): void;
  /** Stops reading `fd`. */
  unwatch(fd: number): void;
  /** Runs until {@linkcode stop}; throws what a handler throws. */
  run(): Promise<void>;
  /** Makes `run` return after the current turn. */
  stop(): void;
  /** Test hook: runs `f` inside the next turn. */
  inject(f: () => void): void;
  /** Test hook: serves no socket for `ms` (timers go on). */
  stall(ms: number): void;
  /** Releases what the loop itself holds. */
  close(): void;
}

/** What the loop tells the outside about its health. */
export interface LoopObserver {
  /** A poll came back and its ready descriptors were serviced. */
  turned(): void;
}

/** Small files that outlive the process, not the boot (`/run`). */
export interface RuntimeFiles {
  /**
   * Reads a file.
   * @returns Its text, or `null` when there is none.
   */
  read(path: string): string | null;
  /** Replaces a file whole (atomically); throws with what failed. */
  write(path: string, text: string): void;
}

/** Everything the shell takes from the system. */
export interface Platform {
  /** The loop (made first: the clock's precise timers are its). */
  readonly loop: LoopPort;
  /** Time, dates, randomness, timers. */
  readonly clock: Clock;
  /** How hooks and checks run. */
  readonly spawn: Spawner;
  /** The rtnetlink request socket. */
  openNetlink(): NetlinkPort;
  /** The rtnetlink monitor (links, IPv4 and IPv6 addresses). */
  openMonitor(): MonitorPort;
  /** The packet socket. */
  openFrames(): FramePort;
  /** An IPv4 raw socket, protocol 112, on one interface. */
  openSocket4(place: SocketPlace<number>): SocketPort<number>;
  /** An IPv6 raw socket, next header 112, on one interface. */
  openSocket6(place: SocketPlace<Uint8Array>): SocketPort<Uint8Array>;
  /** The process's threads, for realtime scheduling. */
  readonly threads: ThreadScheduler;
  /** Files under `/run` (the ledger of added addresses). */
  readonly files: RuntimeFiles;
}
