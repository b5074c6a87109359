/**
 * Whether the daemon is really alive, for the watchdog: its receive loop
 * has come round recently and no protocol timer fired badly late recently.
 * A stalled event loop also stops the pings by itself, since the ping timer
 * cannot fire either. Pure: the caller passes the time.
 * @module
 */

/** How recent a loop turn must be (the poll wakes at least every second). */
const LOOP_WINDOW_MS = 3000;
/** A timer this late means the process was not running on time. */
const LATE_TIMER_MS = 1000;
/** For how long a late timer withholds pings. */
const LATE_HOLD_MS = 3000;

/** Liveness evidence. */
export class Liveness {
  #lastLoop: number;
  #lastLate = -Infinity;

  /**
   * Liveness counting the loop as having turned at `now`.
   *
   * @param now The time now, in milliseconds.
   */
  constructor(now: number) {
    this.#lastLoop = now;
  }

  /** The receive loop came round. */
  loopTurned(now: number): void {
    this.#lastLoop = now;
  }

  /** A protocol timer fired `lateMs` after its deadline. */
  timerFired(lateMs: number, now: number): void {
    if (lateMs > LATE_TIMER_MS) this.#lastLate = now;
  }

  /** Whether a watchdog ping is deserved now. */
  alive(now: number): boolean {
    return now - this.#lastLoop <= LOOP_WINDOW_MS &&
      now - this.#lastLate >= LATE_HOLD_MS;
  }
}
