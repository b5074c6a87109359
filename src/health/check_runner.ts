/**
 * Runs one `[[check]]` command on its interval: without a shell, one run at a
 * time (a slow run delays the next, never overlaps it), killed with its
 * process group at its timeout. Reports only when the debounced verdict
 * changes.
 * @module
 */

import type { CheckConfig } from "../config/mod.ts";
import type { HookResult, Spawner } from "../hooks/mod.ts";
import type { Logger } from "../log.ts";
import { INITIAL_VERDICT, record, type Verdict } from "./verdict.ts";

/** What a check has done, for status. */
export interface CheckStats {
  /** Runs since start. */
  runs: number;
  /** Runs that failed. */
  failures: number;
  /** Runs killed at their timeout. */
  timeouts: number;
  /** Exit code of the last run, `null` when killed or not started. */
  lastCode: number | null;
  /** The signal that ended the last run, if one did. */
  lastSignal: string | null;
  /** How long the last run took, in ms. */
  lastDurationMs: number;
  /** Whether any run has passed since carpd started. */
  everPassed: boolean;
  /**
   * Set when the check looks broken rather than failing: it has never
   * passed, or it dies by a signal run after run. Says what to look at.
   */
  hint: string | null;
}

/** Runs that die by a signal in a row before the check is called out. */
const SIGNAL_RUNS_FOR_HINT = 3;

/**
 * Why a check may be failing for reasons of its own, not of the service it
 * watches, or `null`.
 *
 * @param stats What the check has done so far.
 * @param signalStreak Runs in a row that ended by a signal.
 * @param fall Failures that take the check down.
 * @returns A sentence for the log and status, or `null`.
 */
export function checkHint(
  stats: Pick<CheckStats, "runs" | "everPassed" | "lastSignal">,
  signalStreak: number,
  fall: number,
): string | null {
  const sandbox =
    'if it passes when run by hand as root, carpd\'s sandbox may block it (README: "Health checks under systemd")';
  if (signalStreak >= SIGNAL_RUNS_FOR_HINT && stats.lastSignal !== null) {
    return `it died by ${stats.lastSignal} in each of its last ${signalStreak} runs; ${sandbox}`;
  }
  if (!stats.everPassed && stats.runs >= Math.max(fall, 2)) {
    return `it has not passed once in ${stats.runs} runs since carpd started; ${sandbox}`;
  }
  return null;
}

/** What a check takes from the machine: a clock, timers, processes. */
export interface CheckOs {
  /** Monotonic milliseconds. */
  now(): number;
  /** Calls `fire` after `ms`; returns a cancel. */
  after(ms: number, fire: () => void): () => void;
  /** Runs a command. */
  spawn: Spawner;
}

/** A scheduled check. */
export class CheckRunner {
  /** The check. */
  readonly config: CheckConfig;
  /** Its debounced verdict. */
  verdict: Verdict = INITIAL_VERDICT;
  /** What it has done. */
  readonly stats: CheckStats = {
    runs: 0,
    failures: 0,
    timeouts: 0,
    lastCode: null,
    lastSignal: null,
    lastDurationMs: 0,
    everPassed: false,
    hint: null,
  };
  readonly #log: Logger;
  readonly #onChange: (up: boolean) => void;
  readonly #os: CheckOs;
  #cancel: (() => void) | undefined;
  #stopped = false;
  #running: Promise<void> | null = null;
  #signalStreak = 0;

  /**
   * A check, not started yet.
   *
   * @param config The check.
   * @param log The logger.
   * @param onChange Called with the new verdict when it flips.
   * @param os The clock and how commands run.
   */
  constructor(
    config: CheckConfig,
    log: Logger,
    onChange: (up: boolean) => void,
    os: CheckOs,
  ) {
    this.config = config;
    this.#log = log;
    this.#onChange = onChange;
    this.#os = os;
  }

  /** Starts the schedule; the first run is immediate. */
  start(): void {
    this.#schedule(0);
  }

  /** Stops scheduling; resolves when a run in progress has ended. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#cancel?.();
    await this.#running;
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    this.#cancel = this.#os.after(delayMs, () => {
      this.#running = this.#runOnce().finally(() => this.#running = null);
    });
  }

  async #runOnce(): Promise<void> {
    const c = this.config;
    const started = this.#os.now();
    const r = await this.#os.spawn({
      argv: c.command,
      timeoutMs: c.timeoutMs,
      label: `check "${c.name}"`,
      ...(c.user === null ? {} : { as: c.user }),
    });
    const elapsed = this.#os.now() - started;
    this.#record(r, elapsed);
    this.#schedule(Math.max(0, c.intervalMs - elapsed));
  }

  #record(r: HookResult, elapsedMs: number): void {
    const c = this.config;
    const ok = r.code === 0;
    const s = this.stats;
    s.runs++;
    s.lastCode = r.code;
    s.lastSignal = r.signal;
    s.lastDurationMs = Math.round(elapsedMs);
    if (ok) s.everPassed = true;
    else s.failures++;
    if (r.timedOut) s.timeouts++;
    this.#signalStreak = r.signal === null ? 0 : this.#signalStreak + 1;
    if (!ok) {
      const why = r.error ??
        (r.timedOut
          ? `killed after ${c.timeoutMs / 1000} s`
          : r.signal !== null
          ? `exit by signal ${r.signal}`
          : `exit ${r.code}`);
      const tail = r.outputTail.trim().slice(-200);
      this.#log.debug(
        `check "${c.name}" failed: ${why}${
          tail === "" ? "" : `; output ends: ${tail}`
        }`,
      );
    }
    const hint = checkHint(s, this.#signalStreak, c.fall);
    if (hint !== null && s.hint === null) {
      const tail = r.outputTail.trim().slice(-200);
      this.#log.warning(
        `check "${c.name}" looks broken: ${hint}${
          tail === "" ? "" : `; output ends: ${tail}`
        }`,
      );
    }
    s.hint = hint;
    const before = this.verdict.up;
    this.verdict = record(this.verdict, ok, c.fall, c.rise);
    if (this.verdict.up !== before) {
      this.#log.warning(
        `check "${c.name}" is ${this.verdict.up ? "passing again" : "failing"}`,
      );
      this.#onChange(this.verdict.up);
    }
  }
}
