/**
 * One vhid at run time: its state machine, its timer, and the execution of
 * the actions the machine returns. No election logic lives here.
 * @module
 */

import { ETH_P_IP } from "../../ffi/constants.ts";
import type { Netlink } from "../../ffi/netlink.ts";
import { BROADCAST_MAC, type PacketSocket } from "../../ffi/packet_socket.ts";
import {
  type CarpAuth,
  encodeAdvert,
  encodeCarpPacket,
  ETHERTYPE_ARP,
  formatIpv4,
  gratuitousArp,
} from "../carp/mod.ts";
import type { VhidConfig } from "../config/mod.ts";
import {
  type CarpAction,
  type CarpEvent,
  type ElectionConfig,
  initialState,
  step,
  type VhidState,
} from "../fsm/mod.ts";
import { HookQueue } from "../hooks/runner.ts";
import type { Logger, LogRateLimiter } from "../log.ts";
import { emptyVhidCounters, type VhidCounters } from "./counters.ts";
import type { InterfaceHandle } from "./interface.ts";

/** What a vhid needs from the daemon. */
export interface VhidContext {
  log: Logger;
  limiter: LogRateLimiter;
  netlink: Netlink;
  packets: PacketSocket;
  /** Monotonic milliseconds. */
  now: () => number;
  /** Told after every transition. */
  onTransition: () => void;
  /** Told how late each protocol timer fired. */
  onTimer: (lateMs: number) => void;
}

/**
 * The first counter of a vhid: milliseconds since the epoch in the high 44
 * bits and 20 random bits below. It is unpredictable, and a restarted daemon
 * starts above every counter it sent before (it sends far fewer than 2^20
 * adverts per millisecond), so peers with replay protection keep accepting
 * it.
 *
 * @param nowMs Wall-clock milliseconds.
 * @returns The counter.
 */
export function initialCounter(nowMs: number = Date.now()): bigint {
  const random = crypto.getRandomValues(new Uint32Array(1))[0]! & 0xfffff;
  return (BigInt(Math.floor(nowMs)) << 20n) | BigInt(random);
}

/**
 * The label carpd puts on its addresses: `<iface>:carp`, or none when that
 * does not fit the kernel's 15 characters.
 *
 * @param ifname Interface name.
 * @returns The label or `null`.
 */
export function vipLabel(ifname: string): string | null {
  const label = `${ifname}:carp`;
  return label.length <= 15 ? label : null;
}

/** A running vhid. */
export class VhidRunner {
  #config: VhidConfig;
  readonly iface: InterfaceHandle;
  readonly source: number;
  readonly auth: CarpAuth;
  readonly counters: VhidCounters = emptyVhidCounters();
  /** With replay protection: the last counter accepted from each sender. */
  readonly #lastCounter = new Map<number, bigint>();
  state: VhidState;
  lastTransitionAt: number;
  readonly #ctx: VhidContext;
  readonly #hooks: HookQueue;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopping = false;

  constructor(
    config: VhidConfig,
    iface: InterfaceHandle,
    source: number,
    ctx: VhidContext,
  ) {
    this.#config = config;
    this.iface = iface;
    this.source = source;
    this.#ctx = ctx;
    this.#hooks = new HookQueue(ctx.log);
    this.auth = { key: config.key, vips: config.vips.map((v) => v.address) };
    this.state = initialState(electionConfig(config, source), initialCounter());
    this.lastTransitionAt = ctx.now();
  }

  /** The vhid's settings. */
  get config(): VhidConfig {
    return this.#config;
  }

  /**
   * Takes new settings on a reload without leaving the current state: the
   * election values go to the state machine (a MASTER advertises a changed
   * interval at once), scripts and hooks apply from their next run. Only for
   * changes that keep the vhid's identity (see {@linkcode sameIdentity}).
   *
   * @param config The new settings.
   */
  reconfigure(config: VhidConfig): void {
    this.#config = config;
    this.feed({
      type: "configure",
      config: electionConfig(config, this.source),
    });
  }

  /** `vhid 3`, for messages. */
  get name(): string {
    return `vhid ${this.config.id}`;
  }

  /**
   * Feeds an event and carries out what the state machine says.
   *
   * @param event The event.
   */
  feed(event: CarpEvent): void {
    const now = this.#ctx.now();
    const r = step(this.state, event, now);
    this.state = r.state;
    for (const a of r.actions) this.#execute(a);
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    const deadline = r.deadline;
    this.#timer = deadline === null ? undefined : setTimeout(
      () => {
        this.#timer = undefined;
        this.#ctx.onTimer(this.#ctx.now() - deadline);
        this.feed({ type: "timer" });
      },
      Math.max(0, Math.ceil(deadline - now)),
    );
  }

  /**
   * With `replay_protection`, accepts a counter only if it is above the
   * sender's last one, and remembers it.
   *
   * @param source The sender.
   * @param counter Its advert's counter (already authenticated).
   * @returns Whether the advert may go on to the state machine.
   */
  admitCounter(source: number, counter: bigint): boolean {
    if (!this.config.replayProtection) return true;
    const last = this.#lastCounter.get(source);
    if (last !== undefined && counter <= last) return false;
    if (this.#lastCounter.size >= 256 && last === undefined) {
      this.#lastCounter.clear(); // bound memory
    }
    this.#lastCounter.set(source, counter);
    return true;
  }

  /** Resolves when queued hooks have finished (or timed out). */
  hooksIdle(): Promise<void> {
    return this.#hooks.idle();
  }

  /**
   * Stops the vhid: bow-out advert if MASTER, VIPs released (unless
   * `release_vips_on_exit = false`), down hook queued, timer cleared.
   */
  stop(): void {
    this.#stopping = true;
    this.feed({ type: "stop" });
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #execute(a: CarpAction): void {
    switch (a.type) {
      case "send_advert":
        return this.#sendAdvert(a.advbase, a.advskew, a.counter);
      case "add_vips":
        return this.#eachVip(
          "add",
          (vip) =>
            this.#ctx.netlink.addAddress(
              this.iface,
              vip.address,
              vip.prefix,
              vipLabel(this.iface.name),
            ),
        );
      case "remove_vips":
        return this.#eachVip(
          "remove",
          (vip) =>
            this.#ctx.netlink.removeAddress(
              this.iface,
              vip.address,
              vip.prefix,
            ),
        );
      case "garp":
        return this.#garp();
      case "run_hook":
        return this.#runScripts(
          a.hook === "up" ? this.config.upScript : this.config.downScript,
          a.hook,
        );
      case "transition":
        return this.#transition(a);
    }
  }

  #sendAdvert(advbase: number, advskew: number, counter: bigint): void {
    const c = this.config;
    const header = encodeAdvert(
      { vhid: c.id, advbase, advskew, counter },
      this.auth,
    );
    const id = crypto.getRandomValues(new Uint16Array(1))[0]!;
    try {
      if (c.mode === "unicast") {
        for (const peer of c.peers) {
          const packet = encodeCarpPacket({
            source: this.source,
            destination: peer,
            id,
          }, header);
          this.iface.socket.send(packet, peer);
        }
      } else {
        const packet = encodeCarpPacket({
          source: this.source,
          destination: c.group,
          id,
        }, header);
        if (c.mode === "broadcast") {
          this.#ctx.packets.send(
            this.iface.index,
            this.iface.name,
            ETH_P_IP,
            BROADCAST_MAC,
            packet,
          );
        } else {
          this.iface.socket.send(packet, c.group);
        }
      }
      this.counters.advertsSent++;
    } catch (e) {
      this.counters.sendErrors++;
      this.#limited("send", `${this.name}: cannot send advert: ${message(e)}`);
    }
  }

  #garp(): void {
    for (const vip of this.config.vips) {
      try {
        const arp = gratuitousArp(this.iface.mac, vip.address);
        this.#ctx.packets.send(
          this.iface.index,
          this.iface.name,
          ETHERTYPE_ARP,
          BROADCAST_MAC,
          arp,
        );
        this.counters.garpsSent++;
      } catch (e) {
        this.#limited(
          "garp",
          `${this.name}: cannot send gratuitous ARP for ${vip.text}: ${
            message(e)
          }`,
        );
      }
    }
  }

  #eachVip(
    verb: "add" | "remove",
    apply: (vip: VhidConfig["vips"][number]) => boolean,
  ): void {
    if (!this.config.manageVips) return;
    if (verb === "remove" && this.#stopping && !this.config.releaseVipsOnExit) {
      return;
    }
    for (const vip of this.config.vips) {
      try {
        if (apply(vip)) {
          this.#ctx.log.debug(
            `${this.name}: ${
              verb === "add" ? "added" : "removed"
            } ${vip.text} on ${this.iface.name}`,
          );
        }
      } catch (e) {
        this.#ctx.log.error(`${this.name}: ${message(e)}`);
      }
    }
  }

  #runScripts(script: string | null, hook: "up" | "down"): void {
    if (script === null) return;
    for (const vip of this.config.vips) {
      const argv = [script, this.iface.name, vip.text];
      if (this.config.xparam !== null) argv.push(this.config.xparam);
      this.#hooks.enqueue({
        argv,
        timeoutMs: this.config.scriptTimeoutMs,
        label: `${this.name} ${hook} script`,
      });
    }
  }

  #transition(a: Extract<CarpAction, { type: "transition" }>): void {
    this.counters.transitions++;
    this.lastTransitionAt = this.#ctx.now();
    const heard = this.state.heardMaster;
    const by = a.reason === "preferred master" && heard
      ? ` ${formatIpv4(heard.source)}`
      : "";
    this.#ctx.log.info(`${this.name}: ${a.from} -> ${a.to} (${a.reason}${by})`);
    queueMicrotask(this.#ctx.onTransition); // after the step has updated the state
    const notify = this.config.notify;
    if (notify !== null) {
      const vips = this.config.vips.map((v) => v.text).join(",");
      this.#hooks.enqueue({
        argv: [
          ...notify,
          String(this.config.id),
          a.from,
          a.to,
          this.iface.name,
          vips,
        ],
        timeoutMs: this.config.scriptTimeoutMs,
        label: `${this.name} notify`,
      });
    }
  }

  #limited(key: string, line: string): void {
    const verdict = this.#ctx.limiter.admit(
      `${this.name} ${key}`,
      this.#ctx.now(),
    );
    if (verdict === null) return;
    this.#ctx.log.warning(
      verdict > 0 ? `${line} (${verdict} similar suppressed)` : line,
    );
  }
}

/**
 * Whether two configs of a vhid name the same thing on the wire and on the
 * box (interface, id, addresses, key, transport, source, VIP handling), so a
 * reload can update it in place instead of restarting it.
 *
 * @param a One config.
 * @param b The other.
 * @returns Whether only election values, scripts or hooks differ.
 */
export function sameIdentity(a: VhidConfig, b: VhidConfig): boolean {
  const identity = (c: VhidConfig): string =>
    JSON.stringify([
      c.interface,
      c.id,
      c.vips,
      [...c.key],
      c.mode,
      c.group,
      c.peers,
      c.source,
      c.manageVips,
      c.releaseVipsOnExit,
      c.ignoreLinkState,
      c.replayProtection,
    ]);
  return identity(a) === identity(b);
}

/** The state machine's view of a vhid's config. */
export function electionConfig(c: VhidConfig, source: number): ElectionConfig {
  return {
    vhid: c.id,
    advbase: c.advbase,
    advskew: c.advskew,
    deadratio: c.deadratio,
    preempt: c.preempt,
    source,
    neutral: c.neutral,
    garpCount: c.garpCount,
    garpIntervalMs: c.garpIntervalMs,
  };
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
