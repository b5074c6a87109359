/**
 * The receive side: drains an interface's socket of either family (a
 * bounded number of packets per wake-up, so a flood cannot starve the
 * timers), has each packet judged by the wire (`src/wire/`), hands adverts
 * to their vhid, and counts and logs (rate-limited) what is dropped.
 * Nothing here knows a protocol or a family.
 * @module
 */

import { errorMessage } from "../errors.ts";
import { type Logger, logLimited, type LogRateLimiter } from "../log.ts";
import { formatPeer, type PeerAddress, type Received } from "../net/mod.ts";
import {
  type AnyDropReason,
  classify,
  type DroppedPacket,
  type FamilyAccept,
  type HeardAdvert,
} from "../wire/mod.ts";
import type { Clock } from "./clock.ts";
import { type DropCounts, emptyDrops } from "./counters.ts";

/** Packets taken from one socket per wake-up, so a flood cannot starve timers. */
export const MAX_PACKETS_PER_WAKE = 256;

/** Drop reasons worth a warning: a misconfigured or hostile peer. */
const LOUD_DROPS: ReadonlySet<AnyDropReason> = new Set([
  "replay",
  "bad_ttl",
  "bad_version",
  "bad_type",
  "bad_checksum",
  "bad_authlen",
  "bad_hmac",
  "bad_length",
  "bad_count",
  "bad_interval",
]);

/** What a socket failing to read is logged under, by family. */
const RECEIVE_KEY = { 4: "recv", 6: "recv6" } as const;

/** A vhid as the receiver hands it adverts. */
export interface ReceivingVhid {
  /**
   * An authenticated advert for it.
   *
   * @returns `accepted`, or why its admission refused it.
   */
  receive(
    heard: HeardAdvert,
    arrivedAt: number,
  ): "accepted" | "copy" | AnyDropReason;
  /**
   * Counts a dropped packet that named it.
   *
   * @returns The reason it counts under.
   */
  dropped(
    drop: { reason: AnyDropReason; source?: PeerAddress; counter?: bigint },
    arrivedAt: number,
  ): AnyDropReason | Promise<AnyDropReason>;
}

/** A socket the receiver reads. */
export interface ReadableSocket {
  /** One waiting packet, or `null`; throws when the socket fails. */
  receive(): Received | null;
  /** When the packet read last arrived (wall clock, ms), if the kernel said. */
  lastArrivalMs(): number | null;
}

/** What the receiver needs from the daemon. */
export interface ReceiverContext {
  log: Logger;
  limiter: LogRateLimiter;
  clock: Clock;
  /** What an interface accepts over a family, `undefined` when not in use. */
  accept: (iface: string, family: 4 | 6) => FamilyAccept | undefined;
  /** The vhid of an id on an interface. */
  vhid: (iface: string, id: number) => ReceivingVhid | undefined;
}

/** Drains sockets and delivers verdicts. */
export class Receiver {
  readonly #ctx: ReceiverContext;
  readonly #interfaceDrops = new Map<string, DropCounts>();

  constructor(ctx: ReceiverContext) {
    this.#ctx = ctx;
  }

  /** Drops of packets for no vhid of ours, by interface. */
  interfaceDrops(name: string): DropCounts {
    return this.#interfaceDrops.get(name) ?? emptyDrops();
  }

  /**
   * Reads what is waiting on one of an interface's sockets: at most
   * {@linkcode MAX_PACKETS_PER_WAKE} packets, each judged and delivered.
   *
   * @param iface The interface.
   * @param family The socket's family.
   * @param socket The socket.
   */
  drain(iface: string, family: 4 | 6, socket: ReadableSocket): void {
    const accept = this.#ctx.accept(iface, family);
    if (accept === undefined) return;
    for (let i = 0; i < MAX_PACKETS_PER_WAKE; i++) {
      let got: Received | null;
      try {
        got = socket.receive();
      } catch (e) {
        // The interface went away under the socket, or the kernel had an
        // error to report: the link events will follow.
        this.#say(iface, RECEIVE_KEY[family], "warning", errorMessage(e));
        return;
      }
      if (got === null) return;
      const verdict = classify(family, got, accept);
      if (!verdict.ok) {
        this.#dropped(iface, verdict, socket);
        continue;
      }
      const vhid = this.#ctx.vhid(iface, verdict.vhid);
      if (vhid === undefined) continue;
      const refused = vhid.receive(verdict, this.#arrivedAt(socket));
      // Refused by the vhid itself: replay protection, a checksum dialect
      // the sender does not use, a key whose roll-out window has closed.
      // The second copy of an advert sent under two keys goes quietly.
      if (refused !== "accepted" && refused !== "copy") {
        this.#log(iface, refused, verdict.source, verdict.vhid);
      }
    }
  }

  /**
   * When the packet read last arrived, on the daemon's clock: the kernel's
   * stamp (wall clock) moved back by its age, or now when there is none.
   */
  #arrivedAt(socket: ReadableSocket): number {
    const clock = this.#ctx.clock;
    const now = clock.now();
    const stamp = socket.lastArrivalMs();
    if (stamp === null) return now;
    const age = clock.wallMs() - stamp;
    // A wall clock stepped meanwhile gives nonsense: take now.
    return age >= 0 && age < 60_000 ? now - age : now;
  }

  #dropped(iface: string, drop: DroppedPacket, socket: ReadableSocket): void {
    const id = drop.vhid;
    const vhid = id === undefined ? undefined : this.#ctx.vhid(iface, id);
    let reason = drop.reason;
    if (vhid !== undefined) {
      const judged = vhid.dropped(drop, this.#arrivedAt(socket));
      if (typeof judged !== "string") {
        // A copy under another key, or not: said once the vhid knows.
        void judged.then((r) => this.#log(iface, r, drop.source, id));
        return;
      }
      reason = judged;
    } else {
      const drops = this.#interfaceDrops.get(iface) ?? emptyDrops();
      this.#interfaceDrops.set(iface, drops);
      drops[reason]++;
    }
    this.#log(iface, reason, drop.source, id);
  }

  #log(
    iface: string,
    reason: AnyDropReason,
    source: PeerAddress | undefined,
    vhid: number | undefined,
  ): void {
    const loud = LOUD_DROPS.has(reason);
    if (!loud && !this.#ctx.log.enabled("debug")) return;
    const from = source === undefined ? "" : ` from ${formatPeer(source)}`;
    const what = `${iface}: dropped packet${from}${
      vhid === undefined ? "" : ` (vhid ${vhid})`
    }: ${reason}`;
    this.#say(iface, reason, loud ? "warning" : "debug", what);
  }

  #say(
    iface: string,
    key: string,
    level: "warning" | "debug",
    line: string,
  ): void {
    logLimited(
      this.#ctx.log,
      this.#ctx.limiter,
      `${iface} ${key}`,
      this.#ctx.clock.now(),
      level,
      line,
    );
  }
}
