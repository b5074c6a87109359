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
  formatIpv4,
  formatIpv6,
} from "../carp/mod.ts";
import type { Logger, LogRateLimiter } from "../log.ts";
import {
  decodeVrrp2Packet,
  decodeVrrp4Packet,
  decodeVrrp6,
} from "../vrrp/mod.ts";
import { type AnyDropReason, type DropCounts, emptyDrops } from "./counters.ts";
import type { InterfaceRules, InterfaceRules6 } from "./interfaces.ts";
import type { Port } from "./ports.ts";
import type { VhidRunner } from "./vhid_runner.ts";

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

/** VRRPv3 adverts start with 0x31 (version 3, type 1); CARP with 0x21. */
const VRRP_VERSION_NIBBLE = 3;

/**
 * Whether an IPv4 packet that starts like CARP (version 2, type 1) is
 * VRRPv2: only its VRID, one of our VRRPv2 vhids, can tell.
 */
function isVrrp2For(packet: Uint8Array, rules: InterfaceRules): boolean {
  if (rules.vrrp2.vrids.size === 0) return false;
  const ihl = ((packet[0] ?? 0) & 0x0f) * 4;
  return packet.length > ihl + 1 && rules.vrrp2.vrids.has(packet[ihl + 1]!);
}

/**
 * A VRRPv3 packet naming the id of one of our CARP vhids: a peer speaking
 * the other protocol (or a broken one), which that vhid counts as
 * `bad_version`, out loud, rather than as a packet for somebody else.
 */
function wrongProtocol(
  r: { reason: string; vrid?: number },
  carpVhids: ReadonlyMap<number, unknown>,
): boolean {
  return r.reason === "wrong_vhid" && r.vrid !== undefined &&
    carpVhids.has(r.vrid);
}

/** Whether an IPv4 packet carries VRRPv3 rather than CARP. */
function isVrrp4(packet: Uint8Array): boolean {
  const ihl = ((packet[0] ?? 0) & 0x0f) * 4;
  return packet.length > ihl && packet[ihl]! >> 4 === VRRP_VERSION_NIBBLE;
}

/** What the receiver needs from the daemon. */
export interface ReceiverContext {
  log: Logger;
  limiter: LogRateLimiter;
  now: () => number;
  /** What an interface accepts (its vhids' keys, its destinations). */
  rules: (iface: string) => InterfaceRules | undefined;
  /** The same over IPv6. */
  rules6: (iface: string) => InterfaceRules6 | undefined;
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
      if (isVrrp4(packet)) {
        this.#vrrp4(port.name, packet, rules);
        continue;
      }
      if (isVrrp2For(packet, rules)) {
        this.#vrrp2(port.name, packet, rules);
        continue;
      }
      const r = decodeCarpPacket(packet, rules.carp);
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
      if (!got.truncated && got.payload[0]! >> 4 === VRRP_VERSION_NIBBLE) {
        this.#vrrp6(port.name, got, rules);
        continue;
      }
      const r = got.truncated
        ? {
          ok: false as const,
          reason: "short" as const,
          source: formatIpv6(got.source),
        }
        : decodeCarp6(got.payload, got, rules.carp);
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

  #vrrp4(iface: string, packet: Uint8Array, rules: InterfaceRules): void {
    const r = decodeVrrp4Packet(packet, rules.vrrp);
    if (!r.ok) {
      this.#dropped(
        iface,
        wrongProtocol(r, rules.carp.vhids) ? "bad_version" : r.reason,
        r.source,
        r.vrid,
      );
      return;
    }
    const verdict = this.#ctx.vhid(iface, r.advert.vrid)?.receiveVrrp(
      r.source,
      r.advert,
      r.dialect,
    );
    if (verdict === "bad_checksum") {
      this.#log(iface, "bad_checksum", r.source, r.advert.vrid);
    }
  }

  #vrrp2(iface: string, packet: Uint8Array, rules: InterfaceRules): void {
    const r = decodeVrrp2Packet(packet, rules.vrrp2);
    if (!r.ok) {
      this.#dropped(iface, r.reason, r.source, r.vrid);
      return;
    }
    this.#ctx.vhid(iface, r.advert.vrid)?.receiveVrrp(r.source, r.advert, null);
  }

  #vrrp6(iface: string, got: Received6, rules: InterfaceRules6): void {
    const r = decodeVrrp6(got.payload, got, rules.vrrp);
    if (!r.ok) {
      this.#dropped(
        iface,
        wrongProtocol(r, rules.carp.vhids) ? "bad_version" : r.reason,
        r.source,
        r.vrid,
      );
      return;
    }
    this.#ctx.vhid(iface, r.advert.vrid)?.receiveVrrp(r.source, r.advert, null);
  }

  #dropped(
    iface: string,
    reason: AnyDropReason,
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
    reason: AnyDropReason,
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
