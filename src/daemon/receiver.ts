/**
 * The receive side: drains an interface's CARP socket (a bounded number of
 * packets per wake-up, so a flood cannot starve the timers), judges each
 * packet, hands adverts to their vhid, and counts and logs (rate-limited)
 * what it drops.
 * @module
 */

import type { Received6 } from "../../ffi/carp6_socket.ts";
import {
  decodeCarp6,
  decodeCarpPacket,
  type DropReason,
  formatIpv4,
  formatIpv6,
  type Receive6Options,
  type ReceiveOptions,
} from "../carp/mod.ts";
import type { Logger, LogRateLimiter } from "../log.ts";
import { type DropCounts, emptyDrops } from "./counters.ts";
import type { Port } from "./ports.ts";
import type { VhidRunner } from "./vhid_runner.ts";

/** Packets taken from one socket per wake-up, so a flood cannot starve timers. */
export const MAX_PACKETS_PER_WAKE = 256;

/** Drop reasons worth a warning: a misconfigured or hostile peer. */
const LOUD_DROPS: ReadonlySet<DropReason> = new Set([
  "replay",
  "bad_ttl",
  "bad_version",
  "bad_type",
  "bad_checksum",
  "bad_authlen",
  "bad_hmac",
]);

/** What the receiver needs from the daemon. */
export interface ReceiverContext {
  log: Logger;
  limiter: LogRateLimiter;
  now: () => number;
  /** What an interface accepts (its vhids' keys, its destinations). */
  rules: (iface: string) => ReceiveOptions | undefined;
  /** The same over IPv6. */
  rules6: (iface: string) => Receive6Options | undefined;
  /** The vhid of an id on an interface. */
  vhid: (iface: string, id: number) => VhidRunner | undefined;
}

/** Drains sockets and routes adverts. */
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
   * Reads what is waiting on an interface's socket.
   *
   * @param port The interface.
   */
  drain(port: Port): void {
    const socket = port.socket;
    const rules = this.#ctx.rules(port.name);
    if (socket === null || rules === undefined) return;
    for (let i = 0; i < MAX_PACKETS_PER_WAKE; i++) {
      let packet: Uint8Array | null;
      try {
        packet = socket.receive();
      } catch (e) {
        // The interface went away under the socket, or the kernel had an
        // error to report: the link events will follow.
        this.#say(
          port.name,
          "recv",
          "warning",
          e instanceof Error ? e.message : String(e),
        );
        return;
      }
      if (packet === null) return;
      const r = decodeCarpPacket(packet, rules);
      if (!r.ok) {
        this.#dropped(port.name, r.reason, r.source, r.vhid);
        continue;
      }
      const runner = this.#ctx.vhid(port.name, r.advert.vhid);
      if (runner === undefined) continue;
      const verdict = runner.receive(r.source, r.advert);
      if (verdict === "replay") {
        this.#log(port.name, "replay", r.source, r.advert.vhid);
      }
    }
  }

  /**
   * Reads what is waiting on an interface's IPv6 socket.
   *
   * @param port The interface.
   */
  drain6(port: Port): void {
    const socket = port.socket6;
    const rules = this.#ctx.rules6(port.name);
    if (socket === null || rules === undefined) return;
    for (let i = 0; i < MAX_PACKETS_PER_WAKE; i++) {
      let got: Received6 | null;
      try {
        got = socket.receive();
      } catch (e) {
        this.#say(
          port.name,
          "recv6",
          "warning",
          e instanceof Error ? e.message : String(e),
        );
        return;
      }
      if (got === null) return;
      const r = got.truncated
        ? {
          ok: false as const,
          reason: "short" as const,
          source: formatIpv6(got.source),
        }
        : decodeCarp6(got.payload, got, rules);
      if (!r.ok) {
        this.#dropped(port.name, r.reason, r.source, r.vhid);
        continue;
      }
      const runner = this.#ctx.vhid(port.name, r.advert.vhid);
      if (runner === undefined) continue;
      if (runner.receive(r.source, r.advert) === "replay") {
        this.#log(port.name, "replay", r.source, r.advert.vhid);
      }
    }
  }

  #dropped(
    iface: string,
    reason: DropReason,
    source: number | string | undefined,
    vhid: number | undefined,
  ): void {
    const runner = vhid === undefined ? undefined : this.#ctx.vhid(iface, vhid);
    if (runner !== undefined) runner.countDrop(reason);
    else {
      const drops = this.#interfaceDrops.get(iface) ?? emptyDrops();
      this.#interfaceDrops.set(iface, drops);
      drops[reason]++;
    }
    this.#log(iface, reason, source, vhid);
  }

  #log(
    iface: string,
    reason: DropReason,
    source: number | string | undefined,
    vhid: number | undefined,
  ): void {
    const loud = LOUD_DROPS.has(reason);
    if (!loud && !this.#ctx.log.enabled("debug")) return;
    const from = source === undefined
      ? ""
      : ` from ${typeof source === "number" ? formatIpv4(source) : source}`;
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
    const verdict = this.#ctx.limiter.admit(`${iface} ${key}`, this.#ctx.now());
    if (verdict === null) return;
    const text = verdict > 0 ? `${line} (${verdict} similar suppressed)` : line;
    if (level === "warning") this.#ctx.log.warning(text);
    else this.#ctx.log.debug(text);
  }
}
