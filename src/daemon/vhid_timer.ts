/**
 * A vhid's protocol timer: armed at the deadline its state machine gives
 * after every step, on the daemon's clock, with how late it fires (or is
 * found overdue, when something else came first after a stall) reported.
 * @module
 */

import type { Cancel, Clock } from "./clock.ts";

/** One vhid's timer. */
export class VhidTimer {
  readonly #clock: Clock;
  readonly #fired: (lateMs: number) => void;
  readonly #late: (lateMs: number) => void;
  #armedFor: number | null = null;
  #cancel: Cancel | undefined;

  /**
   * @param clock The daemon's clock.
   * @param fired Called when the deadline comes, with how late it fired.
   * @param late Told how late it fired, or was found overdue.
   */
  constructor(
    clock: Clock,
    fired: (lateMs: number) => void,
    late: (lateMs: number) => void,
  ) {
    this.#clock = clock;
    this.#fired = fired;
    this.#late = late;
  }

  /**
   * Something other than the timer comes first: a deadline already passed
   * (adverts read after a stall) may be re-armed without ever firing, so
   * its lateness counts now.
   *
   * @param now The time.
   */
  overdue(now: number): void {
    if (this.#armedFor !== null && now > this.#armedFor) {
      this.#late(now - this.#armedFor);
    }
  }

  /**
   * Arms for a deadline (`null`: none); the same deadline stays armed.
   *
   * @param deadline The time, on the daemon's clock.
   */
  arm(deadline: number | null): void {
    if (deadline === this.#armedFor && this.#cancel !== undefined) return;
    this.#cancel?.();
    this.#armedFor = deadline;
    this.#cancel = deadline === null
      ? undefined
      : this.#clock.at(deadline, () => {
        this.#cancel = undefined;
        this.#armedFor = null;
        const lateMs = this.#clock.now() - deadline;
        this.#late(lateMs);
        this.#fired(lateMs);
      });
  }
}
