/** Helpers for driving one state machine with a fake clock. */

import {
  type CarpElection,
  carpElection,
  type CarpParams,
  effectiveRank,
  type ElectionConfig,
  initialState,
  step,
  type VhidAction,
  type VhidEvent,
  type VhidState,
  type VrrpElection,
  vrrpElection,
  type VrrpParams,
} from "../../src/fsm/mod.ts";
import { skewMs } from "../../src/fsm/vrrp_election.ts";
import { parseIpv4 } from "../../src/net/mod.ts";

/** Parses an address that the test knows is valid. */
export function ip(text: string): number {
  const a = parseIpv4(text);
  if (a === null) throw new TypeError(`Bad test address "${text}"`);
  return a;
}

/**
 * What a test sets: the settings every protocol has, CARP's parameters, or
 * `vrrp` for a VRRP vhid.
 */
export type Settings =
  & Partial<Omit<ElectionConfig, "election">>
  & Partial<CarpParams>
  & { vrrp?: Partial<VrrpParams> };

/** A VRRP vhid: priority 100 (or as given), 1 s adverts, preempting. */
export function vrrpConfig(
  priority = 100,
  intervalCs = 100,
  overrides: Settings = {},
  version: 2 | 3 = 3,
): Settings {
  return {
    preempt: true,
    ...overrides,
    vrrp: { priority, intervalCs, version },
  };
}

/** A vhid with ucarp's defaults (advbase 1, deadratio 3) and overrides. */
export function config(overrides: Settings = {}): ElectionConfig {
  const { advbase, advskew, deadratio, vrrp, ...common } = overrides;
  const election = vrrp === undefined
    ? carpElection({
      advbase: advbase ?? 1,
      advskew: advskew ?? 50,
      deadratio: deadratio ?? 3,
    })
    : vrrpElection({
      priority: vrrp.priority ?? 100,
      intervalCs: vrrp.intervalCs ?? 100,
      version: vrrp.version ?? 3,
    });
  return {
    vhid: 7,
    election,
    preempt: false,
    source: ip("10.99.0.1"),
    neutral: false,
    garpCount: 2,
    garpIntervalMs: 1000,
    ...common,
  };
}

/** The settings a harness's vhid has now, to change one of them. */
export function settingsOf(h: { s: VhidState }): Settings {
  const { election, ...common } = h.s.config;
  return election.protocol === "carp"
    ? { ...common, ...(election as CarpElection).params }
    : { ...common, vrrp: (election as VrrpElection).params };
}

/** One state machine and a fake clock. */
export class Harness {
  s: VhidState;
  now = 0;
  actions: VhidAction[] = [];
  deadline: number | null = null;

  constructor(overrides: Settings = {}, counter = 100n) {
    this.s = initialState(config(overrides), counter);
  }

  /** Feeds an event at the current time; returns its actions. */
  feed(event: VhidEvent): VhidAction[] {
    const r = step(this.s, event, this.now);
    this.s = r.state;
    this.actions = r.actions;
    this.deadline = r.deadline;
    return r.actions;
  }

  /** Moves the clock to `t` and fires the timer. */
  at(t: number): VhidAction[] {
    this.now = t;
    return this.feed({ type: "timer" });
  }

  /** Delivers an advert from a peer. */
  advert(
    source: string,
    advbase: number,
    advskew: number,
    counter = 1n,
  ): VhidAction[] {
    return this.feed({
      type: "advert",
      // IPv6 senders are known by their text.
      source: source.includes(":") ? source : ip(source),
      advert: { protocol: "carp", advbase, advskew, counter },
    });
  }

  /** Delivers a VRRP advert from a peer. */
  vrrp(source: string, priority: number, intervalCs = 100): VhidAction[] {
    return this.feed({
      type: "advert",
      source: source.includes(":") ? source : ip(source),
      advert: { protocol: "vrrp", priority, intervalCs },
    });
  }

  /** Starts, then lets master-down expire: the vhid ends MASTER. */
  becomeMaster(): void {
    this.feed({ type: "start" });
    this.at(this.deadline!);
    if (this.s.state !== "MASTER") throw new Error("did not become MASTER");
  }
}

/** The effective advskew of a CARP vhid (its rank). */
export function advskewOf(s: VhidState): number {
  return effectiveRank(s);
}

/** The effective priority of a VRRP vhid (255 minus its rank). */
export function priorityOf(s: VhidState): number {
  return 255 - effectiveRank(s);
}

/**
 * Master_Down_Interval (RFC 9568): `3 x interval + Skew_Time`, in
 * milliseconds, for a backup of this priority and a master of this interval.
 */
export function activeDownMs(priority: number, intervalCs: number): number {
  return 3 * intervalCs * 10 + skewMs(priority, intervalCs);
}

/** The CARP advert an action sends, if it sends one. */
export function carpSent(
  a: VhidAction | undefined,
): { advbase: number; advskew: number; counter: bigint } | undefined {
  return a?.type === "send_advert" && a.advert.protocol === "carp"
    ? a.advert
    : undefined;
}

/** Action types only, for compact assertions. */
export function kinds(actions: VhidAction[]): string[] {
  return actions.map((a) =>
    a.type === "run_hook"
      ? `hook:${a.hook}`
      : a.type === "transition"
      ? `${a.from}->${a.to}`
      : a.type === "send_advert" && a.advert.protocol === "vrrp"
      ? `vrrp:${a.advert.priority}`
      : a.type
  );
}
