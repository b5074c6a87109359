/**
 * Time, dates and randomness, as the shell takes them: injected, so the
 * whole daemon runs on a virtual clock in the simulator and on the machine's
 * clocks in production. Nothing else in the shell reads a clock, sets a
 * JavaScript timer or asks for random bytes.
 * @module
 */

/** Cancels a timer. */
export type Cancel = () => void;

/** The shell's clocks and timers. */
export interface Clock {
  /** Monotonic milliseconds (any origin). */
  now(): number;
  /** Wall-clock milliseconds since the epoch (history, counters). */
  wallMs(): number;
  /** 32 random bits, as an unsigned number. */
  random32(): number;
  /**
   * Calls `fire` at a monotonic time, precisely (the receive loop's timer
   * queue in production: protocol timers).
   */
  at(deadline: number, fire: () => void): Cancel;
  /** Calls `fire` after a while (ordinary timers: retries, probes, waits). */
  after(ms: number, fire: () => void): Cancel;
}

/**
 * Resolves after a while on a clock.
 *
 * @param clock The clock.
 * @param ms How long.
 * @returns A promise that resolves then.
 */
export function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.after(ms, resolve));
}

/**
 * The machine's clocks: `performance.now()`, `Date.now()`, the system's
 * random source, JavaScript timers for {@linkcode Clock.after}, and the
 * given protocol timers for {@linkcode Clock.at}.
 *
 * @param timers The protocol timers (the receive loop's timer queue).
 * @returns The clock.
 */
export function systemClock(
  timers: { at(deadline: number, fire: () => void): Cancel },
): Clock {
  const random = new Uint32Array(1);
  return {
    now: () => performance.now(),
    wallMs: () => Date.now(),
    random32: () => crypto.getRandomValues(random)[0]!,
    at: (deadline, fire) => timers.at(deadline, fire),
    after(ms, fire): Cancel {
      const t = setTimeout(fire, Math.max(0, ms));
      return () => clearTimeout(t);
    },
  };
}
