/**
 * The receive side: drains an interface's CARP socket (a bounded number of
 * packets per wake-up, so a flood cannot starve the timers), judges each
 * packet, hands adverts to their vhid, and counts and logs (rate-limited)
 * what it drops.
 * @module
 */

import type { Received } from "../../ffi/raw_socket.ts";
import {
  type Advert,
  decodeCarp6,
  decodeCarpPacket,
  formatIpv4,
  formatIpv6,
} from "../carp/mod.ts";
import type { Logger, LogRateLimiter } from "../log.ts";
import {
  type ChecksumDialect,
  decodeVrrp2Packet,
  decodeVrrp4Packet,
  decodeVrrp6,
  type VrrpAdvert,
  type VrrpDropReason,
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

/** A packet judged: dropped with its reason, or an advert for a vhid. */
type Judged =
  | {
    ok: false;
    reason: AnyDropReason;
    source?: number | string | undefined;
    vhid?: number | undefined;
  }
  | (
    & { ok: true; source: number | string; id: number }
    & (
      | { carp: Advert; vrrp?: undefined }
      | {
        carp?: undefined;
        vrrp: VrrpAdvert;
        dialect: ChecksumDialect | null;
      }
    )
  );

/** A VRRP decoder's verdict as the receiver delivers it. */
function fromVrrp(
  r:
    | { ok: true; advert: VrrpAdvert; source: number | string }
    | {
      ok: false;
      reason: VrrpDropReason;
      source?: number | string;
      vrid?: number;
    },
  carpVhids: ReadonlyMap<number, unknown>,
  dialect: ChecksumDialect | null,
): Judged {
  if (!r.ok) {
    return {
      ok: false,
      reason: wrongProtocol(r, carpVhids) ? "bad_version" : r.reason,
      source: r.source,
      vhid: r.vrid,
    };
  }
  return {
    ok: true,
    source: r.source,
    id: r.advert.vrid,
    vrrp: r.advert,
    dialect,
  };
}

/** Judges an IPv4 packet as VRRPv3, VRRPv2 or CARP. */
function judge4(packet: Uint8Array, rules: InterfaceRules): Judged {
  if (isVrrp4(packet)) {
    const r = decodeVrrp4Packet(packet, rules.vrrp);
    return fromVrrp(r, rules.carp.vhids, r.ok ? r.dialect : null);
  }
  if (isVrrp2For(packet, rules)) {
    return fromVrrp(decodeVrrp2Packet(packet, rules.vrrp2), new Map(), null);
  }
  const r = decodeCarpPacket(packet, rules.carp);
  return r.ok
    ? { ok: true, source: r.source, id: r.advert.vhid, carp: r.advert }
    : r;
}

/**
 * A packet from the IPv6 socket as the IPv6 decoders take it: the payload,
 * and what the kernel said of it (the IPv6 socket always names the sender).
 */
interface Received6 {
  payload: Uint8Array;
  source: Uint8Array;
  hopLimit: number | null;
  destination: Uint8Array | null;
  truncated: boolean;
}

/** What the IPv6 socket received, as {@linkcode Received6}. */
function received6(got: Received): Received6 {
  return {
    payload: got.bytes,
    source: got.source ?? new Uint8Array(16),
    hopLimit: got.hopLimit,
    destination: got.destination,
    truncated: got.truncated,
  };
}

/** Judges an IPv6 payload as VRRPv3 or CARP. */
function judge6(got: Received6, rules: InterfaceRules6): Judged {
  if (got.truncated) {
    return { ok: false, reason: "short", source: formatIpv6(got.source) };
  }
  if (got.payload[0]! >> 4 === VRRP_VERSION_NIBBLE) {
    return fromVrrp(
      decodeVrrp6(got.payload, got, rules.vrrp),
      rules.carp.vhids,
      null,
    );
  }
  const r = decodeCarp6(got.payload, got, rules.carp);
  return r.ok
    ? { ok: true, source: r.source, id: r.advert.vhid, carp: r.advert }
    : r;
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
    this.#drainWith(
      port.name,
      "recv",
      () => socket.receive(),
      (got) => judge4(got.bytes, rules),
      () => socket.lastArrivalMs(),
    );
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
    this.#drainWith(
      port.name,
      "recv6",
      () => socket.receive(),
      (got) => judge6(received6(got), rules),
      () => socket.lastArrivalMs(),
    );
  }

  /** Takes at most {@linkcode MAX_PACKETS_PER_WAKE} packets and delivers each. */
  #drainWith<T>(
    iface: string,
    key: string,
    receive: () => T | null,
    judge: (got: T) => Judged,
    arrival: () => number | null,
  ): void {
    for (let i = 0; i < MAX_PACKETS_PER_WAKE; i++) {
      let got: T | null;
      try {
        got = receive();
      } catch (e) {
        // The interface went away under the socket, or the kernel had an
        // error to report: the link events will follow.
        this.#say(
          iface,
          key,
          "warning",
          e instanceof Error ? e.message : String(e),
        );
        return;
      }
      if (got === null) return;
      this.#deliver(iface, judge(got), arrival);
    }
  }

  /**
   * When the packet read last arrived, on the daemon's clock: the kernel's
   * stamp (wall clock) moved back by its age, or now when there is none.
   */
  #arrivedAt(arrival: () => number | null): number {
    const now = this.#ctx.now();
    const stamp = arrival();
    if (stamp === null) return now;
    const age = performance.timeOrigin + performance.now() - stamp;
    // A wall clock stepped meanwhile gives nonsense: take now.
    return age >= 0 && age < 60_000 ? now - age : now;
  }

  /** Counts a drop, or hands an advert to its vhid. */
  #deliver(iface: string, j: Judged, arrival: () => number | null): void {
    if (!j.ok) {
      this.#dropped(iface, j.reason, j.source, j.vhid);
      return;
    }
    const runner = this.#ctx.vhid(iface, j.id);
    if (runner === undefined) return;
    const at = this.#arrivedAt(arrival);
    const verdict = j.carp !== undefined
      ? runner.receive(j.source, j.carp, at)
      : runner.receiveVrrp(j.source, j.vrrp, j.dialect, at);
    // Refused by the vhid itself: replay protection, or a checksum dialect
    // the sender does not use.
    if (verdict === "replay" || verdict === "bad_checksum") {
      this.#log(iface, verdict, j.source, j.id);
    }
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
