/**
 * One vhid at run time, the per-vhid driver: it admits its peers' adverts
 * (by its protocol's admission), feeds its state machine every event, arms
 * its timer, and executes the actions the machine returns, in order, each
 * by the part whose job it is: adverts by its transmit path, VIPs, scripts,
 * hooks and the history by the box's executor of effects. It follows its
 * interface (the daemon tells it of every change) and takes its source
 * address by the core's rule. What anything means is the core's to say.
 * @module
 */

import type { VhidConfig } from "../config/mod.ts";
import { vhidKey } from "../config/reload_plan.ts";
import {
  type Admission,
  admissionFor,
  advertIntervalMs,
  faultList,
  initialState,
  interfaceEvents,
  type LinkAddress,
  masterDownMs,
  type PeerAddress,
  PeerBook,
  type PeerRecord,
  type SourceRule,
  sourceRules,
  type StateName,
  step,
  type VhidAction,
  type VhidEvent,
  type VhidState,
} from "../fsm/mod.ts";
import type { Demotion } from "../health/mod.ts";
import type { Logger, LogRateLimiter } from "../log.ts";
import { formatPeer, type Ipv6 } from "../net/mod.ts";
import {
  type AnyDropReason,
  type HeardAdvert,
  type WireEntry,
  wireEntry,
} from "../wire/mod.ts";
import type { Clock } from "./clock.ts";
import { emptyVhidCounters, type VhidCounters } from "./counters.ts";
import type { Effects, EffectTarget, TransitionRecord } from "./effects.ts";
import { electionConfig } from "./election_config.ts";
import type { Link } from "./links.ts";
import { Timeliness } from "./timeliness.ts";
import { type SocketsView, Transmitter } from "./transmit.ts";
import { warmUp } from "./warm_up.ts";
import {
  findVip,
  type FrameSender,
  linkHasVip,
  vipKey,
} from "./vip_addresses.ts";

/** Someone removed a VIP; we look again after this long (an interface
 * being deleted removes its addresses just before it goes). */
const RESTORE_DELAY_MS = 20;

/** What a vhid needs from the daemon. */
export interface DriverContext {
  log: Logger;
  limiter: LogRateLimiter;
  clock: Clock;
  frames: FrameSender;
  /** The box's executor of effects. */
  effects: Effects;
  /** Told after every transition. */
  onTransition: () => void;
  /** Told how late each protocol timer fired, and the advert interval. */
  onTimer: (lateMs: number, intervalMs: number) => void;
  /** Told when what the vhid accepts (its source address) changed. */
  onReceiveRulesChanged: () => void;
}

/**
 * The first counter of a vhid: milliseconds since the epoch in the high 44
 * bits and 20 random bits below. It is unpredictable, and a restarted daemon
 * starts above every counter it sent before (it sends far fewer than 2^20
 * adverts per millisecond), so peers with replay protection keep accepting
 * it.
 *
 * @param wallMs Wall-clock milliseconds.
 * @param random32 32 random bits.
 * @returns The counter.
 */
export function initialCounter(wallMs: number, random32: number): bigint {
  return (BigInt(Math.floor(wallMs)) << 20n) | BigInt(random32 & 0xfffff);
}

/** A running vhid. */
export class VhidDriver {
  #config: VhidConfig;
  readonly #ctx: DriverContext;
  readonly counters: VhidCounters = emptyVhidCounters();
  /** Its worst timer lateness and advert gap. */
  readonly timeliness: Timeliness = new Timeliness();
  readonly #transmit: Transmitter;
  readonly #peers = new PeerBook();
  #admission: Admission;
  #state: VhidState;
  /** The state last announced (logged, notified); MASTER only once the
   * VIPs are on. */
  #announced: StateName = "INIT";
  #lastTransitionAt: number;
  #sockets: SocketsView | null = null;
  /** What {@linkcode attach} last saw, to skip repeats. */
  #attached = "";
  /** The deadline the timer is armed for. */
  #armedFor: number | null = null;
  #link: Link | null = null;
  #linkIndex = 0;
  /** How it finds its source in each family of its VIPs, IPv4 first. */
  readonly #rules: readonly SourceRule[];
  /** The source in each family, as {@linkcode #rules}. */
  #sources: (LinkAddress | null)[];
  /** The VIPs as text, as a VRRP peer's list is compared with them. */
  readonly #vipTexts: readonly string[];
  #health: Demotion[] = [];
  #queue: VhidAction[] = [];
  #running = false;
  #waitingForVips = false;
  #cancelTimer: (() => void) | undefined;
  #stopping = false;
  #releaseWaiters: (() => void)[] = [];
  readonly #target: EffectTarget;

  /**
   * @param config The vhid's settings.
   * @param ctx What it needs from the daemon.
   */
  constructor(config: VhidConfig, ctx: DriverContext) {
    this.#config = config;
    this.#ctx = ctx;
    this.#rules = sourceRules(config.vips, config.source);
    this.#sources = this.#rules.map((r) => r.pick(null, null));
    this.#vipTexts = config.vips.map((v) => formatPeer(vipKey(v)));
    this.#admission = admissionOf(config);
    this.#state = initialState(
      electionConfig(config, config.source ?? 0),
      initialCounter(ctx.clock.wallMs(), ctx.clock.random32()),
    );
    this.#lastTransitionAt = ctx.clock.now();
    this.#transmit = new Transmitter(config, {
      name: this.name,
      clock: ctx.clock,
      log: ctx.log,
      limiter: ctx.limiter,
      frames: ctx.frames,
      counters: this.counters,
      demotionChanged: () => this.#applyDemotion(),
    });
    this.#target = this.#effectTarget();
    warmUp(config, this.#transmit.encoder);
  }

  /** The vhid as the executor of effects acts for it: always current. */
  #effectTarget(): EffectTarget {
    const driver = (): {
      config: VhidConfig;
      link: Link | null;
      keep: boolean;
    } => ({
      config: this.#config,
      link: this.#link,
      keep: this.#stopping && !this.#config.releaseVipsOnExit,
    });
    return {
      key: this.key,
      name: this.name,
      get config(): VhidConfig {
        return driver().config;
      },
      get link(): Link | null {
        return driver().link;
      },
      counters: this.counters,
      get keepVips(): boolean {
        return driver().keep;
      },
    };
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

  /** What it asks its interface to accept. */
  get wire(): WireEntry {
    return wireEntry(this.#config, this.#ownAddresses());
  }

  /**
   * Its source in a family, as text.
   *
   * @param family The family.
   * @returns The address, or `null` when there is none (or no VIP of it).
   */
  sourceText(family: 4 | 6): string | null {
    const i = this.#rules.findIndex((r) => r.family === family);
    const a = this.#sources[i] ?? null;
    return a === null ? null : this.#rules[i]!.text(a);
  }

  /** The address peers know this vhid by (IPv4 if it has IPv4 VIPs). */
  get address(): PeerAddress | null {
    const a = this.#sources[0] ?? null;
    return a === null ? null : this.#rules[0]!.key(a);
  }

  /** Every address its adverts go out from now. */
  #ownAddresses(): PeerAddress[] {
    return this.#rules.flatMap((r, i) => {
      const a = this.#sources[i] ?? null;
      return a === null ? [] : [r.key(a)];
    });
  }

  /** When the last transition was, on the daemon's clock. */
  get lastTransitionAt(): number {
    return this.#lastTransitionAt;
  }

  /** Every demotion in force with its reason (standby included). */
  demotions(): Demotion[] {
    const out = [...this.#health];
    const sends = this.#transmit.demotion();
    if (sends !== null) out.push(sends);
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
   * addresses, and its sockets. Call at start and after every change.
   *
   * @param sockets The interface's sockets (its port).
   * @param link The interface now, or `null` when it is missing.
   */
  attach(sockets: SocketsView, link: Link | null): void {
    const rules = this.#rules;
    const picked = rules.map((r, i) => r.pick(link, this.#sources[i] ?? null));
    const families = rules.map((r) => r.family);
    const view = `${link?.index ?? 0} ${link?.usable} ${sockets.open} ${
      families.map((f) => sockets.has(f))
    } ${sockets.error} ${
      picked.map((a, i) => a === null ? null : rules[i]!.text(a))
    }`;
    // Repeats of what the vhid already knows change nothing.
    if (view === this.#attached && sockets === this.#sockets) {
      this.#link = link;
      this.#route();
      return;
    }
    this.#attached = view;
    this.#sockets = sockets;
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
    if (picked.some((a, i) => !rules[i]!.same(a, this.#sources[i] ?? null))) {
      const was = this.#sourcesText();
      this.#sources = picked;
      if (this.#state.state !== "INIT") {
        this.#ctx.log.info(
          `${this.name}: source address ${was} -> ${this.#sourcesText()}`,
        );
      }
      const primary = this.address;
      if (primary !== null) {
        this.#feed({
          type: "configure",
          config: electionConfig(this.#config, primary, this.#ownAddresses()),
        });
      }
      this.#ctx.onReceiveRulesChanged();
    }
    this.#route();
    const name = this.#config.interface;
    const missingSource =
      rules.find((_, i) => picked[i] === null)?.missing(name) ?? null;
    const present = link !== null && sockets.open &&
      families.every((f) => sockets.has(f));
    const error = sockets.error;
    for (
      const e of interfaceEvents(name, {
        present,
        usable: link?.usable ?? false,
        missingSource,
        ...(link !== null && error !== null ? { error } : {}),
      }, this.#config.ignoreLinkState)
    ) this.#feed(e);
  }

  /**
   * An address of its interface came or went: a VIP of ours that went is
   * put back while MASTER; a change that may move its source is looked at.
   *
   * @param address The address.
   * @param removed Whether it went.
   * @returns Whether the vhid wants to be attached again.
   */
  addressChanged(address: LinkAddress, removed: boolean): boolean {
    if (removed) this.#addressRemoved(address);
    return this.#rules.some((r, i) =>
      r.concerned(address, removed, this.#sources[i] ?? null)
    );
  }

  /** Tells the transmit path where adverts go out now. */
  #route(): void {
    this.#transmit.route({
      sockets: this.#sockets,
      link: this.#link,
      sources: Object.fromEntries(
        this.#rules.map((r, i) => [r.family, this.#sources[i] ?? null]),
      ),
    });
  }

  #sourcesText(): string {
    return this.#rules.map((r, i) => {
      const a = this.#sources[i] ?? null;
      return a === null ? "none" : r.text(a);
    }).join(" and ");
  }

  /** Starts the election (after the first {@linkcode attach}). */
  start(): void {
    this.#feed({ type: "start" });
  }

  /**
   * An authenticated advert for this vhid arrived.
   *
   * @param heard What the wire made of it.
   * @param arrivedAt When it arrived.
   * @returns `accepted`, or why the vhid's admission refused it.
   */
  receive(
    heard: HeardAdvert,
    arrivedAt: number,
  ): "accepted" | "replay" | "bad_checksum" {
    const refused = this.#admission.admit(
      heard.source,
      heard.advert,
      heard.dialect,
    );
    if (refused !== null) {
      this.counters.drops[refused as AnyDropReason]++;
      return refused;
    }
    this.counters.advertsReceived++;
    const news = this.#peers.heard(
      this.#state.config.election,
      heard.source,
      formatPeer(heard.source),
      heard,
      this.#vipTexts,
      arrivedAt,
    );
    if (news.gapMs !== null) {
      const warning = this.timeliness.advertHeard(
        news.gapMs,
        news.intervalMs,
        masterDownMs(this.#state),
      );
      if (warning !== null) this.#ctx.log.warning(`${this.name}: ${warning}`);
    }
    if (news.listDiffers) this.counters.vipListMismatches++;
    if (news.listWarning !== null) {
      this.#ctx.log.warning(`${this.name}: ${news.listWarning}`);
    }
    this.#checkDemotionWarning();
    this.#feed({ type: "advert", source: heard.source, advert: heard.advert });
    return "accepted";
  }

  /** Counts a dropped packet that named this vhid. */
  countDrop(reason: AnyDropReason): void {
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
  peers(): [PeerAddress, PeerRecord][] {
    return this.#peers.entries(this.#ctx.clock.now());
  }

  /** Its last state changes, oldest first. */
  history(): readonly TransitionRecord[] {
    return this.#ctx.effects.history(this.key);
  }

  /** Warnings about the vhid's settings seen at run time. */
  warnings(): string[] {
    return [...this.#peers.warnings(), ...this.timeliness.warnings()];
  }

  /** The faults that keep it from serving, for status. */
  faults(): string[] {
    return faultList(this.#state);
  }

  /** Warns (once per situation) when a demotion leaves a peer no reason to take over. */
  #checkDemotionWarning(): void {
    const warning = this.#peers.checkDemotion(
      this.#state,
      this.#health.some((d) => d.advskew > 0),
      formatPeer,
    );
    if (warning !== null) this.#ctx.log.warning(`${this.name}: ${warning}`);
  }

  /**
   * Someone removed an address from our interface: a VIP of ours while we
   * are MASTER is put back (after a moment, to let a deleted interface go).
   */
  #addressRemoved(address: number | Ipv6): void {
    const vip = findVip(this.#config.vips, address);
    if (vip === undefined || !this.#config.manageVips) return;
    if (this.#state.state !== "MASTER" || this.#waitingForVips) return;
    this.#ctx.clock.after(RESTORE_DELAY_MS, () => {
      const link = this.#link;
      if (this.#state.state !== "MASTER" || link === null || this.#stopping) {
        return;
      }
      if (linkHasVip(link, vip)) return;
      this.#ctx.effects.restoreVip(this.#target, vip, (error) => {
        if (this.#state.state === "MASTER") this.#vipsFailed(error);
      });
    });
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
    const admissionChanged = admissionKey(config) !==
      admissionKey(this.#config);
    this.#config = config;
    if (admissionChanged) this.#admission = admissionOf(config);
    this.#transmit.configure(config);
    const primary = this.address;
    if (primary !== null) {
      this.#feed({
        type: "configure",
        config: electionConfig(config, primary, this.#ownAddresses()),
      });
    }
    this.#attached = ""; // ignore_link_state may have changed
    if (this.#sockets !== null) this.attach(this.#sockets, this.#link);
  }

  /** Planned handover: bow out if MASTER and stay least preferred. */
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
    return this.#ctx.effects.hooksIdle(this.key);
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
    this.#transmit.stop();
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

  #feed(event: VhidEvent): void {
    const now = this.#ctx.clock.now();
    // A timer overdue when something else comes first (adverts read after a
    // stall) may be re-armed without ever firing: its lateness counts now.
    if (this.#armedFor !== null && now > this.#armedFor) {
      this.#timerLate(now - this.#armedFor);
    }
    const r = step(this.#state, event, now);
    this.#state = r.state;
    this.#queue.push(...r.actions);
    this.#arm(r.deadline);
    this.#run();
    if (this.#transmit.demoted || this.#transmit.probing) {
      this.#transmit.probe(
        this.#state.state === "BACKUP" && !this.#stopping,
        advertIntervalMs(this.#state),
        () => this.#state.config.election.bowOut(this.#state),
      );
    }
    if (this.#state.releaseAt === null && this.#releaseWaiters.length > 0) {
      for (const resolve of this.#releaseWaiters.splice(0)) resolve();
    }
  }

  #arm(deadline: number | null): void {
    if (deadline === this.#armedFor && this.#cancelTimer !== undefined) return;
    this.#cancelTimer?.();
    this.#armedFor = deadline;
    this.#cancelTimer = deadline === null
      ? undefined
      : this.#ctx.clock.at(deadline, () => {
        this.#cancelTimer = undefined;
        this.#armedFor = null;
        const lateMs = this.#ctx.clock.now() - deadline;
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
    const effects = this.#ctx.effects;
    switch (a.type) {
      case "send_advert":
        return this.#transmit.send(a.advert);
      case "add_vips":
        this.#waitingForVips = true;
        return effects.addVips(this.#target, (error) => {
          this.#waitingForVips = false;
          if (error !== null) return this.#vipsFailed(error);
          if (this.#state.vipFailures > 0) this.#feed({ type: "vips_ok" });
          this.#run();
        });
      case "remove_vips":
        return effects.removeVips(this.#target);
      case "garp":
        return effects.announce(this.#target);
      case "run_hook":
        return effects.runScripts(this.#target, a.hook);
      case "transition":
        return this.#transition(a);
    }
  }

  #vipsFailed(detail: string): void {
    this.#waitingForVips = false;
    // What followed the VIPs (announcement, ARP, advert, up hook) must not
    // happen: the vhid gives mastership away instead.
    this.#queue.length = 0;
    this.#ctx.log.error(`${this.name}: cannot add its VIPs: ${detail}`);
    this.#feed({ type: "vips_failed", detail });
  }

  #applyDemotion(handover = false): void {
    let total = this.#transmit.demotion()?.advskew ?? 0;
    for (const d of this.#health) total += d.advskew;
    if (total !== this.#state.demotion) {
      this.#feed({ type: "demotion", amount: total, handover });
    }
  }

  #transition(a: Extract<VhidAction, { type: "transition" }>): void {
    // A MASTER whose VIPs did not go on was never announced: say where it
    // really comes from.
    const from = this.#announced;
    this.#announced = a.to;
    this.counters.transitions++;
    this.#lastTransitionAt = this.#ctx.clock.now();
    const heard = this.#state.heardMaster;
    const by = a.reason === "preferred master" && heard
      ? ` ${formatPeer(heard.source)}`
      : "";
    const demotedBy = a.reason === "demoted" && this.#health.length > 0
      ? ` by ${this.#health.map((d) => d.reason).join(", ")}`
      : "";
    const why = a.detail === undefined
      ? `${a.reason}${by}${demotedBy}`
      : a.detail.startsWith(a.reason)
      ? a.detail
      : `${a.reason}: ${a.detail}`;
    this.#ctx.effects.transition(this.#target, from, a.to, why);
    queueMicrotask(this.#ctx.onTransition); // after the step has updated the state
  }
}

/** A vhid's admission, by its protocol and options. */
function admissionOf(c: VhidConfig): Admission {
  return admissionFor({
    protocol: c.protocol,
    replayProtection: c.protocol === "carp" && c.replayProtection,
  });
}

/** What a vhid's admission is built from, to rebuild it when that changes. */
function admissionKey(c: VhidConfig): string {
  return `${c.protocol} ${c.protocol === "carp" && c.replayProtection}`;
}
