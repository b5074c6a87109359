/**
 * The box's groups at run time (`[[group]]`): membership, what one
 * member's standing puts on the others (demotions, from the core's
 * `groupHolds`), signals passed between members, the group's state and its
 * transitions, and its hooks: the pre-master step (conntrackd's commit,
 * then `pre_master`), awaited by the members before their VIPs and run
 * outside the box's hook queue so it never waits behind a hook; the group
 * `notify` and conntrackd's other calls, queued in the box's hook queue in
 * transition order (those of a takeover after the pre-master step).
 * @module
 */

import type { GroupConfig } from "../config/mod.ts";
import type { GroupStatus } from "../control/mod.ts";
import {
  faultList,
  groupHolds,
  type GroupSignal,
  groupSplit,
  type GroupState,
  groupState,
  type MemberStanding,
} from "../fsm/mod.ts";
import type { HookJob, HookResult, Spawner } from "../hooks/mod.ts";
import type { Logger } from "../log.ts";
import type { Clock } from "./clock.ts";
import type { VhidDriver } from "./driver.ts";
import { hookOutcome } from "./effect_target.ts";
import type { EventSink } from "../control/mod.ts";

/** What the groups need from the daemon. */
export interface GroupsContext {
  log: Logger;
  clock: Clock;
  /** Runs the pre-master step's commands (outside the hook queue). */
  spawn: Spawner;
  /** Queues a hook in the box's queue, started once `after` has settled. */
  enqueue(job: HookJob, after?: Promise<void>): Promise<HookResult>;
  /** The running vhid of a key. */
  driver(key: string): VhidDriver | undefined;
  /** The event stream (`carpd events`). */
  events: EventSink;
}

/** How often something ran and how it went. */
export interface RunCounts {
  runs: number;
  failures: number;
}

/** One group's counters. */
export interface GroupCounters {
  transitions: number;
  preMaster: RunCounts & { timeouts: number; lastMs: number | null };
  notify: RunCounts;
  conntrackd: RunCounts & { lastError: string | null };
  /** Times the members were found split (some MASTER, some not). */
  splits: number;
}

/** One group at run time. */
export interface GroupRun {
  readonly config: GroupConfig;
  state: GroupState;
  /** Since when the members are split (daemon clock), or `null`. */
  splitSince: number | null;
  readonly counters: GroupCounters;
  /** The pre-master step of the current MASTER term, once started. */
  term: Promise<void> | null;
}

/** The box's groups. */
export class Groups {
  readonly #ctx: GroupsContext;
  #groups = new Map<string, GroupRun>();
  /** Member key to group name. */
  #of = new Map<string, string>();
  #updating = false;

  constructor(ctx: GroupsContext) {
    this.#ctx = ctx;
  }

  /** Every group, in config order. */
  all(): GroupRun[] {
    return [...this.#groups.values()];
  }

  /** Every group as status shows it. */
  status(): GroupStatus[] {
    const now = this.#ctx.clock.now();
    return this.all().map((g) => {
      const c = g.counters;
      return {
        name: g.config.name,
        state: g.state,
        split: g.splitSince !== null,
        splitSeconds: g.splitSince === null
          ? 0
          : Math.round((now - g.splitSince) / 100) / 10,
        members: [...g.config.members],
        transitions: c.transitions,
        splits: c.splits,
        preMaster: gated(g.config) ? { ...c.preMaster } : null,
        notify: { ...c.notify },
        conntrackd: g.config.conntrackd === null ? null : { ...c.conntrackd },
      };
    });
  }

  /**
   * A group's members.
   *
   * @param name The group's name.
   * @returns Their keys (none for a group the config does not have).
   */
  membersOf(name: string): readonly string[] {
    return this.#groups.get(name)?.config.members ?? [];
  }

  /** The group of a member, if any. */
  of(key: string): GroupRun | undefined {
    const name = this.#of.get(key);
    return name === undefined ? undefined : this.#groups.get(name);
  }

  /**
   * Takes the groups of a (re)loaded config: a group keeps its state and
   * counters across reloads; members join and leave without the others
   * stopping.
   *
   * @param configs The `[[group]]` tables.
   */
  configure(configs: readonly GroupConfig[]): void {
    const before = this.#groups;
    const previous = this.#of;
    this.#groups = new Map();
    this.#of = new Map();
    for (const c of configs) {
      const old = before.get(c.name);
      this.#groups.set(c.name, {
        config: c,
        state: old?.state ?? "INIT",
        splitSince: old?.splitSince ?? null,
        counters: old?.counters ?? emptyCounters(),
        term: old?.term ?? null,
      });
      for (const key of c.members) this.#of.set(key, c.name);
    }
    for (const key of new Set([...previous.keys(), ...this.#of.keys()])) {
      this.joined(key);
    }
    this.update();
  }

  /**
   * Tells a vhid (started, or after a reload) which group it is in.
   *
   * @param key The vhid's key.
   */
  joined(key: string): void {
    const driver = this.#ctx.driver(key);
    if (driver === undefined) return;
    const g = this.of(key);
    driver.joinGroup(
      g === undefined ? null : { gated: gated(g.config) },
    );
  }

  /**
   * A member's signal, passed to the group's other members.
   *
   * @param key The member that sent it.
   * @param signal What it said.
   */
  signal(key: string, signal: GroupSignal): void {
    const g = this.of(key);
    if (g === undefined) return;
    for (const other of g.config.members) {
      if (other !== key) this.#ctx.driver(other)?.group(signal);
    }
  }

  /**
   * A member left MASTER: when none is left, the next takeover runs the
   * pre-master step afresh (said at once, before the next step can ask).
   *
   * @param key The member.
   */
  leftMaster(key: string): void {
    const g = this.of(key);
    if (g === undefined) return;
    const states = this.#states(g);
    if (!states.includes("MASTER")) g.term = null;
  }

  /**
   * The group's pre-master step for a member becoming MASTER: started by
   * the first member, joined by the others; resolves when it has run, or
   * at its timeout (a VIP late is worse than state missing). Never rejects.
   *
   * @param key The member.
   * @returns Resolves when the member may add its VIPs.
   */
  preMaster(key: string): Promise<void> {
    const g = this.of(key);
    if (g === undefined || !gated(g.config)) return Promise.resolve();
    g.term ??= this.#runPreMaster(g);
    return g.term;
  }

  /**
   * Brings every group in line with its members: the demotions they put
   * on each other, the group's state and what its transitions run. Call
   * after any member's state, demotions or standby changed.
   */
  update(): void {
    if (this.#updating) return; // a member fed from here comes back here
    this.#updating = true;
    try {
      for (const g of this.#groups.values()) this.#updateGroup(g);
    } finally {
      this.#updating = false;
    }
  }

  #updateGroup(g: GroupRun): void {
    const members = this.#members(g);
    const standings = members.map(standing);
    for (const d of members) {
      d.setGroupDemotions(groupHolds(g.config.name, standings, d.key));
    }
    const states = members.map((d) => d.state.state);
    const now = this.#ctx.clock.now();
    if (groupSplit(states)) {
      if (g.splitSince === null) {
        g.splitSince = now;
        g.counters.splits++;
      }
    } else g.splitSince = null;
    const next = groupState(states);
    if (next === g.state) return;
    const from = g.state;
    g.state = next;
    g.counters.transitions++;
    this.#ctx.events.publish({
      type: "group_transition",
      group: g.config.name,
      from,
      to: next,
      members: Object.fromEntries(members.map((d) => [d.key, d.state.state])),
    });
    const line = `group ${g.config.name}: ${from} -> ${next}`;
    if (next === "FAULT") this.#ctx.log.warning(line);
    else this.#ctx.log.info(line);
    if (next !== "MASTER") g.term = null;
    if (next === "INIT") return;
    // A takeover's calls wait for its pre-master step (when one is under way).
    const after = next === "MASTER" ? g.term ?? undefined : undefined;
    for (const action of CONNTRACKD_CALLS[next]) {
      this.#conntrackd(g, action, after);
    }
    const notify = g.config.notify;
    if (notify !== null) {
      this.#count(
        g,
        this.#ctx.enqueue({
          argv: [...notify, g.config.name, from, next],
          timeoutMs: g.config.scriptTimeoutMs,
          label: `group ${g.config.name} notify`,
        }, after),
      );
    }
  }

  /** Queues one conntrackd call in the box's hook queue. */
  #conntrackd(g: GroupRun, action: string, after?: Promise<void>): void {
    const argv = g.config.conntrackd;
    if (argv === null) return;
    const job = {
      argv: [...argv, action],
      timeoutMs: g.config.scriptTimeoutMs,
      label: `group ${g.config.name} conntrackd ${action}`,
    };
    const started = { at: 0 };
    const result = this.#ctx.enqueue(
      job,
      (after ?? Promise.resolve()).then(() => {
        started.at = this.#ctx.clock.now();
      }),
    );
    void result.then((r) => {
      const ms = Math.round(this.#ctx.clock.now() - started.at);
      this.#conntrackdResult(g, r, ms);
    });
  }

  #conntrackdResult(g: GroupRun, r: HookResult, ms: number): void {
    const c = g.counters.conntrackd;
    c.runs++;
    const error = this.#timed(g, "conntrackd", r, ms);
    if (error === null) return;
    c.failures++;
    c.lastError = error;
  }

  /** Logs and publishes a timed run; returns how it failed, or `null`. */
  #timed(g: GroupRun, hook: string, r: HookResult, ms: number): string | null {
    const error = failure(r);
    this.#publishHook(g, hook, r, ms);
    if (error === null) this.#ctx.log.info(`${r.label}: ok in ${ms} ms`);
    else this.#ctx.log.warning(`${r.label}: ${error} (${ms} ms)`);
    return error;
  }

  /** The pre-master step: conntrackd's commit, then `pre_master`. */
  async #runPreMaster(g: GroupRun): Promise<void> {
    const c = g.config;
    const clock = this.#ctx.clock;
    const start = clock.now();
    const deadline = start + c.preMasterTimeoutMs;
    const steps: { job: HookJob; conntrackd: boolean }[] = [];
    if (c.conntrackd !== null) {
      steps.push({
        job: {
          argv: [...c.conntrackd, "-c"],
          timeoutMs: 0,
          label: `group ${c.name} conntrackd -c`,
        },
        conntrackd: true,
      });
    }
    if (c.preMaster !== null) {
      steps.push({
        job: {
          argv: c.preMaster,
          timeoutMs: 0,
          label: `group ${c.name} pre_master`,
        },
        conntrackd: false,
      });
    }
    const counts = g.counters.preMaster;
    counts.runs++;
    let failed = false;
    for (const step of steps) {
      const left = Math.max(1, deadline - clock.now());
      const t0 = clock.now();
      const r = await this.#ctx.spawn({ ...step.job, timeoutMs: left });
      const ms = Math.round(clock.now() - t0);
      if (step.conntrackd) this.#conntrackdResult(g, r, ms);
      else this.#timed(g, "pre_master", r, ms);
      if (failure(r) !== null) failed = true;
      if (r.timedOut) {
        counts.timeouts++;
        this.#ctx.log.warning(
          `group ${c.name}: the pre-master step took its whole ${
            c.preMasterTimeoutMs / 1000
          } s; adding the VIPs anyway`,
        );
        break;
      }
    }
    if (failed) counts.failures++;
    counts.lastMs = Math.round(clock.now() - start);
  }

  #count(g: GroupRun, result: Promise<HookResult>): void {
    void result.then((r) => {
      const counts = g.counters.notify;
      counts.runs++;
      if (failure(r) !== null) counts.failures++;
      this.#publishHook(g, "notify", r, null);
    });
  }

  #publishHook(
    g: GroupRun,
    hook: string,
    r: HookResult,
    ms: number | null,
  ): void {
    this.#ctx.events.publish({
      type: "hook",
      hook,
      group: g.config.name,
      ...hookOutcome(r),
      ...(ms === null ? {} : { ms }),
    });
  }

  #members(g: GroupRun): VhidDriver[] {
    return g.config.members.flatMap((k) => {
      const d = this.#ctx.driver(k);
      return d === undefined ? [] : [d];
    });
  }

  #states(g: GroupRun): string[] {
    return this.#members(g).map((d) => d.state.state);
  }
}

/** conntrackd's calls on entering each state (`primary-backup.sh`'s). */
const CONNTRACKD_CALLS: Record<Exclude<GroupState, "INIT">, string[]> = {
  // The commit (-c) is the pre-master step, before the VIPs.
  MASTER: ["-f", "-R", "-B"],
  BACKUP: ["-t", "-n"],
  FAULT: ["-t"],
};

/** Whether a group's takeovers wait for a pre-master step. */
export function gated(c: GroupConfig): boolean {
  return c.preMaster !== null || c.conntrackd !== null;
}

function standing(d: VhidDriver): MemberStanding {
  const s = d.state;
  return {
    key: d.key,
    label: `${d.name} on ${d.config.interface}`,
    state: s.state,
    fault: s.state === "FAULT" ? faultList(s).join("; ") || "fault" : null,
    standby: s.standby,
    demotions: d.ownDemotions(),
  };
}

/** How a run failed, or `null` when it succeeded. */
function failure(r: HookResult): string | null {
  if (r.error !== null) return `cannot run ${r.argv[0]}: ${r.error}`;
  if (r.timedOut) return `killed after its timeout`;
  if (r.code !== 0) {
    const tail = r.outputTail.trim().slice(-200);
    if (/can't connect|is conntrackd running/i.test(tail)) {
      return `exited with ${r.code}: conntrackd is not running (carpd never starts it; start its service)`;
    }
    return `exited with ${r.code ?? r.signal ?? "a signal"}${
      tail === "" ? "" : `: ${tail}`
    }`;
  }
  return null;
}

function emptyCounters(): GroupCounters {
  return {
    transitions: 0,
    preMaster: { runs: 0, failures: 0, timeouts: 0, lastMs: null },
    notify: { runs: 0, failures: 0 },
    conntrackd: { runs: 0, failures: 0, lastError: null },
    splits: 0,
  };
}
