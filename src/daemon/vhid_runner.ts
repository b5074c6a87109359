/**
 * One vhid at run time: its state machine, its timer, and the execution of
 * the actions the machine returns, in order. It follows its interface (the
 * daemon tells it of every change), picks its source address, counts what
 * it does, and demotes itself while its adverts cannot leave. No election
 * rule lives here: those are in `src/fsm/`.
 * @module
 */

import {
  ETH_P_IP,
  IFA_F_DADFAILED,
  IFA_F_DEPRECATED,
  IFA_F_TENTATIVE,
} from "../../ffi/constants.ts";
import type { SyscallError } from "../../ffi/errors.ts";
import { BROADCAST_MAC } from "../../ffi/packet_socket.ts";
import {
  CARP6_GROUP,
  type CarpAuth,
  encodeAdvert,
  encodeCarpPacket,
  equalIpv6,
  formatIpv4,
  formatIpv6,
  gratuitousArp,
  type Ipv6,
  isLinkLocal,
  unsolicitedNa,
} from "../carp/mod.ts";
import type { VhidConfig, Vip, Vip4, Vip6 } from "../config/mod.ts";
import { vhidKey } from "../config/reload_plan.ts";
import {
  advertIntervalMs,
  initialState,
  intervalTicks,
  masterDownMs,
  type PeerAddress,
  type StateName,
  step,
  ticksToMs,
  type VhidAction,
  type VhidEvent,
  type VhidState,
} from "../fsm/mod.ts";
import { interfaceEvents } from "../fsm/interface_events.ts";
import { DialectMemory } from "../fsm/dialects.ts";
import { ReplayWindow } from "../fsm/replay.ts";
import { SEND_ERROR_DEMOTION, SendErrorTracker } from "../fsm/send_errors.ts";
import type { Demotion } from "../health/mod.ts";
import { type HookJob, HookQueue } from "../hooks/runner.ts";
import type { Logger, LogRateLimiter } from "../log.ts";
import {
  type ChecksumDialect,
  encodeVrrp2Packet,
  encodeVrrp4Packet,
  encodeVrrp6Message,
  type VrrpAdvert,
} from "../vrrp/mod.ts";
import {
  type DropCounts,
  emptyVhidCounters,
  type HookKind,
  type VhidCounters,
} from "./counters.ts";
import type { Link } from "./links.ts";
import { electionConfig } from "./election_config.ts";
import { Timeliness } from "./timeliness.ts";
import type { Timers } from "./timers.ts";
import {
  type AddressControl,
  announceVips,
  findVip,
  type FrameSender,
  linkHasVip,
  vipLabel,
} from "./vip_addresses.ts";

export { type AddressControl, type FrameSender, vipLabel };

/** A peer heard as master, and when. */
export interface HeardPeer {
  /** CARP: its advbase (0 for VRRP). */
  advbase: number;
  /** CARP: its advskew (0 for VRRP). */
  advskew: number;
  /** VRRP: its priority. */
  priority?: number;
  /** VRRP: its advert interval, centiseconds. */
  intervalCs?: number;
  /** VRRP over IPv4: adverts heard in each checksum dialect. */
  checksums?: Partial<Record<ChecksumDialect, number>>;
  at: number;
}

/** One state change as the history keeps it. */
export interface TransitionRecord {
  /** ISO 8601 UTC. */
  at: string;
  from: string;
  to: string;
  reason: string;
}

/** State changes kept per vhid. */
export const HISTORY_LENGTH = 16;

/** Peers not heard for this long are forgotten. */
const PEER_MEMORY_MS = 10 * 60_000;

/** Sends whole IPv4 packets on one interface (the CARP socket). */
export interface AdvertSocket {
  send(packet: Uint8Array, destination: number): SyscallError | null;
}

/** Sends CARP payloads over IPv6 on one interface. */
export interface Advert6Socket {
  send(
    payload: Uint8Array,
    destination: Ipv6,
    source: Ipv6,
  ): SyscallError | null;
}

/** A vhid's view of its interface's sockets (a `Port` in the daemon). */
export interface PortView {
  /** The open socket, or `null` while the interface is missing. */
  readonly socket: AdvertSocket | null;
  /** The IPv6 socket, `null` while missing or not wanted. */
  readonly socket6: Advert6Socket | null;
  /** Why the socket could not be opened, if it could not. */
  readonly error: string | null;
}

/** What a vhid needs from the daemon. */
export interface VhidContext {
  log: Logger;
  limiter: LogRateLimiter;
  addresses: AddressControl;
  frames: FrameSender;
  /** Monotonic milliseconds. */
  now: () => number;
  /** The protocol timers (the receive loop's). */
  timers: Timers;
  /** Told after every transition. */
  onTransition: () => void;
  /** Told how late each protocol timer fired, and the advert interval. */
  onTimer: (lateMs: number, intervalMs: number) => void;
  /** Told when what the vhid accepts (its source address) changed. */
  onReceiveRulesChanged: () => void;
}

/** Someone removed a VIP; we look again after this long (an interface
 * being deleted removes its addresses just before it goes). */
const RESTORE_DELAY_MS = 20;
/** Sends while demoted for send errors and not MASTER: at most this often. */
const PROBE_MIN_INTERVAL_MS = 1000;
/** The vhid id no CARP or VRRP box serves: probes use it. */
const PROBE_VHID = 0;

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
 * A peer's address as text.
 *
 * @param peer An IPv4 (number) or IPv6 (text) address.
 * @returns The text.
 */
export function peerText(peer: PeerAddress): string {
  return typeof peer === "number" ? formatIpv4(peer) : peer;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** A running vhid. */
export class VhidRunner {
  #config: VhidConfig;
  readonly #ctx: VhidContext;
  readonly #hooks: HookQueue;
  readonly counters: VhidCounters = emptyVhidCounters();
  readonly #replay = new ReplayWindow();
  readonly #sends = new SendErrorTracker();
  #auth: CarpAuth;
  #state: VhidState;
  /** The state last announced (logged, notified); MASTER only once the
   * VIPs are on. */
  #announced: StateName = "INIT";
  #lastTransitionAt: number;
  #port: PortView | null = null;
  /** What {@linkcode attach} last saw, to skip repeats. */
  #attached = "";
  /** The deadline the timer is armed for. */
  #armedFor: number | null = null;
  #link: Link | null = null;
  #linkIndex = 0;
  #source: number | null = null;
  #source6: Ipv6 | null = null;
  readonly #vips4: Vip4[];
  readonly #vips6: Vip6[];
  #health: Demotion[] = [];
  /** Peers heard as masters: their advertised timers, for the warning. */
  readonly #peers = new Map<PeerAddress, HeardPeer>();
  /** The warning in force about a demotion that moves nothing, if any. */
  #warning: string | null = null;
  /** Its worst timer lateness and advert gap. */
  readonly timeliness: Timeliness = new Timeliness();
  /** The IPv4 checksum dialect each VRRP peer uses. */
  readonly #dialects = new DialectMemory();
  readonly #history: TransitionRecord[] = [];
  /** VRRP peers whose address list differs from ours, with the warning. */
  readonly #mismatches = new Map<PeerAddress, string>();
  #queue: VhidAction[] = [];
  #running = false;
  #waitingForVips = false;
  #cancelTimer: (() => void) | undefined;
  #probeTimer: ReturnType<typeof setTimeout> | undefined;
  #stopping = false;
  #releaseWaiters: (() => void)[] = [];

  /**
   * @param config The vhid's settings.
   * @param ctx What it needs from the daemon.
   */
  constructor(config: VhidConfig, ctx: VhidContext) {
    this.#config = config;
    this.#ctx = ctx;
    this.#hooks = new HookQueue(ctx.log);
    this.#vips4 = config.vips.filter((v) => v.family === 4);
    this.#vips6 = config.vips.filter((v) => v.family === 6);
    this.#auth = {
      key: config.protocol === "carp" ? config.key : new Uint8Array(0),
      vips: this.#vips4.map((v) => v.address),
      vips6: this.#vips6.map((v) => v.address),
    };
    this.#source = this.#vips4.length > 0 ? config.source : null;
    this.#state = initialState(
      electionConfig(config, config.source ?? 0),
      initialCounter(),
    );
    this.#lastTransitionAt = ctx.now();
    this.#warmUp();
  }

  /**
   * Runs the takeover's pure code once (the state machine's way to MASTER,
   * an advert and a gratuitous ARP encoded and thrown away): V8 compiles a
   * function on its first call, and a backup's first call is its takeover,
   * when every millisecond counts.
   */
  #warmUp(): void {
    let s = initialState(electionConfig(this.#config, 1, "fe80::1"), 0n);
    s = step(s, { type: "start" }, 0).state;
    const r = step(s, { type: "timer" }, s.masterDownAt ?? 0);
    step(r.state, { type: "timer" }, r.deadline ?? 0);
    const header = encodeAdvert(
      { vhid: this.#config.id, advbase: 1, advskew: 0, counter: 1n },
      this.#auth,
    );
    encodeCarpPacket(
      { source: 1, destination: this.#config.group, id: 1 },
      header,
    );
    if (this.#config.protocol === "vrrp") this.#warmUpVrrp();
    if (this.#vips4[0]) {
      gratuitousArp(new Uint8Array(6), this.#vips4[0].address);
    }
    if (this.#vips6[0]) {
      unsolicitedNa(this.#vips6[0].address, new Uint8Array(6));
    }
  }

  /** The vhid's settings. */
  get config(): VhidConfig {
    return this.#config;
  }

  /** `interface/id`. */
  get key(): string {
    return vhidKey(this.#config);
  }

  /** `vhid 3`, for messages. */
  get name(): string {
    return `vhid ${this.#config.id}`;
  }

  /** The state machine's state. */
  get state(): VhidState {
    return this.#state;
  }

  /** What key and addresses authenticate its adverts. */
  get auth(): CarpAuth {
    return this.#auth;
  }

  /** The IPv4 address adverts go out from, or `null` while there is none. */
  get source(): number | null {
    return this.#source;
  }

  /** The IPv6 (link-local) address adverts go out from, as text, or `null`. */
  get source6(): string | null {
    return this.#source6 === null ? null : formatIpv6(this.#source6);
  }

  /** The address peers know this vhid by (IPv4 if it has IPv4 VIPs). */
  get address(): PeerAddress | null {
    return this.#vips4.length > 0 ? this.#source : this.source6;
  }

  /** When the last transition was, on the daemon's clock. */
  get lastTransitionAt(): number {
    return this.#lastTransitionAt;
  }

  /** Every demotion in force with its reason (standby included). */
  demotions(): Demotion[] {
    const out = [...this.#health];
    if (this.#sends.demoted) {
      out.push({ reason: this.#sends.reason, advskew: SEND_ERROR_DEMOTION });
    }
    if (this.#state.standby) {
      out.push({
        reason: "standby",
        advskew: this.#state.config.election.standbyDemotion(),
      });
    }
    return out;
  }

  /**
   * Tells the vhid about its interface: present or not, its link state and
   * addresses, and its socket. Call at start and after every change.
   *
   * @param port The interface's socket holder (a {@linkcode PortView}).
   * @param link The interface now, or `null` when it is missing.
   */
  attach(port: PortView, link: Link | null): void {
    const source = this.#vips4.length > 0 ? this.#pickSource(link) : null;
    const source6 = this.#vips6.length > 0 ? this.#pickSource6(link) : null;
    const text6 = source6 === null ? null : formatIpv6(source6);
    const view = `${link?.index ?? 0} ${link?.usable} ${port.socket !== null} ${
      port.socket6 !== null
    } ${port.error} ${source} ${text6}`;
    // Repeats of what the vhid already knows change nothing.
    if (view === this.#attached && port === this.#port) {
      this.#link = link;
      return;
    }
    this.#attached = view;
    this.#port = port;
    const recreated = link !== null && this.#linkIndex !== 0 &&
      link.index !== this.#linkIndex;
    this.#link = link;
    this.#linkIndex = link?.index ?? 0;
    if (recreated) {
      // Whatever we held went with the old interface: start over.
      this.#feed({
        type: "fault",
        kind: "interface",
        detail: `${link.name} re-created`,
      });
    }
    if (source !== this.#source || text6 !== this.source6) {
      const was = this.#sourcesText();
      this.#source = source;
      this.#source6 = source6;
      if (this.#state.state !== "INIT") {
        this.#ctx.log.info(
          `${this.name}: source address ${was} -> ${this.#sourcesText()}`,
        );
      }
      const primary = this.address;
      if (primary !== null) {
        this.#feed({
          type: "configure",
          config: electionConfig(this.#config, primary, text6),
        });
      }
      this.#ctx.onReceiveRulesChanged();
    }
    const error = port.error;
    const name = this.#config.interface;
    const missingSource = this.#vips4.length > 0 && source === null
      ? `no IPv4 address of its own on ${name} to advertise from`
      : this.#vips6.length > 0 && source6 === null
      ? `no usable link-local IPv6 address on ${name} to advertise from yet`
      : null;
    const present = link !== null && port.socket !== null &&
      (this.#vips6.length === 0 || port.socket6 !== null);
    for (
      const e of interfaceEvents(name, {
        present,
        usable: link?.usable ?? false,
        missingSource,
        ...(link !== null && error !== null ? { error } : {}),
      }, this.#config.ignoreLinkState)
    ) this.#feed(e);
  }

  #sourcesText(): string {
    const parts = [
      ...(this.#vips4.length > 0
        ? [this.#source === null ? "none" : formatIpv4(this.#source)]
        : []),
      ...(this.#vips6.length > 0 ? [this.source6 ?? "none"] : []),
    ];
    return parts.join(" and ");
  }

  /** Starts the election (after the first {@linkcode attach}). */
  start(): void {
    this.#feed({ type: "start" });
  }

  /**
   * An authenticated advert for this vhid arrived.
   *
   * @param source The sender.
   * @param advert What it advertised.
   * @param arrivedAt When it arrived (default now).
   * @returns `replay` when replay protection refused it.
   */
  receive(
    source: PeerAddress,
    advert: { advbase: number; advskew: number; counter: bigint },
    arrivedAt: number = this.#ctx.now(),
  ): "accepted" | "replay" {
    if (
      this.#config.protocol === "carp" && this.#config.replayProtection &&
      !this.#replay.admit(source, advert.counter)
    ) {
      this.counters.drops.replay++;
      return "replay";
    }
    this.counters.advertsReceived++;
    if (advert.advbase !== 255 || advert.advskew !== 255) {
      this.#heardAgain(
        source,
        ticksToMs(intervalTicks(advert.advbase, advert.advskew)),
        arrivedAt,
      );
      this.#peers.set(source, {
        advbase: advert.advbase,
        advskew: advert.advskew,
        at: arrivedAt,
      });
      if (this.#peers.size > 64) this.#forgetOldPeers();
      this.#checkDemotionWarning();
    }
    this.#feed({
      type: "advert",
      source,
      advert: {
        protocol: "carp",
        advbase: advert.advbase,
        advskew: advert.advskew,
        counter: advert.counter,
      },
    });
    return "accepted";
  }

  /**
   * A valid VRRP advert for this vhid arrived.
   *
   * @param source The sender.
   * @param advert What it advertised.
   * @param dialect The IPv4 checksum dialect it used (`null` over IPv6).
   * @param arrivedAt When it arrived (default now).
   */
  receiveVrrp(
    source: PeerAddress,
    advert: VrrpAdvert,
    dialect: ChecksumDialect | null,
    arrivedAt: number = this.#ctx.now(),
  ): "accepted" | "bad_checksum" {
    if (dialect !== null && !this.#dialects.admit(source, dialect)) {
      this.counters.drops.bad_checksum++;
      return "bad_checksum";
    }
    this.counters.advertsReceived++;
    if (advert.priority !== 0) {
      this.#heardAgain(source, advert.intervalCs * 10, arrivedAt);
      const checksums = { ...this.#peers.get(source)?.checksums };
      if (dialect !== null) checksums[dialect] = (checksums[dialect] ?? 0) + 1;
      this.#peers.set(source, {
        advbase: 0,
        advskew: 0,
        priority: advert.priority,
        intervalCs: advert.intervalCs,
        ...(dialect === null ? {} : { checksums }),
        at: arrivedAt,
      });
      if (this.#peers.size > 64) this.#forgetOldPeers();
      this.#checkDemotionWarning();
    }
    this.#checkAddressList(source, advert);
    this.#feed({
      type: "advert",
      source,
      advert: {
        protocol: "vrrp",
        priority: advert.priority,
        intervalCs: advert.intervalCs,
      },
    });
    return "accepted";
  }

  /**
   * keepalived 2.2.7 drops adverts whose address list is not exactly its
   * own, which leaves two masters: say so once per peer and list, and
   * count every such advert.
   */
  #checkAddressList(source: PeerAddress, advert: VrrpAdvert): void {
    const theirs = advert.family === 4
      ? advert.addresses.map(formatIpv4)
      : advert.addresses.map(formatIpv6);
    const ours = this.#config.vips.map((v) =>
      v.family === 4 ? formatIpv4(v.address) : formatIpv6(v.address)
    );
    const same = theirs.length === ours.length &&
      new Set([...theirs, ...ours]).size === ours.length &&
      new Set(theirs).size === theirs.length;
    if (same) {
      this.#mismatches.delete(source);
      return;
    }
    this.counters.vipListMismatches++;
    const warning = `${peerText(source)} advertises ${
      theirs.join(", ")
    } but this vhid has ${
      ours.join(", ")
    }: VRRP peers must list the same addresses (keepalived 2.2.7 drops adverts that differ, leaving two masters)`;
    if (this.#mismatches.get(source) !== warning) {
      this.#ctx.log.warning(`${this.name}: ${warning}`);
      this.#mismatches.set(source, warning);
    }
  }

  /** Counts a dropped packet that named this vhid. */
  countDrop(reason: keyof DropCounts): void {
    this.counters.drops[reason]++;
  }

  /**
   * The demotions health checks and tracked interfaces apply now.
   *
   * @param list Each with its reason.
   */
  setHealthDemotions(list: Demotion[]): void {
    const onset = this.#health.length === 0 && list.length > 0;
    this.#health = list;
    // Checks and tracked interfaces with `fault = true` (keepalived's weight
    // 0): the vhid may not be MASTER while one fails.
    const faults = list.filter((d) => d.fault === true).map((d) => d.reason);
    if (faults.length > 0) {
      this.#feed({
        type: "fault",
        kind: "check",
        detail: `${faults.join(", ")} failing`,
      });
    } else if (this.#state.faults.check !== undefined) {
      this.#feed({ type: "fault_cleared", kind: "check" });
    }
    // A check or a tracked interface starting to fail hands mastership
    // over (see the state machine's `handover`).
    this.#applyDemotion(onset);
    this.#checkDemotionWarning();
  }

  /** Peers heard as masters in the last ten minutes. */
  peers(): [PeerAddress, HeardPeer][] {
    this.#forgetOldPeers();
    return [...this.#peers];
  }

  /** Its last state changes, oldest first. */
  history(): readonly TransitionRecord[] {
    return this.#history;
  }

  /** Warnings about the vhid's settings seen at run time. */
  warnings(): string[] {
    return [
      ...(this.#warning === null ? [] : [this.#warning]),
      ...this.#mismatches.values(),
      ...this.timeliness.warnings(),
    ];
  }

  /** Records the gap since a peer's previous advert, before it is replaced. */
  #heardAgain(
    source: PeerAddress,
    peerIntervalMs: number,
    arrivedAt: number,
  ): void {
    const previous = this.#peers.get(source);
    if (previous === undefined) return;
    const warning = this.timeliness.advertHeard(
      arrivedAt - previous.at,
      peerIntervalMs,
      masterDownMs(this.#state),
    );
    if (warning !== null) this.#ctx.log.warning(`${this.name}: ${warning}`);
  }

  #forgetOldPeers(): void {
    const now = this.#ctx.now();
    for (const [peer, p] of this.#peers) {
      if (now - p.at > PEER_MEMORY_MS) {
        this.#peers.delete(peer);
        this.#mismatches.delete(peer);
      }
    }
  }

  /**
   * Warns (once per situation) when the health demotion leaves this vhid no
   * worse than a peer it has heard: that peer would not preempt it.
   */
  #checkDemotionWarning(): void {
    const health = this.#health.reduce((n, d) => n + d.advskew, 0);
    let warning: string | null = null;
    if (health > 0) {
      const election = this.#state.config.election;
      for (const [peer, p] of this.#peers) {
        warning = election.demotionWarning(
          this.#state,
          peerText(peer),
          p.priority === undefined
            ? {
              protocol: "carp",
              advbase: p.advbase,
              advskew: p.advskew,
              counter: 0n,
            }
            : {
              protocol: "vrrp",
              priority: p.priority,
              intervalCs: p.intervalCs ?? 0,
            },
        );
        if (warning !== null) break;
      }
    }
    if (warning !== null && warning !== this.#warning) {
      this.#ctx.log.warning(`${this.name}: ${warning}`);
    }
    this.#warning = warning;
  }

  /**
   * Someone removed an address from our interface: a VIP of ours while we
   * are MASTER is put back (after a moment, to let a deleted interface go).
   *
   * @param address The address removed.
   */
  addressRemoved(address: number | Ipv6): void {
    const vip = findVip(this.#config.vips, address);
    if (vip === undefined || !this.#config.manageVips) return;
    if (this.#state.state !== "MASTER" || this.#waitingForVips) return;
    setTimeout(() => this.#restore(vip), RESTORE_DELAY_MS);
  }

  /**
   * Takes new settings that keep the vhid's identity (a reload's
   * `update`): election values go to the state machine (a MASTER
   * advertises a changed interval at once), scripts and hooks apply from
   * their next run.
   *
   * @param config The new settings.
   */
  reconfigure(config: VhidConfig): void {
    const replayOf = (c: VhidConfig): boolean =>
      c.protocol === "carp" && c.replayProtection;
    const replayChanged = replayOf(config) !== replayOf(this.#config);
    this.#config = config;
    if (replayChanged) this.#replay.clear();
    const primary = this.address;
    if (primary !== null) {
      this.#feed({
        type: "configure",
        config: electionConfig(config, primary, this.source6),
      });
    }
    this.#attached = ""; // ignore_link_state may have changed
    if (this.#port !== null) this.attach(this.#port, this.#link);
  }

  /** Planned handover: bow out if MASTER and stay at advskew 254. */
  standby(): void {
    this.#feed({ type: "standby" });
  }

  /** Ends standby. */
  resume(): void {
    this.#feed({ type: "resume" });
  }

  /** Bows out if MASTER (SIGUSR2). */
  stepDown(): void {
    this.#feed({ type: "step_down" });
  }

  /** Resolves when queued hooks have finished (or timed out). */
  hooksIdle(): Promise<void> {
    return this.#hooks.idle();
  }

  /**
   * Stops: bow-out advert if MASTER, then the VIPs released (unless
   * `release_vips_on_exit = false`) and the down hook queued once a
   * successor has taken over, or after a bounded wait: see
   * {@linkcode released}. Its timer runs until then.
   */
  stop(): void {
    this.#stopping = true;
    this.#feed({ type: "stop" });
    if (!this.#config.releaseVipsOnExit) this.release();
    clearTimeout(this.#probeTimer);
    this.#probeTimer = undefined;
  }

  /** Releases at once whatever a bow-out still holds (the loop is ending). */
  release(): void {
    this.#feed({ type: "release" });
  }

  /** Resolves when nothing is held back for a successor any more. */
  released(): Promise<void> {
    if (this.#state.releaseAt === null) return Promise.resolve();
    return new Promise((resolve) => this.#releaseWaiters.push(resolve));
  }

  #pickSource(link: Link | null): number | null {
    if (this.#config.source !== null) return this.#config.source;
    if (link === null) return null;
    const vips = new Set(this.#config.vips.map((v) => v.address));
    const own = link.addresses.filter((a) => !vips.has(a.address));
    // Keep the address we have while it is there: the tie-break and the
    // peers' unicast destinations depend on it.
    if (own.some((a) => a.address === this.#source)) return this.#source;
    return own[0]?.address ?? null;
  }

  /**
   * The IPv6 source: a link-local of the interface that has left DAD (not
   * tentative, failed or deprecated) and is not a VIP; the one we have for
   * as long as it stays usable.
   */
  #pickSource6(link: Link | null): Ipv6 | null {
    if (link === null) return null;
    const usable = link.addresses6.filter((a) =>
      isLinkLocal(a.address) &&
      (a.flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED | IFA_F_DEPRECATED)) ===
        0 &&
      !this.#vips6.some((v) => equalIpv6(v.address, a.address))
    );
    const current = this.#source6;
    if (current !== null && usable.some((a) => equalIpv6(a.address, current))) {
      return current;
    }
    return usable[0]?.address ?? null;
  }

  #feed(event: VhidEvent): void {
    const now = this.#ctx.now();
    // A timer overdue when something else comes first (adverts read after a
    // stall) may be re-armed without ever firing: its lateness counts now.
    if (this.#armedFor !== null && now > this.#armedFor) {
      this.#timerLate(now - this.#armedFor);
    }
    const r = step(this.#state, event, now);
    this.#state = r.state;
    this.#queue.push(...r.actions);
    this.#arm(r.deadline, now);
    this.#run();
    this.#scheduleProbe();
    if (this.#state.releaseAt === null && this.#releaseWaiters.length > 0) {
      for (const resolve of this.#releaseWaiters.splice(0)) resolve();
    }
  }

  #arm(deadline: number | null, _now: number): void {
    if (deadline === this.#armedFor && this.#cancelTimer !== undefined) return;
    this.#cancelTimer?.();
    this.#armedFor = deadline;
    this.#cancelTimer = deadline === null
      ? undefined
      : this.#ctx.timers.at(deadline, () => {
        this.#cancelTimer = undefined;
        this.#armedFor = null;
        const lateMs = this.#ctx.now() - deadline;
        this.#timerLate(lateMs);
        this.#feed({ type: "timer", lateMs });
      });
  }

  /** Records how late a protocol timer fired (or was found overdue). */
  #timerLate(lateMs: number): void {
    const intervalMs = advertIntervalMs(this.#state);
    const warning = this.timeliness.timerFired(lateMs, intervalMs);
    if (warning !== null) this.#ctx.log.warning(`${this.name}: ${warning}`);
    this.#ctx.onTimer(lateMs, intervalMs);
  }

  /** Executes queued actions in order; adding VIPs holds the rest back. */
  #run(): void {
    if (this.#running) return;
    this.#running = true;
    try {
      while (this.#queue.length > 0 && !this.#waitingForVips) {
        this.#execute(this.#queue.shift()!);
      }
    } finally {
      this.#running = false;
    }
  }

  #execute(a: VhidAction): void {
    switch (a.type) {
      case "send_advert":
        return a.advert.protocol === "carp"
          ? this.#sendAdvert(
            this.#config.id,
            a.advert.advbase,
            a.advert.advskew,
            a.advert.counter,
          )
          : this.#sendVrrpAdvert(this.#config.id, a.advert.priority);
      case "add_vips":
        return this.#addVips();
      case "remove_vips":
        return this.#removeVips();
      case "garp":
        return this.#garp();
      case "run_hook":
        return this.#runScripts(
          a.hook === "up" ? this.#config.upScript : this.#config.downScript,
          a.hook,
        );
      case "transition":
        return this.#transition(a);
    }
  }

  #addVips(): void {
    const link = this.#link;
    if (!this.#config.manageVips) return;
    if (link === null) {
      this.#vipsFailed(`${this.#config.interface} is missing`);
      return;
    }
    this.#waitingForVips = true;
    const label = vipLabel(link.name);
    Promise.allSettled(
      this.#config.vips.map((vip) =>
        this.#ctx.addresses.addVip(link, vip, label).then((added) => {
          if (added) {
            this.#ctx.log.debug(
              `${this.name}: added ${vip.text} on ${link.name}`,
            );
          }
        })
      ),
    ).then((results) => {
      this.#waitingForVips = false;
      const failed = results.find((r) => r.status === "rejected");
      if (failed !== undefined) {
        this.#vipsFailed(message(failed.reason));
        return;
      }
      if (this.#state.vipFailures > 0) this.#feed({ type: "vips_ok" });
      this.#run();
    });
  }

  #vipsFailed(detail: string): void {
    this.#waitingForVips = false;
    // What followed the VIPs (announcement, ARP, advert, up hook) must not
    // happen: the vhid gives mastership away instead.
    this.#queue.length = 0;
    this.#ctx.log.error(`${this.name}: cannot add its VIPs: ${detail}`);
    this.#feed({ type: "vips_failed", detail });
  }

  #removeVips(): void {
    if (!this.#config.manageVips) return;
    if (this.#stopping && !this.#config.releaseVipsOnExit) return;
    const link = this.#link;
    if (link === null) return; // they went with the interface
    for (const vip of this.#config.vips) {
      this.#ctx.addresses.removeVip(link, vip).then(
        (removed) => {
          if (removed) {
            this.#ctx.log.debug(
              `${this.name}: removed ${vip.text} on ${link.name}`,
            );
          }
        },
        (e) => this.#ctx.log.error(`${this.name}: ${message(e)}`),
      );
    }
  }

  #restore(vip: Vip): void {
    const link = this.#link;
    if (this.#state.state !== "MASTER" || link === null || this.#stopping) {
      return;
    }
    if (linkHasVip(link, vip)) return;
    this.counters.vipsRestored++;
    this.#ctx.log.warning(
      `${this.name}: ${vip.text} was removed from ${link.name} while MASTER; putting it back`,
    );
    this.#ctx.addresses.addVip(link, vip, vipLabel(link.name)).then(
      () => this.#garp(),
      (e) => {
        if (this.#state.state === "MASTER") this.#vipsFailed(message(e));
      },
    );
  }

  #sendAdvert(
    vhid: number,
    advbase: number,
    advskew: number,
    counter: bigint,
  ): void {
    const link = this.#link;
    const port = this.#port;
    if (link === null || port === null) return; // FAULT: no way out
    const header = encodeAdvert(
      { vhid, advbase, advskew, counter },
      this.#auth,
    );
    this.#transmit(
      link,
      vhid === PROBE_VHID,
      (source, destination, id) =>
        encodeCarpPacket({ source, destination, id }, header),
      () => header,
    );
  }

  /** A VRRP advert: the configured interval, this priority, our VIPs. */
  #sendVrrpAdvert(vrid: number, priority: number): void {
    const link = this.#link;
    if (link === null || this.#port === null) return; // FAULT: no way out
    const c = this.#config;
    if (c.protocol !== "vrrp") return;
    const base = { vrid, priority, intervalCs: c.advertIntervalCs };
    const v4 = {
      family: 4 as const,
      ...base,
      addresses: this.#vips4.map((v) => v.address),
    };
    const v6 = {
      family: 6 as const,
      ...base,
      addresses: this.#vips6.map((v) => v.address),
    };
    const v2 = { vrid, priority, intervalS: c.advertIntervalCs / 100 };
    this.#transmit(
      link,
      vrid === PROBE_VHID,
      (source, destination, id) =>
        c.vrrpVersion === 2
          ? encodeVrrp2Packet(
            { source, destination, id },
            { ...v2, addresses: v4.addresses },
            c.authPass,
          )
          : encodeVrrp4Packet({ source, destination, id }, v4, c.vrrpChecksum),
      (source, destination) => encodeVrrp6Message(v6, source, destination),
    );
  }

  /** Encodes a VRRP advert of each family once (see `#warmUp`). */
  #warmUpVrrp(): void {
    const c = this.#config;
    if (c.protocol !== "vrrp") return;
    const base = { vrid: this.#config.id, priority: 1, intervalCs: 100 };
    encodeVrrp4Packet(
      { source: 1, id: 1 },
      { family: 4, ...base, addresses: [1] },
      c.vrrpChecksum,
    );
    encodeVrrp6Message(
      { family: 6, ...base, addresses: [CARP6_GROUP] },
      CARP6_GROUP,
      CARP6_GROUP,
    );
  }

  /**
   * Sends one advert over each family the vhid has, to each destination,
   * and keeps the counts and the send-error demotion.
   */
  #transmit(
    link: Link,
    probe: boolean,
    packet4: (source: number, destination: number, id: number) => Uint8Array,
    payload6: (source: Ipv6, destination: Ipv6) => Uint8Array,
  ): void {
    const failures: SyscallError[] = [];
    let sent = 0;
    if (this.#vips4.length > 0) sent += this.#send4(link, packet4, failures);
    if (this.#vips6.length > 0) sent += this.#send6(payload6, failures);
    if (sent === 0 && failures.length === 0) return; // no socket or source
    if (!probe) this.counters.advertsSent += sent;
    for (const err of failures) {
      this.counters.sendErrors.set(
        err.code,
        (this.counters.sendErrors.get(err.code) ?? 0) + 1,
      );
      this.#limited(
        "send",
        `${this.name}: ${probe ? "probe" : "advert"} not sent: ${err.message}`,
      );
    }
    const verdict = this.#sends.record(failures.at(-1)?.code ?? null);
    if (verdict.changed) {
      if (verdict.demoted) {
        this.#ctx.log.warning(
          `${this.name}: ${this.#sends.reason}: its adverts cannot leave; demoted +${SEND_ERROR_DEMOTION} until they can`,
        );
      } else {
        this.#ctx.log.info(
          `${this.name}: adverts leave again; demotion for send errors ended`,
        );
      }
      this.#applyDemotion();
    }
  }

  /** The IPv4 advert: to the group, each unicast peer, or broadcast. */
  #send4(
    link: Link,
    packet4: (source: number, destination: number, id: number) => Uint8Array,
    failures: SyscallError[],
  ): number {
    const socket = this.#port?.socket;
    const source = this.#source;
    if (!socket || source === null) return 0;
    const c = this.#config;
    const id = crypto.getRandomValues(new Uint16Array(1))[0]!;
    const destinations = c.mode === "unicast" ? c.peers : [c.group];
    let sent = 0;
    // Each peer on its own: one refusing does not stop the others.
    for (const destination of destinations) {
      const packet = packet4(source, destination, id);
      const err = c.mode === "broadcast"
        ? this.#ctx.frames.send(
          link.index,
          link.name,
          ETH_P_IP,
          BROADCAST_MAC,
          packet,
        )
        : socket.send(packet, destination);
      if (err === null) sent++;
      else failures.push(err);
    }
    return sent;
  }

  /** The IPv6 advert: to ff02::12 or each unicast IPv6 peer. */
  #send6(
    payload6: (source: Ipv6, destination: Ipv6) => Uint8Array,
    failures: SyscallError[],
  ): number {
    const socket = this.#port?.socket6;
    const source = this.#source6;
    if (!socket || source === null) return 0;
    const c = this.#config;
    const destinations = c.mode === "unicast" ? c.peers6 : [CARP6_GROUP];
    let sent = 0;
    for (const d of destinations) {
      const err = socket.send(payload6(source, d), d, source);
      if (err === null) sent++;
      else failures.push(err);
    }
    return sent;
  }

  /**
   * While demoted for send errors and not MASTER, nothing else would test
   * whether packets leave again: send a probe now and then, for vhid 0,
   * which every CARP and VRRP box drops without acting on it.
   */
  #scheduleProbe(): void {
    const wanted = this.#sends.demoted && this.#state.state === "BACKUP" &&
      !this.#stopping;
    if (!wanted) {
      clearTimeout(this.#probeTimer);
      this.#probeTimer = undefined;
      return;
    }
    if (this.#probeTimer !== undefined) return;
    const every = Math.max(
      PROBE_MIN_INTERVAL_MS,
      advertIntervalMs(this.#state),
    );
    this.#probeTimer = setTimeout(() => {
      this.#probeTimer = undefined;
      if (this.#config.protocol === "vrrp") {
        this.#sendVrrpAdvert(PROBE_VHID, 0);
      } else this.#sendAdvert(PROBE_VHID, 255, 255, this.#state.counter);
      this.#scheduleProbe();
    }, every);
  }

  #applyDemotion(handover = false): void {
    let total = this.#sends.demoted ? SEND_ERROR_DEMOTION : 0;
    for (const d of this.#health) total += d.advskew;
    if (total !== this.#state.demotion) {
      this.#feed({ type: "demotion", amount: total, handover });
    }
  }

  #garp(): void {
    const link = this.#link;
    if (link === null) return;
    const r = announceVips(this.#ctx.frames, link, this.#config.vips);
    this.counters.garpsSent += r.sent;
    for (const { vip, error } of r.failures) {
      this.#limited(
        "garp",
        `${this.name}: ${
          vip.family === 4 ? "gratuitous ARP" : "neighbour advertisement"
        } for ${vip.text} not sent: ${error.message}`,
      );
    }
  }

  #runScripts(script: string | null, hook: "up" | "down"): void {
    if (script === null) return;
    const c = this.#config;
    for (const vip of c.vips) {
      const argv = [script, c.interface, vip.text];
      if (c.xparam !== null) argv.push(c.xparam);
      this.#runHook(hook, {
        argv,
        timeoutMs: c.scriptTimeoutMs,
        label: `${this.name} ${hook} script`,
      });
    }
  }

  #transition(a: Extract<VhidAction, { type: "transition" }>): void {
    // A MASTER whose VIPs did not go on was never announced: say where it
    // really comes from.
    const from = this.#announced;
    this.#announced = a.to;
    this.counters.transitions++;
    this.#lastTransitionAt = this.#ctx.now();
    const heard = this.#state.heardMaster;
    const by = a.reason === "preferred master" && heard
      ? ` ${peerText(heard.source)}`
      : "";
    const demotedBy = a.reason === "demoted" && this.#health.length > 0
      ? ` by ${this.#health.map((d) => d.reason).join(", ")}`
      : "";
    const why = a.detail === undefined
      ? `${a.reason}${by}${demotedBy}`
      : a.detail.startsWith(a.reason)
      ? a.detail
      : `${a.reason}: ${a.detail}`;
    this.#history.push({
      at: new Date().toISOString(),
      from,
      to: a.to,
      reason: why,
    });
    if (this.#history.length > HISTORY_LENGTH) this.#history.shift();
    const line = `${this.name}: ${from} -> ${a.to} (${why})`;
    if (a.to === "FAULT") this.#ctx.log.warning(line);
    else this.#ctx.log.info(line);
    queueMicrotask(this.#ctx.onTransition); // after the step has updated the state
    const notify = this.#config.notify;
    if (notify !== null) {
      this.#runHook("notify", {
        argv: [
          ...notify,
          String(this.#config.id),
          from,
          a.to,
          this.#config.interface,
          this.#config.vips.map((v) => v.text).join(","),
        ],
        timeoutMs: this.#config.scriptTimeoutMs,
        label: `${this.name} notify`,
      });
    }
  }

  /** Queues a hook and counts how it ends. */
  #runHook(kind: HookKind, job: HookJob): void {
    this.#hooks.enqueue(job).then((r) => {
      const n = this.counters.hooks[kind];
      n.runs++;
      if (r.error !== null || r.timedOut || r.code !== 0) n.failures++;
    });
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
