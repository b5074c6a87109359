/**
 * One virtual clock for shell tests and the simulator: time moves only when
 * told, timers fire in deadline order (ties in the order they were set),
 * and the promises a timer's work starts are settled before the next timer
 * fires. Randomness is seeded. Nothing waits on real time.
 */

import type { Cancel, Clock } from "../../src/daemon/clock.ts";
import { TimerQueue } from "../../src/daemon/timers.ts";

/** A small seeded random source (mulberry32): floats in [0, 1). */
export function randomSource(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Lets pending promise reactions run (chains of a few dozen steps settle).
 */
export async function settle(): Promise<void> {
  for (let i = 0; i < 12; i++) await Promise.resolve();
}

/** The clock. */
export class VirtualClock implements Clock {
  #now = 0;
  readonly #timers = new TimerQueue();
  readonly #random: () => number;
  /** Wall-clock milliseconds at virtual time 0. */
  readonly wallBase: number;

  /**
   * @param seed Seeds {@linkcode random32}.
   * @param wallBase Wall-clock milliseconds at time 0.
   */
  constructor(seed = 1, wallBase = Date.UTC(2026, 11, 4)) {
    this.#random = randomSource(seed);
    this.wallBase = wallBase;
  }

  now(): number {
    return this.#now;
  }

  wallMs(): number {
    return this.wallBase + this.#now;
  }

  random32(): number {
    return Math.floor(this.#random() * 2 ** 32) >>> 0;
  }

  /** A float in [0, 1) from the same seeded source. */
  random(): number {
    return this.#random();
  }

  at(deadline: number, fire: () => void): Cancel {
    return this.#timers.at(Math.max(deadline, this.#now), fire);
  }

  after(ms: number, fire: () => void): Cancel {
    return this.at(this.#now + Math.max(0, ms), fire);
  }

  /** The next pending deadline, or `null`. */
  next(): number | null {
    return this.#timers.next();
  }

  /**
   * Fires every timer due up to `t`, in order, settling promises after
   * each; time ends at `t`.
   *
   * @param t The time to run to.
   * @param limit At most this many timers (a runaway guard).
   * @param onStep Called after each timer (and the promises it started).
   * @returns How many fired.
   */
  async runUntil(
    t: number,
    limit = 100_000_000,
    onStep?: () => boolean | void,
  ): Promise<number> {
    let n = 0;
    await settle();
    for (; n < limit; n++) {
      const next = this.next();
      if (next === null || next > t) break;
      this.#now = next;
      this.#timers.fireNext(next);
      await settle();
      if (onStep?.() === false) return n + 1;
    }
    if (n === limit) throw new Error(`more than ${limit} timers before ${t}`);
    this.#now = Math.max(this.#now, t);
    return n;
  }

  /**
   * Runs for a while.
   *
   * @param ms How long.
   * @returns How many timers fired.
   */
  runFor(ms: number): Promise<number> {
    return this.runUntil(this.#now + ms);
  }

  /**
   * Runs until a condition holds (checked after every timer), at most
   * until `timeoutMs` from now.
   *
   * @param probe The condition.
   * @param timeoutMs The most virtual time to run.
   * @returns Whether it held.
   */
  async until(probe: () => boolean, timeoutMs = 10_000): Promise<boolean> {
    const end = this.#now + timeoutMs;
    await settle();
    while (!probe()) {
      const next = this.next();
      if (next === null || next > end) {
        this.#now = end;
        return probe();
      }
      await this.runUntil(next);
    }
    return true;
  }
}
