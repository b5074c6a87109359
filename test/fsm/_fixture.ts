/** Helpers for driving one state machine with a fake clock. */

import {
  type CarpAction,
  type CarpEvent,
  type ElectionConfig,
  initialState,
  step,
  type VhidState,
} from "../../src/fsm/mod.ts";
import { parseIpv4 } from "../../src/carp/mod.ts";

/** Parses an address that the test knows is valid. */
export function ip(text: string): number {
  const a = parseIpv4(text);
  if (a === null) throw new TypeError(`Bad test address "${text}"`);
  return a;
}

/** A VRRP vhid: priority 100 (or as given), 1 s adverts, preempting. */
export function vrrpConfig(
  priority = 100,
  intervalCs = 100,
  overrides: Partial<ElectionConfig> = {},
  version: 2 | 3 = 3,
): Partial<ElectionConfig> {
  return {
    preempt: true,
    ...overrides,
    vrrp: { priority, intervalCs, version },
  };
}

/** A vhid with ucarp's defaults (advbase 1, deadratio 3) and overrides. */
export function config(
  overrides: Partial<ElectionConfig> = {},
): ElectionConfig {
  return {
    vhid: 7,
    advbase: 1,
    advskew: 50,
    deadratio: 3,
    preempt: false,
    source: ip("10.99.0.1"),
    neutral: false,
    garpCount: 2,
    garpIntervalMs: 1000,
    ...overrides,
  };
}

/** One state machine and a fake clock. */
export class Harness {
  s: VhidState;
  now = 0;
  actions: CarpAction[] = [];
  deadline: number | null = null;

  constructor(overrides: Partial<ElectionConfig> = {}, counter = 100n) {
    this.s = initialState(config(overrides), counter);
  }

  /** Feeds an event at the current time; returns its actions. */
  feed(event: CarpEvent): CarpAction[] {
    const r = step(this.s, event, this.now);
    this.s = r.state;
    this.actions = r.actions;
    this.deadline = r.deadline;
    return r.actions;
  }

  /** Moves the clock to `t` and fires the timer. */
  at(t: number): CarpAction[] {
    this.now = t;
    return this.feed({ type: "timer" });
  }

  /** Delivers an advert from a peer. */
  advert(
    source: string,
    advbase: number,
    advskew: number,
    counter = 1n,
  ): CarpAction[] {
    return this.feed({
      type: "advert",
      // IPv6 senders are known by their text.
      source: source.includes(":") ? source : ip(source),
      advbase,
      advskew,
      counter,
    });
  }

  /** Delivers a VRRP advert from a peer. */
  vrrp(source: string, priority: number, intervalCs = 100): CarpAction[] {
    return this.feed({
      type: "vrrp_advert",
      source: source.includes(":") ? source : ip(source),
      priority,
      intervalCs,
    });
  }

  /** Starts, then lets master-down expire: the vhid ends MASTER. */
  becomeMaster(): void {
    this.feed({ type: "start" });
    this.at(this.deadline!);
    if (this.s.state !== "MASTER") throw new Error("did not become MASTER");
  }
}

/** Action types only, for compact assertions. */
export function kinds(actions: CarpAction[]): string[] {
  return actions.map((a) =>
    a.type === "run_hook"
      ? `hook:${a.hook}`
      : a.type === "transition"
      ? `${a.from}->${a.to}`
      : a.type === "send_vrrp_advert"
      ? `vrrp:${a.priority}`
      : a.type
  );
}
