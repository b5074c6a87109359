/**
 * Health: the `[[check]]` commands and `[[track_interface]]` links that
 * demote vhids while something is wrong. It keeps the reasons; the daemon
 * feeds each vhid its total.
 * @module
 */

import type {
  CheckConfig,
  Config,
  TrackInterfaceConfig,
} from "../config/mod.ts";
import type { Logger } from "../log.ts";
import type { CheckStatus, TrackedInterfaceStatus } from "../control/mod.ts";
import { type CheckOs, CheckRunner } from "./check_runner.ts";
import { type Demotion, DemotionTable } from "./demotions.ts";

/** What health needs from the daemon. */
export interface HealthContext {
  /** The logger. */
  log: Logger;
  /** The clock and how check commands run. */
  os: CheckOs;
  /** The vhid keys a `vhids` list names (all when `null`). */
  vhidKeys: (ids: number[] | null) => string[];
  /** A link's state now: usable, or `null` when there is no such link. */
  linkUsable: (name: string) => boolean | null;
  /** Tells a vhid the demotions it has now. */
  apply: (key: string, demotions: Demotion[]) => void;
}

/** The health side of the daemon. */
export class Health {
  readonly #ctx: HealthContext;
  readonly #table = new DemotionTable();
  #checks = new Map<string, CheckRunner>();
  #tracked = new Map<string, { config: TrackInterfaceConfig; up: boolean }>();
  /** The start-up demotion's reason while it holds, else `null`. */
  #startup: string | null = null;
  #configured = false;

  /**
   * Health with nothing configured yet.
   *
   * @param ctx What health needs from the daemon.
   */
  constructor(ctx: HealthContext) {
    this.#ctx = ctx;
  }

  /**
   * Takes a config (at start and on reload). Checks whose settings did not
   * change keep running with their verdict; others restart; every reason is
   * then re-applied to the current vhids.
   *
   * @param config The config in force.
   */
  configure(config: Config): void {
    const next = new Map<string, CheckRunner>();
    for (const c of config.checks) {
      const old = this.#checks.get(c.name);
      if (old && JSON.stringify(old.config) === JSON.stringify(c)) {
        next.set(c.name, old);
        this.#checks.delete(c.name);
        continue;
      }
      const runner = new CheckRunner(
        c,
        this.#ctx.log,
        () => this.#reapply(),
        this.#ctx.os,
      );
      next.set(c.name, runner);
      runner.start();
    }
    for (const gone of this.#checks.values()) void gone.stop();
    this.#checks = next;
    if (!this.#configured) this.#startStartup(config.startupDemote);
    this.#configured = true;
    this.#tracked = new Map(config.trackInterfaces.map((t) => {
      const usable = this.#ctx.linkUsable(t.name);
      if (usable === null) {
        this.#ctx.log.warning(
          `track_interface "${t.name}": no such interface; counted as down`,
        );
      }
      return [t.name, { config: t, up: usable === true }];
    }));
    this.#reapply();
  }

  /**
   * A link changed state.
   *
   * @param name Interface name.
   * @param usable Up with carrier.
   */
  linkChanged(name: string, usable: boolean): void {
    const t = this.#tracked.get(name);
    if (t === undefined || t.up === usable) return;
    t.up = usable;
    this.#ctx.log.warning(
      `track_interface "${name}" is ${usable ? "up" : "down"}`,
    );
    this.#reapply();
  }

  /** The demotions of a vhid, with reasons. */
  demotions(key: string): Demotion[] {
    return this.#table.list(key);
  }

  /** Every check's state. */
  checks(): CheckStatus[] {
    return [...this.#checks.values()].map((r) => ({
      name: r.config.name,
      up: r.verdict.up,
      demote: r.config.demote,
      ...r.stats,
    }));
  }

  /** Every tracked interface's state. */
  tracked(): TrackedInterfaceStatus[] {
    return [...this.#tracked.values()].map((t) => ({
      name: t.config.name,
      up: t.up,
      demote: t.config.demote,
    }));
  }

  /**
   * Demotes every vhid while the box starts (`[daemon] startup_demote`), as
   * OpenBSD demotes its carp group until the boot ends: for a time, or
   * until every check has passed once.
   */
  #startStartup(demote: number | "checks"): void {
    if (demote === 0) return;
    const os = this.#ctx.os;
    const end = (): void => {
      this.#ctx.log.info(`start-up demotion over`);
      this.#startup = null;
      this.#reapply();
    };
    if (demote !== "checks") {
      this.#startup = `starting up (${demote / 1000} s)`;
      os.after(demote, end);
      return;
    }
    this.#startup = "starting up (until every check has passed once)";
    const poll = (): void => {
      if (this.#startup === null) return;
      const runners = [...this.#checks.values()];
      if (runners.every((r) => r.stats.everPassed)) end();
      else os.after(STARTUP_POLL_MS, poll);
    };
    os.after(0, poll);
  }

  /** Stops every check; resolves when runs in progress have ended. */
  async stop(): Promise<void> {
    await Promise.all([...this.#checks.values()].map((c) => c.stop()));
  }

  /** Recomputes every reason from scratch and tells changed vhids. */
  #reapply(): void {
    const wanted = new Map<string, Map<string, Demotion>>();
    const add = (
      ids: number[] | null,
      reason: string,
      amount: number,
      fault: boolean,
    ): void => {
      for (const key of this.#ctx.vhidKeys(ids)) {
        const m = wanted.get(key) ?? new Map<string, Demotion>();
        m.set(reason, {
          reason,
          advskew: amount,
          ...(fault ? { fault: true as const } : {}),
        });
        wanted.set(key, m);
      }
    };
    for (const r of this.#checks.values()) {
      if (!r.verdict.up) {
        const c = r.config;
        add(c.vhids, checkReason(c), c.demote, c.fault);
      }
    }
    for (const t of this.#tracked.values()) {
      if (!t.up) {
        const c = t.config;
        add(c.vhids, `interface ${c.name}`, c.demote, c.fault);
      }
    }
    if (this.#startup !== null) {
      add(null, this.#startup, STARTUP_DEMOTION, false);
    }
    const changed = this.#table.replace(wanted);
    for (const key of changed) this.#ctx.apply(key, this.#table.list(key));
  }
}

/** What the start-up demotion adds: the least preferred rank. */
const STARTUP_DEMOTION = 254;
/** How often `startup_demote = "checks"` looks at the checks. */
const STARTUP_POLL_MS = 250;

function checkReason(c: CheckConfig): string {
  return `check ${c.name}`;
}
