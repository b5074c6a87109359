/**
 * Realtime scheduling for the daemon's threads. A box whose cores are busy
 * holds a normal-priority daemon off the CPU for tens of milliseconds, which
 * a fast profile (adverts every few milliseconds, master-down in tens) turns
 * into late adverts and false failovers. Under SCHED_RR the kernel runs the
 * daemon's timer, poll and send path as soon as it is due.
 *
 * Every thread of the process is moved (the JavaScript thread sends
 * adverts, a helper thread polls), with SCHED_RESET_ON_FORK so health
 * checks and scripts start with the normal policy; threads created later
 * start normal too, so a sweep every second moves new ones.
 * @module
 */

import { SyscallError } from "../../../ffi/errors.ts";
import type { Config, VhidConfig } from "../../config/mod.ts";
import type { SchedulingStatus } from "../../control/mod.ts";
import { configuredIntervalMs } from "./election_config.ts";
import { errorMessage } from "../../errors.ts";

/** In `auto`, a vhid advertising faster than this asks for realtime. */
export const REALTIME_BELOW_MS = 250;
/** In `auto`, a timer later than this share of its interval asks for it too. */
export const LATE_SHARE_REALTIME = 0.25;
/**
 * SCHED_RR priority of the threads that run the protocol: the JavaScript
 * thread (timers, sends) and the runtime's own (the poll helper). Any
 * realtime priority is above every normal task.
 */
export const REALTIME_PRIORITY = 2;
/**
 * SCHED_RR priority of V8's helper threads (garbage collection,
 * compilation): above normal tasks, so a collection the JavaScript thread
 * waits for finishes, but below the protocol threads, which they must never
 * hold off a core (equal priorities would take turns of 100 ms).
 */
export const HELPER_PRIORITY = 1;

/** V8's helper threads, by name ("V8 DefaultWorke[r]"). */
function isHelper(name: string): boolean {
  return name.startsWith("V8 ");
}

/** The system calls, injectable for tests. */
export interface ThreadScheduler {
  /** The process's thread ids. */
  threads(): number[];
  /** Whether a thread runs realtime. */
  isRealtime(tid: number): boolean;
  /** A thread's name (`comm`), or "" when unknown. */
  name(tid: number): string;
  /** Moves a thread to realtime; throws when it cannot. */
  setRealtime(tid: number, priority: number): void;
  /** Moves a thread back to the normal policy; throws when it cannot. */
  setNormal(tid: number): void;
  /** Why the kernel refuses realtime, when it can tell, or `null`. */
  explainRefusal(): string | null;
}

/**
 * With CONFIG_RT_GROUP_SCHED under cgroup v1, a process may run realtime
 * only inside a cpu cgroup with a realtime budget; new cgroups get none.
 *
 * @param cgroups `/proc/self/cgroup`.
 * @param budget Reads `cpu.rt_runtime_us` of a cpu cgroup (`null` when
 *   there is no such file).
 * @returns The explanation, or `null` when that is not the cause.
 */
export function realtimeBudgetHint(
  cgroups: string,
  budget: (path: string) => string | null,
): string | null {
  for (const line of cgroups.split("\n")) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line);
    if (m === null || !m[1]!.split(",").includes("cpu") || m[2] === "/") {
      continue;
    }
    if (budget(m[2]!)?.trim() === "0") {
      return `the kernel gives realtime time per cgroup (CONFIG_RT_GROUP_SCHED) and cgroup ${
        m[2]
      } has cpu.rt_runtime_us = 0; give it a budget, or use a kernel without RT group scheduling`;
    }
  }
  return null;
}

/**
 * Why `auto` asks for realtime for a config, or `null` when it does not.
 *
 * @param config The config.
 * @returns The reason, naming the fastest vhid.
 */
export function fastProfileReason(config: Config): string | null {
  let fastest: VhidConfig | null = null;
  for (const v of config.vhids) {
    if (
      fastest === null ||
      configuredIntervalMs(v) < configuredIntervalMs(fastest)
    ) fastest = v;
  }
  if (fastest === null) return null;
  const ms = configuredIntervalMs(fastest);
  return ms < REALTIME_BELOW_MS
    ? `vhid ${fastest.id} on ${fastest.interface} advertises every ${
      Math.round(ms * 10) / 10
    } ms`
    : null;
}

/** The daemon's scheduling: what is wanted and what was had. */
export class Scheduling {
  readonly #os: ThreadScheduler;
  readonly #warn: (line: string) => void;
  readonly #info: (line: string) => void;
  #mode: Config["scheduling"] = "auto";
  /** Why realtime is wanted by the config, or `null`. */
  #configReason: string | null = null;
  /** Why realtime is wanted by late timers (`auto`), until the next config. */
  #lateReason: string | null = null;
  #error: string | null = null;
  #applied = false;

  /**
   * The daemon's scheduling, before any config is applied.
   *
   * @param os The system calls.
   * @param log Where warnings and news go.
   */
  constructor(
    os: ThreadScheduler,
    log: { warning(line: string): void; info(line: string): void },
  ) {
    this.#os = os;
    this.#warn = (l) => log.warning(l);
    this.#info = (l) => log.info(l);
  }

  /**
   * Takes a (re)loaded config and applies what it asks for.
   *
   * @param config The config.
   */
  configure(config: Config): void {
    const changed = config.scheduling !== this.#mode;
    this.#mode = config.scheduling;
    this.#configReason = this.#mode === "realtime"
      ? `scheduling = "realtime"`
      : this.#mode === "auto"
      ? fastProfileReason(config)
      : null;
    if (changed || this.#mode !== "auto") this.#lateReason = null;
    this.#error = null; // a reload tries again
    this.sweep();
  }

  /**
   * A protocol timer fired late; in `auto`, late enough asks for realtime.
   *
   * @param lateMs How late.
   * @param intervalMs The advert interval of its vhid.
   */
  timerFired(lateMs: number, intervalMs: number): void {
    if (this.#mode !== "auto" || this.#wanted() !== null) return;
    if (lateMs < LATE_SHARE_REALTIME * intervalMs) return;
    this.#lateReason = `a protocol timer fired ${
      Math.round(lateMs * 10) / 10
    } ms late against adverts every ${Math.round(intervalMs * 10) / 10} ms`;
    this.sweep();
  }

  /** Puts every thread under the wanted policy; call every second. */
  sweep(): void {
    const reason = this.#wanted();
    if (reason === null && !this.#applied) return;
    if (reason !== null && this.#error !== null) return; // said once already
    let moved = 0;
    let threads: number[];
    try {
      threads = this.#os.threads();
    } catch (e) {
      if (reason === null) return;
      this.#refused(reason, e);
      return;
    }
    for (const tid of threads) {
      try {
        const realtime = this.#os.isRealtime(tid);
        if (reason !== null && !realtime) {
          this.#os.setRealtime(
            tid,
            isHelper(this.#os.name(tid)) ? HELPER_PRIORITY : REALTIME_PRIORITY,
          );
          moved++;
        } else if (reason === null && realtime) {
          this.#os.setNormal(tid);
          moved++;
        }
      } catch (e) {
        // A thread that ended meanwhile; or, going back, one that stays.
        if (reason === null) continue;
        if (e instanceof SyscallError && e.code === "ESRCH") continue;
        this.#refused(reason, e);
        return;
      }
    }
    if (reason !== null && !this.#applied) {
      this.#info(
        `realtime scheduling (SCHED_RR ${REALTIME_PRIORITY}, V8's helpers ${HELPER_PRIORITY}) for ${moved} thread(s): ${reason}`,
      );
    } else if (reason === null && this.#applied) {
      this.#info("normal scheduling");
    }
    this.#applied = reason !== null;
  }

  /** For the status. */
  status(): SchedulingStatus {
    const reason = this.#wanted();
    return {
      mode: this.#mode,
      realtime: reason !== null && this.#applied && this.#error === null,
      reason,
      error: this.#error,
    };
  }

  #refused(reason: string, e: unknown): void {
    this.#error = errorMessage(e);
    if (e instanceof SyscallError && e.code === "EPERM") {
      const why = this.#os.explainRefusal();
      if (why !== null) this.#error += ` (${why})`;
    }
    // All or nothing: put back the threads already moved.
    try {
      for (const tid of this.#os.threads()) {
        try {
          if (this.#os.isRealtime(tid)) this.#os.setNormal(tid);
        } catch {
          // gone
        }
      }
    } catch {
      // no list: nothing was moved either
    }
    this.#warn(
      `cannot run realtime (${reason}): ${this.#error}; timers may fire late on a busy box (under systemd, the unit needs CAP_SYS_NICE in CapabilityBoundingSet, or LimitRTPRIO=${REALTIME_PRIORITY}, and sched_setscheduler in its SystemCallFilter)`,
    );
    this.#applied = false;
  }

  #wanted(): string | null {
    return this.#configReason ?? this.#lateReason;
  }
}
