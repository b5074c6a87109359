/**
 * The per-vhid CARP state machine: `(state, event, now) -> (state, actions,
 * next deadline)`. Pure: no clock, no sockets, no processes; the daemon
 * executes the actions and calls back at the deadline.
 *
 * The election rules are ucarp's (`../shared/research/ucarp.md` section 3),
 * with the differences carpd makes on purpose:
 * - a master re-asserts a worse master with an advert as well as a
 *   gratuitous ARP (RFC 9568), at most once per advert interval;
 * - a change of effective advskew is advertised at once;
 * - stop, standby and step-down send the 255/255 bow-out advert, so backups
 *   take over at once instead of after master-down, and keep the VIPs until
 *   the successor has had time to announce itself (make before break);
 * - the counter starts random (chosen by the caller) and only moves forward:
 *   after a valid advert it is at least the peer's plus one, so it never
 *   echoes a peer's counter and stays increasing per sender.
 *
 * A VRRP vhid (`config.vrrp` set) runs the same machine with RFC 9568's
 * election (`../shared/research/vrrp_ipv6.md` section 1.7): priorities,
 * Skew_Time and Master_Down_Interval, the backup adopting the master's
 * interval, priority 0 as the bow-out. Faults, VIP retries, gratuitous ARPs
 * and make before break are shared.
 * @module
 */

import {
  intervalTicks,
  masterDownTicks,
  remoteWinsTie,
  ticksToMs,
} from "./carp_timing.ts";
import { skewMs, vrrpRemoteWinsTie } from "./vrrp_timing.ts";

/** Where a vhid stands. */
export type CarpState = "INIT" | "BACKUP" | "MASTER" | "FAULT";

/**
 * What keeps a vhid in FAULT: its interface is missing, its link is down,
 * it has no address to advertise from, its VIPs could not be added, or a
 * check (or tracked interface) with `fault = true` fails. A vhid is in
 * FAULT (once started) while any of them holds.
 */
export type FaultKind = "interface" | "link" | "source" | "vips" | "check";

/** The faults of a vhid, each with the sentence status and logs show. */
export type Faults = Readonly<Partial<Record<FaultKind, string>>>;

/** First wait before adding VIPs again after a failure; it doubles. */
export const VIP_RETRY_FIRST_MS = 1000;
/** Longest wait between attempts to add the VIPs. */
export const VIP_RETRY_MAX_MS = 60_000;

/**
 * After a bow-out, every backup claims mastership at once with an advert
 * of its own priority, and waits this long for a better claim before it
 * takes the VIPs: the most preferred backup takes over alone, whatever the
 * skews, and the others never add a VIP or run an up script.
 */
export const CLAIM_WINDOW_MS = 8;

/**
 * How long a MASTER that handed over on a demotion waits for a successor
 * before it takes mastership back (ucarp backups may take up to a second to
 * see the bow-out); never longer than its master-down interval.
 */
export const HANDOVER_WINDOW_MS = 1200;

/**
 * After a bow-out the VIPs stay on until this long after the first advert
 * of a successor (its claim): time for it to win the claim window, add the
 * VIPs and announce them, so clients move without losing a packet.
 */
export const RELEASE_GRACE_MS = 30;

/**
 * The longest a stopping daemon keeps its VIPs waiting for a successor
 * (never longer than its master-down interval).
 */
export const RELEASE_STOP_MAX_MS = 1000;

/** Largest advskew a demotion can produce; 255 is kept for the bow-out. */
export const MAX_DEMOTED_ADVSKEW = 254;

/** advbase/advskew of the bow-out advert. */
const BOW_OUT = 255;

/** The lowest priority a demotion or standby leaves a VRRP vhid with. */
export const MIN_DEMOTED_PRIORITY = 1;

/** The VRRP priority that says "the master is leaving". */
const VRRP_BOW_OUT = 0;

/** What makes a vhid a VRRPv3 one. */
export interface VrrpElection {
  /** Priority, 1-254; higher wins. */
  priority: number;
  /** Advertisement_Interval, centiseconds (1-4095; whole seconds for v2). */
  intervalCs: number;
  /**
   * 2 for VRRPv2 (RFC 3768): the skew is `(256 - priority) / 256` s
   * whatever the interval, and backups keep their own interval (v2 drops
   * adverts with another). 3 (the default) for RFC 9568.
   */
  version?: 2 | 3;
}

const COUNTER_MASK = (1n << 64n) - 1n;

/** What the election of one vhid is configured with. */
export interface ElectionConfig {
  /** Virtual host id. */
  vhid: number;
  /** Seconds, 0-255; 0 means adverts every advskew/256 s. */
  advbase: number;
  /** 1/256 s, 0-255 (at least 1 when advbase is 0). */
  advskew: number;
  /** Adverts a backup may miss before taking over. */
  deadratio: number;
  /** Take over from a less preferred master. */
  preempt: boolean;
  /**
   * Our source address, for the master tie-break and to know our own
   * adverts: the IPv4 one (a number), or for an IPv6-only vhid the IPv6 one
   * (its text).
   */
  source: PeerAddress;
  /** Our IPv6 source (text), when the vhid advertises over IPv6 too. */
  source6?: string | null;
  /** Set for a VRRP vhid (advbase, advskew and deadratio are then unused). */
  vrrp?: VrrpElection;
  /** Skip the down hook on the first INIT -> BACKUP (ucarp `--neutral`). */
  neutral: boolean;
  /** Gratuitous ARPs sent on becoming master (at least 1). */
  garpCount: number;
  /** Milliseconds between them. */
  garpIntervalMs: number;
}

/**
 * Where an advert came from: an IPv4 address (a network-order number) or an
 * IPv6 one (its RFC 5952 text).
 */
export type PeerAddress = number | string;

/** The master last heard, for status. */
export interface HeardMaster {
  /** Its address. */
  source: PeerAddress;
  /** The advbase it advertised (CARP; 0 for VRRP). */
  advbase: number;
  /** The advskew it advertised (CARP; 0 for VRRP). */
  advskew: number;
  /** The priority it advertised (VRRP only). */
  priority?: number;
  /** The interval it advertised, centiseconds (VRRP only). */
  intervalCs?: number;
  /** When we heard it. */
  at: number;
}

/** The whole state of one vhid. Treat as immutable. */
export interface VhidState {
  /** Configuration. */
  readonly config: ElectionConfig;
  /** Current state. */
  readonly state: CarpState;
  /** Sum of active demotions (advskew added). */
  readonly demotion: number;
  /** Sticky administrative standby. */
  readonly standby: boolean;
  /** Next counter to send. */
  readonly counter: bigint;
  /** When the next advert is due (MASTER). */
  readonly advertAt: number | null;
  /** When the master is declared down (BACKUP). */
  readonly masterDownAt: number | null;
  /** Why a BACKUP becomes MASTER when `masterDownAt` comes. */
  readonly takeover: TransitionReason;
  /** A BACKUP claiming mastership after a bow-out, until `masterDownAt`. */
  readonly claiming: boolean;
  /**
   * The `masterDownAt` granted as grace after this vhid itself was stalled
   * (see the `timer` event), so the grace is given once per silence.
   */
  readonly stallGraceUntil: number | null;
  /** When the next repeated gratuitous ARP is due. */
  readonly garpAt: number | null;
  /** Repeated gratuitous ARPs still to send. */
  readonly garpsLeft: number;
  /** When we last re-asserted against a worse master. */
  readonly reassertedAt: number;
  /** The master heard last, or `null`. */
  readonly heardMaster: HeardMaster | null;
  /** Why the vhid cannot serve now (FAULT once started). */
  readonly faults: Faults;
  /** Failed attempts to add the VIPs since they last went on. */
  readonly vipFailures: number;
  /** When to try the VIPs again (FAULT for `vips`). */
  readonly vipRetryAt: number | null;
  /**
   * After a bow-out, the VIPs are still on until this time (brought forward
   * when a successor is heard); `null` when nothing is held back.
   */
  readonly releaseAt: number | null;
  /**
   * VRRP: Active_Adver_Interval, the interval learnt from the master's
   * adverts (centiseconds); `null` until one is heard (our own applies).
   */
  readonly activeIntervalCs: number | null;
}

/** Why a transition happened. */
export type TransitionReason =
  | "start"
  | "master down"
  | "preemption"
  | "master bowing out"
  | "preferred master"
  | "step down"
  | "standby"
  | "link down"
  | "link up"
  | "interface missing"
  | "interface back"
  | "no source address"
  | "source address back"
  | "cannot add VIPs"
  | "retrying VIPs"
  | "check failing"
  | "check passing"
  | "demoted"
  | "no successor"
  | "stop";

/** The reason given when a fault starts, and when it ends. */
const FAULT_REASONS: Record<
  FaultKind,
  { raised: TransitionReason; cleared: TransitionReason }
> = {
  interface: { raised: "interface missing", cleared: "interface back" },
  link: { raised: "link down", cleared: "link up" },
  source: { raised: "no source address", cleared: "source address back" },
  vips: { raised: "cannot add VIPs", cleared: "retrying VIPs" },
  check: { raised: "check failing", cleared: "check passing" },
};

/** Fault kinds in the order status lists them. */
const FAULT_KINDS: readonly FaultKind[] = [
  "interface",
  "link",
  "source",
  "vips",
  "check",
];

/** An input to the state machine. */
export type CarpEvent =
  | { type: "start" }
  | {
    type: "advert";
    source: PeerAddress;
    advbase: number;
    advskew: number;
    counter: bigint;
  }
  /** A VRRP advert (for a VRRP vhid). */
  | {
    type: "vrrp_advert";
    source: PeerAddress;
    priority: number;
    intervalCs: number;
  }
  /**
   * Timers are due. `lateMs`: how late they fire; when this process was
   * stalled longer than the master's interval, its silence was not
   * watched, and on a shared machine or host the master was likely stalled
   * as well: a BACKUP then gives it two of its intervals to be heard before
   * taking over (once per silence).
   */
  | { type: "timer"; lateMs?: number }
  /**
   * The sum of the vhid's demotions now. With `handover` (a health check or
   * a tracked interface started failing), a MASTER bows out so any healthy
   * backup takes over, preempting or not.
   */
  | { type: "demotion"; amount: number; handover?: boolean }
  | { type: "configure"; config: ElectionConfig }
  | { type: "standby" }
  | { type: "resume" }
  | { type: "step_down" }
  | { type: "link_down" }
  | { type: "link_up" }
  | { type: "fault"; kind: FaultKind; detail: string }
  | { type: "fault_cleared"; kind: FaultKind }
  /** The VIPs could not be added: give mastership away, retry later. */
  | { type: "vips_failed"; detail: string }
  /** The VIPs went on: the next failure starts the back-off afresh. */
  | { type: "vips_ok" }
  | { type: "stop" }
  /** Release VIPs held back after a bow-out now (the loop is going away). */
  | { type: "release" };

/** Something the daemon must do, in the order given. */
export type CarpAction =
  | { type: "send_advert"; advbase: number; advskew: number; counter: bigint }
  /** A VRRP advert with this priority and the configured interval. */
  | { type: "send_vrrp_advert"; priority: number }
  | { type: "add_vips" }
  | { type: "remove_vips" }
  | { type: "garp" }
  | { type: "run_hook"; hook: "up" | "down" }
  | {
    type: "transition";
    from: CarpState;
    to: CarpState;
    reason: TransitionReason;
    /** More about the reason (which fault, which error), for the log. */
    detail?: string;
  };

/** The result of {@linkcode step}. */
export interface CarpStep {
  /** The new state. */
  state: VhidState;
  /** What to do now, in order. */
  actions: CarpAction[];
  /** When to deliver the next `timer` event, or `null` for never. */
  deadline: number | null;
}

/**
 * A vhid in INIT, before `start`.
 *
 * @param config Election settings.
 * @param initialCounter A random 64-bit value (the caller owns randomness).
 * @returns The state.
 */
export function initialState(
  config: ElectionConfig,
  initialCounter: bigint,
): VhidState {
  return {
    config,
    state: "INIT",
    demotion: 0,
    standby: false,
    counter: initialCounter & COUNTER_MASK,
    advertAt: null,
    masterDownAt: null,
    takeover: "master down",
    claiming: false,
    stallGraceUntil: null,
    garpAt: null,
    garpsLeft: 0,
    reassertedAt: -Infinity,
    heardMaster: null,
    faults: {},
    vipFailures: 0,
    vipRetryAt: null,
    releaseAt: null,
    activeIntervalCs: null,
  };
}

/**
 * The faults of a vhid as sentences, in a fixed order.
 *
 * @param s The vhid.
 * @returns One sentence per fault; empty when it can serve.
 */
export function faultList(s: VhidState): string[] {
  return FAULT_KINDS.flatMap((k) => {
    const d = s.faults[k];
    return d === undefined ? [] : [d];
  });
}

function hasFaults(f: Faults): boolean {
  return FAULT_KINDS.some((k) => f[k] !== undefined);
}

/**
 * How long to wait before adding the VIPs again after `failures` failures.
 *
 * @param failures Failures so far (at least 1).
 * @returns Milliseconds: 1 s, doubling, at most 60 s.
 */
export function vipRetryDelayMs(failures: number): number {
  return Math.min(
    VIP_RETRY_MAX_MS,
    VIP_RETRY_FIRST_MS * 2 ** Math.max(0, failures - 1),
  );
}

/**
 * The advskew in force: configured plus demotions, capped at 254; 254 while
 * in standby.
 *
 * @param s The vhid.
 * @returns The advskew to advertise and compare with.
 */
export function effectiveAdvskew(s: VhidState): number {
  const base = s.config.advskew;
  if (s.standby) return Math.max(base, MAX_DEMOTED_ADVSKEW);
  if (s.demotion <= 0) return base;
  return Math.max(base, Math.min(MAX_DEMOTED_ADVSKEW, base + s.demotion));
}

/**
 * The priority in force of a VRRP vhid: configured minus demotions, at
 * least 1; 1 while in standby.
 *
 * @param s The vhid (a VRRP one; 0 otherwise).
 * @returns The priority to advertise and compare with.
 */
export function effectivePriority(s: VhidState): number {
  const v = s.config.vrrp;
  if (v === undefined) return 0;
  if (s.standby) return MIN_DEMOTED_PRIORITY;
  return Math.max(MIN_DEMOTED_PRIORITY, v.priority - Math.max(0, s.demotion));
}

/**
 * How far from the most preferred a vhid stands now, for either protocol:
 * the effective advskew (CARP), or 255 minus the effective priority (VRRP).
 * A higher rank is less preferred.
 *
 * @param s The vhid.
 * @returns The rank.
 */
export function effectiveRank(s: VhidState): number {
  return s.config.vrrp === undefined
    ? effectiveAdvskew(s)
    : 255 - effectivePriority(s);
}

/**
 * Milliseconds between adverts as master.
 *
 * @param s The vhid.
 * @returns The interval.
 */
export function advertIntervalMs(s: VhidState): number {
  const v = s.config.vrrp;
  if (v !== undefined) return v.intervalCs * 10;
  return ticksToMs(intervalTicks(s.config.advbase, effectiveAdvskew(s)));
}

/**
 * Milliseconds of silence after which a backup takes over: CARP's
 * master-down, or VRRP's Master_Down_Interval from the master's interval.
 *
 * @param s The vhid.
 * @returns The master-down interval.
 */
export function masterDownMs(s: VhidState): number {
  const c = s.config;
  if (c.vrrp !== undefined) {
    return 3 * activeIntervalCs(s) * 10 + vrrpSkewMs(s);
  }
  return ticksToMs(
    masterDownTicks(c.advbase, effectiveAdvskew(s), c.deadratio),
  );
}

/**
 * The interval of the master a BACKUP follows, as it advertises it.
 *
 * @param s The vhid.
 * @returns Milliseconds, or `null` when no master has been heard.
 */
function heardIntervalMs(s: VhidState): number | null {
  const m = s.heardMaster;
  if (m === null) return null;
  if (s.config.vrrp !== undefined) return activeIntervalCs(s) * 10;
  return ticksToMs(intervalTicks(m.advbase, m.advskew));
}

/** The master's interval a VRRP backup times out on. */
function activeIntervalCs(s: VhidState): number {
  return s.activeIntervalCs ?? s.config.vrrp?.intervalCs ?? 100;
}

/** Skew_Time of a VRRP backup: v3's formula, or v2's in whole seconds. */
function vrrpSkewMs(s: VhidState): number {
  const interval = s.config.vrrp?.version === 2 ? 100 : activeIntervalCs(s);
  return skewMs(effectivePriority(s), interval);
}

/**
 * The earliest pending timer.
 *
 * @param s The vhid.
 * @returns A time, or `null` when nothing is armed.
 */
export function nextDeadline(s: VhidState): number | null {
  let next: number | null = null;
  for (
    const t of [s.advertAt, s.masterDownAt, s.garpAt, s.vipRetryAt, s.releaseAt]
  ) {
    if (t !== null && (next === null || t < next)) next = t;
  }
  return next;
}

/**
 * Feeds one event to a vhid.
 *
 * @param s The vhid.
 * @param event What happened.
 * @param now The current time in milliseconds (any monotonic origin).
 * @returns The new state, the actions to execute in order, and the deadline.
 */
export function step(s: VhidState, event: CarpEvent, now: number): CarpStep {
  const run = new Run(s, now);
  run.handle(event);
  return { state: run.s, actions: run.actions, deadline: nextDeadline(run.s) };
}

/**
 * The longest a stopping vhid keeps its VIPs for a successor. A VRRP
 * backup waits up to one interval (its Skew_Time) after the priority-0
 * advert, so a long interval waits longer.
 */
function releaseStopMaxMs(s: VhidState): number {
  const wait = s.config.vrrp === undefined
    ? RELEASE_STOP_MAX_MS
    : Math.max(RELEASE_STOP_MAX_MS, advertIntervalMs(s) + 200);
  return Math.min(wait, masterDownMs(s));
}

/**
 * How long a MASTER that bowed out on a demotion waits for a successor
 * before it takes mastership back. A VRRP backup takes over one Skew_Time
 * (under one interval) after the priority-0 advert; two intervals leave it
 * room.
 */
function handoverWindowMs(s: VhidState): number {
  const window = s.config.vrrp === undefined
    ? HANDOVER_WINDOW_MS
    : 2 * advertIntervalMs(s) + 100;
  return Math.min(window, masterDownMs(s));
}

type Draft = { -readonly [K in keyof VhidState]: VhidState[K] };

/** One step in progress: a private copy of the state and the actions so far. */
class Run {
  readonly s: Draft;
  readonly actions: CarpAction[] = [];
  readonly #now: number;

  constructor(s: VhidState, now: number) {
    this.s = { ...s };
    this.#now = now;
  }

  handle(event: CarpEvent): void {
    const state = this.s.state;
    switch (event.type) {
      case "start":
        if (state !== "INIT") return;
        if (hasFaults(this.s.faults)) this.#toFault(this.#firstFault());
        else this.#toBackup("start");
        return;
      case "advert":
        if (this.s.config.vrrp !== undefined) return;
        return this.#advert(event);
      case "vrrp_advert":
        if (this.s.config.vrrp === undefined) return;
        return this.#vrrpAdvert(event);
      case "timer":
        return this.#timer(event.lateMs ?? 0);
      case "demotion":
        return this.#setSkew(
          { demotion: Math.max(0, event.amount) },
          event.handover === true,
        );
      case "configure":
        return this.#configure(event.config);
      case "standby":
        // No advert of the new skew first: the bow-out says more.
        this.#set({ standby: true });
        if (state === "MASTER") this.#bowOut("BACKUP", "standby");
        return;
      case "resume":
        return this.#setSkew({ standby: false });
      case "step_down":
        if (state === "MASTER") this.#bowOut("BACKUP", "step down");
        return;
      case "link_down":
        return this.#raise("link", "link down");
      case "link_up":
        return this.#clear("link");
      case "fault":
        return this.#raise(event.kind, event.detail);
      case "fault_cleared":
        return this.#clear(event.kind);
      case "vips_failed": {
        // Only a MASTER adds VIPs; a late report after it left is moot.
        if (state !== "MASTER") return;
        const failures = this.s.vipFailures + 1;
        const delay = vipRetryDelayMs(failures);
        this.#set({ vipFailures: failures });
        this.#raise(
          "vips",
          `${event.detail}; retrying in ${delay / 1000} s`,
        );
        this.#set({ vipRetryAt: this.#now + delay });
        return;
      }
      case "vips_ok":
        this.#set({ vipFailures: 0 });
        return;
      case "stop": {
        if (state === "MASTER") this.#bowOut("INIT", "stop");
        else if (state !== "INIT") this.#enter("INIT", "stop");
        this.#set({ vipRetryAt: null });
        const releaseAt = this.s.releaseAt;
        if (releaseAt !== null) {
          const limit = this.#now + releaseStopMaxMs(this.s);
          this.#set({ releaseAt: Math.min(releaseAt, limit) });
        }
        return;
      }
      case "release":
        return this.#release();
    }
  }

  /** A fault starts (or its detail changes): FAULT, giving up mastership. */
  #raise(kind: FaultKind, detail: string): void {
    const s = this.s;
    this.#set({ faults: { ...s.faults, [kind]: detail } });
    if (s.state === "INIT" || s.state === "FAULT") return;
    if (s.state === "MASTER") {
      // With VIPs that would not go on or a failing check, the link still
      // works: tell the backups at once. Otherwise nothing would reach them.
      if (kind === "vips" || kind === "check") this.#sendBowOut();
      this.#leaveMaster();
    }
    this.#toFault(kind);
  }

  /** A fault ends; the last one to end sends the vhid back to BACKUP. */
  #clear(kind: FaultKind): void {
    const s = this.s;
    if (s.faults[kind] === undefined) return;
    const faults = { ...s.faults };
    delete faults[kind];
    this.#set({ faults, ...(kind === "vips" ? { vipRetryAt: null } : {}) });
    if (s.state === "FAULT" && !hasFaults(faults)) {
      this.#toBackup(FAULT_REASONS[kind].cleared);
    }
  }

  #firstFault(): FaultKind {
    return FAULT_KINDS.find((k) => this.s.faults[k] !== undefined)!;
  }

  #toFault(kind: FaultKind): void {
    const from = this.s.state;
    const held = this.s.releaseAt !== null;
    this.#release(); // a vhid in FAULT holds nothing
    this.#enter("FAULT", FAULT_REASONS[kind].raised, this.s.faults[kind]);
    if (from === "INIT" && !held) {
      this.actions.push({ type: "remove_vips" });
      if (!this.s.config.neutral) {
        this.actions.push({ type: "run_hook", hook: "down" });
      }
    }
  }

  #advert(a: Extract<CarpEvent, { type: "advert" }>): void {
    const s = this.s;
    if (a.source === s.config.source || a.source === s.config.source6) {
      return; // our own, looped back
    }
    if (s.releaseAt !== null && a.advskew !== BOW_OUT) {
      // A successor claims: it will hold the VIPs shortly.
      this.#set({
        releaseAt: Math.min(s.releaseAt, this.#now + RELEASE_GRACE_MS),
      });
    }
    if (s.state === "INIT" || s.state === "FAULT") return;
    const peerNext = (a.counter + 1n) & COUNTER_MASK;
    if (peerNext > s.counter) this.#set({ counter: peerNext });

    const mine = intervalTicks(s.config.advbase, effectiveAdvskew(s));
    const theirs = intervalTicks(a.advbase, a.advskew);
    if (s.state === "MASTER") {
      const yields = theirs < mine ||
        (theirs === mine && this.#winsTie(a.source));
      if (yields) {
        // One more advert first, so the winner hears a worse master and
        // re-asserts with a gratuitous ARP (ucarp does the same).
        this.#advertise();
        this.#leaveMaster();
        this.#toBackup("preferred master");
        this.#heard(a);
      } else this.#reassert();
      return;
    }
    // BACKUP
    const c = s.config;
    const bowOut = theirs >
      masterDownTicks(c.advbase, effectiveAdvskew(s), c.deadratio);
    if (s.claiming) {
      // Another claim, or the leaving master: only a better master or
      // claim makes us give way. Anything the leaving master sent before
      // its bow-out and that was overtaken on the way is no successor.
      const better = theirs < mine ||
        (theirs === mine && this.#winsTie(a.source));
      if (bowOut || !better || s.heardMaster?.source === a.source) return;
      this.#heard(a);
      this.#set({
        claiming: false,
        masterDownAt: this.#now + masterDownMs(s),
        takeover: "master down",
      });
      return;
    }
    this.#heard(a);
    // ucarp tests preemption first; both rules lead to MASTER, so testing
    // the bow-out first only gives the log a truer reason.
    if (bowOut) {
      // The master bows out. Every backup claims at once with its own
      // priority and takes the VIPs only if no better claim comes within
      // the window.
      this.#advertise();
      this.#set({
        claiming: true,
        masterDownAt: this.#now + CLAIM_WINDOW_MS,
        takeover: "master bowing out",
      });
    } else if (c.preempt && theirs > mine) {
      this.#toMaster("preemption");
    } else {
      this.#set({
        masterDownAt: this.#now + masterDownMs(s),
        takeover: "master down",
      });
    }
  }

  /** RFC 9568 section 6.4.2 and 6.4.3, with carpd's make before break. */
  #vrrpAdvert(a: Extract<CarpEvent, { type: "vrrp_advert" }>): void {
    const s = this.s;
    if (a.source === s.config.source || a.source === s.config.source6) {
      return; // our own, looped back
    }
    if (s.releaseAt !== null && a.priority !== VRRP_BOW_OUT) {
      this.#set({
        releaseAt: Math.min(s.releaseAt, this.#now + RELEASE_GRACE_MS),
      });
    }
    if (s.state === "INIT" || s.state === "FAULT") return;
    const mine = effectivePriority(s);
    if (s.state === "MASTER") {
      if (a.priority === VRRP_BOW_OUT) {
        // Another master leaving: tell the backups we are here.
        this.#advertise();
        this.#set({ advertAt: this.#now + advertIntervalMs(this.s) });
        return;
      }
      const yields = a.priority > mine ||
        (a.priority === mine &&
          vrrpRemoteWinsTie(a.source, s.config.source));
      if (yields) {
        this.#leaveMaster();
        this.#toBackup("preferred master");
        this.#adopt(a);
      } else this.#reassert();
      return;
    }
    // BACKUP
    if (a.priority === VRRP_BOW_OUT) {
      this.#vrrpHeard(a);
      this.#set({
        masterDownAt: this.#now + vrrpSkewMs(s),
        takeover: "master bowing out",
      });
    } else if (!s.config.preempt || a.priority >= mine) {
      this.#adopt(a);
    } else {
      // A preempting backup ignores a worse master: its own timer runs
      // out and it takes over (RFC 9568 section 6.4.2).
      this.#vrrpHeard(a);
      this.#set({ takeover: "preemption" });
    }
  }

  /** A VRRP backup follows this master: its interval, a fresh timer. */
  #adopt(a: Extract<CarpEvent, { type: "vrrp_advert" }>): void {
    this.#vrrpHeard(a);
    if (this.s.config.vrrp?.version !== 2) {
      this.#set({ activeIntervalCs: a.intervalCs });
    }
    this.#set({
      masterDownAt: this.#now + masterDownMs(this.s),
      takeover: "master down",
    });
  }

  #vrrpHeard(a: Extract<CarpEvent, { type: "vrrp_advert" }>): void {
    this.#set({
      heardMaster: {
        source: a.source,
        advbase: 0,
        advskew: 0,
        priority: a.priority,
        intervalCs: a.intervalCs,
        at: this.#now,
      },
    });
  }

  /**
   * A worse master is about: advert and gratuitous ARPs now (at most once
   * per interval), so it yields and the clients come back.
   */
  #reassert(): void {
    if (this.#now - this.s.reassertedAt < advertIntervalMs(this.s)) return;
    this.#set({ reassertedAt: this.#now });
    this.#advertise();
    this.#set({ advertAt: this.#now + advertIntervalMs(this.s) });
    this.#startGarps();
  }

  #timer(lateMs: number): void {
    const now = this.#now;
    const s = this.s;
    if (s.vipRetryAt !== null && now >= s.vipRetryAt) {
      this.#clear("vips");
      return;
    }
    if (
      s.state === "BACKUP" && s.masterDownAt !== null && now >= s.masterDownAt
    ) {
      const masterInterval = heardIntervalMs(s);
      if (
        masterInterval !== null && lateMs > masterInterval &&
        s.stallGraceUntil !== s.masterDownAt
      ) {
        const until = now + 2 * masterInterval;
        this.#set({ masterDownAt: until, stallGraceUntil: until });
        return;
      }
      this.#toMaster(s.takeover);
      return;
    }
    if (s.releaseAt !== null && now >= s.releaseAt) this.#release();
    if (s.state === "MASTER" && s.advertAt !== null && now >= s.advertAt) {
      this.#advertise();
      // On the cadence, so a late timer does not push every later advert
      // back; after a stall of a whole interval, from now.
      const interval = advertIntervalMs(this.s);
      const next = s.advertAt + interval;
      this.#set({ advertAt: next > now ? next : now + interval });
    }
    if (this.s.garpAt !== null && now >= this.s.garpAt) {
      this.actions.push({ type: "garp" });
      const left = this.s.garpsLeft - 1;
      this.#set({
        garpsLeft: left,
        garpAt: left > 0 ? now + this.s.config.garpIntervalMs : null,
      });
    }
  }

  /**
   * New settings on a reload: kept state; a new interval or priority is
   * advertised at once.
   */
  #configure(config: ElectionConfig): void {
    const before = advertIntervalMs(this.s);
    const rank = effectiveRank(this.s);
    this.#set({ config });
    const changed = advertIntervalMs(this.s) !== before ||
      effectiveRank(this.s) !== rank;
    if (this.s.state === "MASTER" && changed) {
      this.#advertise();
      this.#set({ advertAt: this.#now + advertIntervalMs(this.s) });
    }
  }

  #setSkew(
    patch: Partial<Pick<VhidState, "demotion" | "standby">>,
    handover = false,
  ): void {
    const before = effectiveRank(this.s);
    const wasDemoted = this.s.demotion > 0;
    this.#set(patch);
    const after = effectiveRank(this.s);
    if (
      handover && !wasDemoted && after > before && this.s.state === "MASTER"
    ) {
      // Bow out once, so any backup takes over; come back if none does.
      // A MASTER already demoted keeps serving: when every box is failing,
      // one of them still does.
      this.#bowOut("BACKUP", "demoted");
      this.#set({
        masterDownAt: this.#now + handoverWindowMs(this.s),
        takeover: "no successor",
      });
      return;
    }
    if (after !== before && this.s.state === "MASTER") {
      // Advertise the new priority now: preempting backups decide at once.
      this.#advertise();
      this.#set({ advertAt: this.#now + advertIntervalMs(this.s) });
    }
  }

  #toMaster(reason: TransitionReason): void {
    // The VIPs first: if they cannot be added, the shell drops what follows
    // (the advert, ARP, announcement and up hook) and reports vips_failed.
    // Then the advert, so other backups stop waiting, then the ARP that
    // moves the clients, then the announcement (log, notify).
    // VIPs still held after a bow-out simply stay.
    this.#set({ releaseAt: null });
    this.actions.push({ type: "add_vips" });
    this.#enter("MASTER", reason);
    const announce = this.actions.pop()!;
    this.#advertise();
    this.#startGarps();
    this.actions.push(announce);
    this.actions.push({ type: "run_hook", hook: "up" });
    this.#set({
      masterDownAt: null,
      advertAt: this.#now + advertIntervalMs(this.s),
      heardMaster: null,
      activeIntervalCs: null,
    });
  }

  #toBackup(reason: TransitionReason): void {
    const from = this.s.state;
    this.#enter("BACKUP", reason);
    if (from === "INIT" || from === "FAULT") {
      // Whatever a crash or an admin left behind is not ours while BACKUP.
      this.#set({ releaseAt: null, activeIntervalCs: null });
      this.actions.push({ type: "remove_vips" });
      if (!(from === "INIT" && this.s.config.neutral)) {
        this.actions.push({ type: "run_hook", hook: "down" });
      }
    }
    this.#set({
      masterDownAt: this.#now + masterDownMs(this.s),
      takeover: "master down",
    });
  }

  /**
   * Sends the 255/255 bow-out so backups take over at once, then leaves,
   * keeping the VIPs until a successor has taken them (or until this vhid
   * would take over again itself: then they never go).
   */
  #bowOut(to: "BACKUP" | "INIT", reason: TransitionReason): void {
    this.#sendBowOut();
    if (to === "BACKUP") this.#toBackup(reason);
    else this.#enter("INIT", reason);
    this.#set({
      releaseAt: this.#now + Math.max(CLAIM_WINDOW_MS, masterDownMs(this.s)),
    });
  }

  /** Removes VIPs held back after a bow-out, and runs the down hook. */
  #release(): void {
    if (this.s.releaseAt === null) return;
    this.#set({ releaseAt: null });
    this.#leaveMaster();
  }

  /** Actions common to every way out of MASTER. */
  #leaveMaster(): void {
    this.actions.push({ type: "remove_vips" });
    this.actions.push({ type: "run_hook", hook: "down" });
  }

  #enter(to: CarpState, reason: TransitionReason, detail?: string): void {
    const from = this.s.state;
    this.actions.push({
      type: "transition",
      from,
      to,
      reason,
      ...(detail === undefined ? {} : { detail }),
    });
    this.#set({
      state: to,
      advertAt: null,
      masterDownAt: null,
      claiming: false,
      garpAt: null,
      garpsLeft: 0,
    });
  }

  #startGarps(): void {
    this.actions.push({ type: "garp" });
    const left = this.s.config.garpCount - 1;
    this.#set({
      garpsLeft: left,
      garpAt: left > 0 ? this.#now + this.s.config.garpIntervalMs : null,
    });
  }

  /** The advert of the vhid as it stands. */
  #advertise(): void {
    if (this.s.config.vrrp !== undefined) {
      this.actions.push({
        type: "send_vrrp_advert",
        priority: effectivePriority(this.s),
      });
    } else this.#sendAdvert(this.s.config.advbase, effectiveAdvskew(this.s));
  }

  /** The advert that says this master is leaving. */
  #sendBowOut(): void {
    if (this.s.config.vrrp !== undefined) {
      this.actions.push({ type: "send_vrrp_advert", priority: VRRP_BOW_OUT });
    } else this.#sendAdvert(BOW_OUT, BOW_OUT);
  }

  #sendAdvert(advbase: number, advskew: number): void {
    const counter = this.s.counter;
    this.actions.push({ type: "send_advert", advbase, advskew, counter });
    this.#set({ counter: (counter + 1n) & COUNTER_MASK });
  }

  /**
   * The ucarp tie-break. A dual-stack vhid sends each advert over both
   * families; only the IPv4 copies decide ties, since comparing IPv4
   * addresses in one and link-locals in the other could make two masters
   * each yield to the other.
   */
  #winsTie(remote: PeerAddress): boolean {
    const local = this.s.config.source;
    if (typeof remote !== typeof local) return false;
    return remoteWinsTie(remote, local);
  }

  #heard(a: Extract<CarpEvent, { type: "advert" }>): void {
    const { source, advbase, advskew } = a;
    this.#set({ heardMaster: { source, advbase, advskew, at: this.#now } });
  }

  #set(patch: Partial<VhidState>): void {
    Object.assign(this.s, patch);
  }
}
