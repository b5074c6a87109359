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
import { vhidKey } from "../config/mod.ts";
import {
  advertIntervalMs,
  type GroupSignal,
  initialCounter,
  initialState,
  type LinkAddress,
  type PeerAddress,
  type Refusal,
  type StateName,
  step,
  type VhidAction,
  type VhidEvent,
  type VhidState,
} from "../fsm/mod.ts";
import type { Demotion } from "../health/mod.ts";
import type { Ipv6 } from "../net/mod.ts";
import {
  type AnyDropReason,
  type HeardAdvert,
  type WireEntry,
  wireEntry,
} from "../wire/mod.ts";
import { ActionQueue } from "./actions.ts";
import { emptyVhidCounters, type VhidCounters } from "./counters.ts";
import {
  type EffectTarget,
  effectTarget,
  type TransitionRecord,
  transitionWhy,
} from "./effect_target.ts";
import { electionConfig } from "./timing/mod.ts";
import type { Link } from "./links.ts";
import { InterfaceView } from "./interface_view.ts";
import { Hearing } from "./hearing.ts";
import { type SocketsView, Transmitter } from "./transmit.ts";
import { warmUp } from "./warm_up.ts";
import { VhidKeys } from "./vhid_keys.ts";
import { VhidTimer } from "./vhid_timer.ts";
import { VhidDemotions } from "./vhid_demotions.ts";
import type { DriverContext, Membership } from "./driver_context.ts";
import { findVip } from "./vip_addresses.ts";

export type { DriverContext } from "./driver_context.ts";

/** A running vhid. */
export class VhidDriver {
  #config: VhidConfig;
  readonly #ctx: DriverContext;
  readonly counters: VhidCounters = emptyVhidCounters();
  readonly #transmit: Transmitter;
  readonly #hearing: Hearing;
  #state: VhidState;
  /** The state last announced (MASTER only once the VIPs are on). */
  #announced: StateName = "INIT";
  #lastTransitionAt: number;
  readonly #iface: InterfaceView;
  readonly #demotions: VhidDemotions;
  #membership: Membership | null = null;
  readonly #actions: ActionQueue;
  readonly #timer: VhidTimer;
  #stopping = false;
  #releaseWaiters: (() => void)[] = [];
  readonly #target: EffectTarget;
  readonly #keys: VhidKeys;

  /** A vhid with these settings, in INIT. */
  constructor(config: VhidConfig, ctx: DriverContext) {
    this.#config = config;
    this.#ctx = ctx;
    this.#iface = new InterfaceView(() => this.#config);
    this.#demotions = new VhidDemotions(
      () => this.#transmit.demotion(),
      (demotions) =>
        ctx.events.publish({
          type: "demotions",
          interface: this.#config.interface,
          vhid: this.#config.id,
          demotions,
        }),
    );
    this.#state = initialState(
      electionConfig(config, config.source ?? 0),
      initialCounter(ctx.clock.wallMs(), ctx.clock.random32()),
    );
    this.#lastTransitionAt = ctx.clock.now();
    this.#timer = new VhidTimer(
      ctx.clock,
      (lateMs) => this.#feed({ type: "timer", lateMs }),
      (lateMs) => this.#timerLate(lateMs),
    );
    this.#keys = new VhidKeys(this.key, config, {
      clock: ctx.clock,
      rings: ctx.rings,
      name: this.name,
      log: ctx.log,
      changed: () =>
        this.#transmit.configure(this.#config, this.#keys.sending()),
    });
    this.#hearing = new Hearing(
      config,
      this.counters,
      (line) => ctx.log.warning(`${this.name}: ${line}`),
      this.#keys,
    );
    this.#transmit = new Transmitter(config, {
      name: this.name,
      clock: ctx.clock,
      log: ctx.log,
      limiter: ctx.limiter,
      frames: ctx.frames,
      counters: this.counters,
      demotionChanged: () => this.#applyDemotion(),
    }, this.#keys.sending());
    this.#target = effectTarget(this.key, this.name, this.counters, () => ({
      config: this.#config,
      link: this.#iface.link,
      keepVips: this.#stopping && !this.#config.releaseVipsOnExit,
    }));
    this.#actions = new ActionQueue({
      log: ctx.log,
      effects: ctx.effects,
      transmit: this.#transmit,
      target: this.#target,
      feed: (e) => this.#feed(e),
      vipFailures: () => this.#state.vipFailures,
      transition: (a) => this.#transition(a),
      signal: (signal) => ctx.groups.signal(this.key, signal),
      preMaster: () => ctx.groups.preMaster(this.key),
    });
    warmUp(config, this.#transmit.encoder);
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
    return wireEntry(
      this.#config,
      this.#iface.ownAddresses(),
      this.#keys.checked(),
    );
  }

  /** Its keys: the roll-out window, and which keys peers use. */
  get keys(): VhidKeys {
    return this.#keys;
  }

  /** Its interface as it sees it: its sources, the address peers know. */
  get iface(): InterfaceView {
    return this.#iface;
  }

  /** What it made of its peers: who they are, warnings, their timing. */
  get hearing(): Hearing {
    return this.#hearing;
  }

  /** When the last transition was, on the daemon's clock. */
  get lastTransitionAt(): number {
    return this.#lastTransitionAt;
  }

  /** Every demotion in force with its reason (standby included). */
  demotions(): Demotion[] {
    return this.#demotions.all(this.#state);
  }

  /** Its own demotions (health, send errors): what its group shares. */
  ownDemotions(): Demotion[] {
    return this.#demotions.own();
  }

  /** Joins a group with this place in it, or leaves it (`null`). */
  joinGroup(m: Membership | null): void {
    if (m?.gated === this.#membership?.gated) return;
    this.#membership = m;
    this.#configureElection();
    if (m === null) this.setGroupDemotions([]);
  }

  /** The demotions the other members of its group put on it now. */
  setGroupDemotions(list: Demotion[]): void {
    for (const e of this.#demotions.setGroup(list, this.#state)) this.#feed(e);
  }

  /** Another member of its group took over or preempts. */
  group(signal: GroupSignal): void {
    this.#feed({ type: "group", signal });
  }

  /**
   * Tells the vhid about its interface: present or not, its link state and
   * addresses, and its sockets. Call at start and after every change.
   *
   * @param sockets The interface's sockets (its port).
   * @param link The interface now, or `null` when it is missing.
   */
  attach(sockets: SocketsView, link: Link | null): void {
    const look = this.#iface.look(sockets, link);
    this.#transmit.route(this.#iface.route);
    if (look === null) return;
    if (look.recreated) {
      // Whatever we held went with the old interface: start over.
      this.#feed({
        type: "fault",
        kind: "interface",
        detail: `${link!.name} re-created`,
      });
    }
    if (look.moved !== null) {
      if (this.#state.state !== "INIT") {
        this.#ctx.log.info(
          `${this.name}: source address ${look.moved.from} -> ${look.moved.to}`,
        );
      }
      this.#configureElection();
      this.#ctx.onReceiveRulesChanged();
    }
    for (const e of look.events) this.#feed(e);
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
    return this.#iface.concerns(address, removed);
  }

  /** The election's settings from the config and the sources now. */
  #configureElection(): void {
    const primary = this.#iface.address;
    if (primary === null) return;
    this.#feed({
      type: "configure",
      config: electionConfig(
        this.#config,
        primary,
        this.#iface.ownAddresses(),
        this.#membership,
      ),
    });
  }

  /** Starts the election (after the first attach). */
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
  ): "accepted" | "copy" | Refusal {
    const refused = this.#hearing.heard(heard, arrivedAt, this.#state);
    if (refused !== null) return refused;
    this.#checkDemotionWarning();
    this.#feed({ type: "advert", source: heard.source, advert: heard.advert });
    return "accepted";
  }

  /**
   * Counts a dropped packet that named it.
   *
   * @param drop Why, who sent it, and (CARP) the counter it claimed.
   * @param arrivedAt When it arrived.
   * @returns The reason it counts under.
   */
  dropped(
    drop: { reason: AnyDropReason; source?: PeerAddress; counter?: bigint },
    arrivedAt: number,
  ): AnyDropReason | Promise<AnyDropReason> {
    return this.#hearing.dropped(
      drop,
      arrivedAt,
      advertIntervalMs(this.#state),
    );
  }

  /**
   * The demotions health checks and tracked interfaces apply now.
   *
   * @param list Each with its reason.
   */
  setHealthDemotions(list: Demotion[]): void {
    for (const e of this.#demotions.setHealth(list, this.#state)) this.#feed(e);
    this.#checkDemotionWarning();
  }

  /** Its last state changes, oldest first. */
  history(): readonly TransitionRecord[] {
    return this.#ctx.effects.history(this.key);
  }

  /** Warns (once per situation) when a demotion leaves a peer no reason to take over. */
  #checkDemotionWarning(): void {
    this.#hearing.checkDemotion(this.#state, this.#demotions.healthDemotes());
  }

  /**
   * Someone removed an address from our interface: a VIP of ours while we
   * are MASTER is put back (after a moment, to let a deleted interface go).
   */
  #addressRemoved(address: number | Ipv6): void {
    const vip = findVip(this.#config.vips, address);
    const master = (): boolean => this.#state.state === "MASTER";
    if (vip === undefined || !master() || this.#actions.waitingForVips) return;
    this.#ctx.effects.restoreVip(
      this.#target,
      vip,
      () => master() && !this.#stopping,
      (error) => {
        if (master()) this.#actions.vipsFailed(error);
      },
    );
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
    const before = this.#config.vips;
    this.#config = config;
    if (this.#keys.configure(config)) this.#ctx.onReceiveRulesChanged();
    this.#ctx.effects.vipsChanged(
      this.#target,
      before,
      this.#state.state === "MASTER",
      (error) => this.#actions.vipsFailed(error),
    );
    this.#hearing.configure(config);
    this.#transmit.configure(config, this.#keys.sending());
    this.#configureElection();
    // ignore_link_state may have changed: look at the interface afresh.
    this.#iface.forget();
    const sockets = this.#iface.sockets;
    if (sockets !== null) this.attach(sockets, this.#iface.link);
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
    this.#keys.stop();
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
    this.#timer.overdue(now);
    const r = step(this.#state, event, now);
    const wasMaster = this.#state.state === "MASTER";
    this.#state = r.state;
    if (wasMaster && r.state.state !== "MASTER") {
      this.#ctx.groups.leftMaster(this.key);
    }
    this.#timer.arm(r.deadline);
    this.#actions.push(r.actions);
    if (this.#transmit.demoted || this.#transmit.probing) {
      this.#transmit.probe(
        this.#state.state === "BACKUP" && !this.#stopping,
        advertIntervalMs(this.#state),
        () => this.#state.config.election.bowOut(this.#state),
      );
    }
    this.#demotions.tell(this.#state);
    if (this.#state.releaseAt === null && this.#releaseWaiters.length > 0) {
      for (const resolve of this.#releaseWaiters.splice(0)) resolve();
    }
  }

  /** Records how late a protocol timer fired (or was found overdue). */
  #timerLate(lateMs: number): void {
    const intervalMs = advertIntervalMs(this.#state);
    this.#hearing.timerLate(lateMs, intervalMs);
    this.#ctx.onTimer(lateMs, intervalMs);
  }

  /** Brings the state machine in line with every demotion in force. */
  #applyDemotion(): void {
    for (const e of this.#demotions.events(this.#state)) this.#feed(e);
  }

  #transition(a: Extract<VhidAction, { type: "transition" }>): void {
    // A MASTER whose VIPs did not go on was never announced: say where it
    // really comes from.
    const from = this.#announced;
    this.#announced = a.to;
    this.counters.transitions++;
    this.#lastTransitionAt = this.#ctx.clock.now();
    const why = transitionWhy(
      a,
      this.#state.heardMaster?.source ?? null,
      this.#demotions.reasons(),
    );
    this.#ctx.effects.transition(this.#target, from, a.to, why);
    queueMicrotask(this.#ctx.onTransition); // after the step has updated the state
  }
}
