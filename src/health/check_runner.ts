/**
 * Runs one `[[check]]` command on its interval: without a shell, one run at a
 * time (a slow run delays the next, never overlaps it), killed with its
 * process group at its timeout. Reports only when the debounced verdict
 * changes.
 * @module
 */

import type { CheckConfig } from "../config/mod.ts";
import { runCommand } from "../hooks/runner.ts";
import type { Logger } from "../log.ts";
import { INITIAL_VERDICT, record, type Verdict } from "./verdict.ts";

/** What a check has done, for status. */
export interface CheckStats {
  runs: number;
  failures: number;
  timeouts: number;
  /** Exit code of the last run, `null` when killed or not started. */
  lastCode: number | null;
  /** How long the last run took, in ms. */
  lastDurationMs: number;
}

/** A scheduled check. */
export class CheckRunner {
  readonly config: CheckConfig;
  verdict: Verdict = INITIAL_VERDICT;
  readonly stats: CheckStats = {
    runs: 0,
    failures: 0,
    timeouts: 0,
    lastCode: null,
    lastDurationMs: 0,
  };
  readonly #log: Logger;
  readonly #onChange: (up: boolean) => void;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;
  #running: Promise<void> | null = null;

  /**
   * @param config The check.
   * @param log The logger.
   * @param onChange Called with the new verdict when it flips.
   */
  constructor(
    config: CheckConfig,
    log: Logger,
    onChange: (up: boolean) => void,
  ) {
    this.config = config;
    this.#log = log;
    this.#onChange = onChange;
  }

  /** Starts the schedule; the first run is immediate. */
  start(): void {
    this.#schedule(0);
  }

  /** Stops scheduling; resolves when a run in progress has ended. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    await this.#running;
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#running = this.#runOnce().finally(() => this.#running = null);
    }, delayMs);
  }

  async #runOnce(): Promise<void> {
    const c = this.config;
    const started = performance.now();
    const r = await runCommand({
      argv: c.command,
      timeoutMs: c.timeoutMs,
      label: `check "${c.name}"`,
    });
    const elapsed = performance.now() - started;
    const ok = r.code === 0;
    this.stats.runs++;
    this.stats.lastCode = r.code;
    this.stats.lastDurationMs = Math.round(elapsed);
    if (!ok) this.stats.failures++;
    if (r.timedOut) this.stats.timeouts++;
    if (!ok) {
      const why = r.error ??
        (r.timedOut
          ? `killed after ${c.timeoutMs / 1000} s`
          : `exit ${r.code ?? "by signal"}`);
      const tail = r.outputTail.trim().slice(-200);
      this.#log.debug(
        `check "${c.name}" failed: ${why}${
          tail === "" ? "" : `; output ends: ${tail}`
        }`,
      );
    }
    const before = this.verdict.up;
    this.verdict = record(this.verdict, ok, c.fall, c.rise);
    if (this.verdict.up !== before) {
      this.#log.warning(
        `check "${c.name}" is ${this.verdict.up ? "passing again" : "failing"}`,
      );
      this.#onChange(this.verdict.up);
    }
    this.#schedule(Math.max(0, c.intervalMs - elapsed));
  }
}
