/**
 * Replay admission for `replay_protection`: an authenticated advert is
 * accepted only if its counter is above the last one accepted from the same
 * sender. Pure: the window is plain memory, no clock.
 * @module
 */

/** Senders remembered at most; past that the window starts afresh. */
export const REPLAY_SENDERS_MAX = 256;

/** The last counter accepted from each sender. */
export class ReplayWindow {
  readonly #last = new Map<string | number, bigint>();

  /**
   * Judges one advert and remembers its counter when admitted.
   *
   * @param sender Who sent it (an address).
   * @param counter Its authenticated counter.
   * @returns Whether it may go on to the state machine.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { ReplayWindow } from "./replay.ts";
   * const w = new ReplayWindow();
   * assert.equal(w.admit(1, 10n), true);
   * assert.equal(w.admit(1, 10n), false); // the same advert again
   * assert.equal(w.admit(1, 11n), true);
   * ```
   */
  admit(sender: string | number, counter: bigint): boolean {
    const last = this.#last.get(sender);
    if (last !== undefined && counter <= last) return false;
    // Bound memory against a flood of forged senders (they cannot pass the
    // HMAC, but a peer that changes addresses could).
    if (last === undefined && this.#last.size >= REPLAY_SENDERS_MAX) {
      this.#last.clear();
    }
    this.#last.set(sender, counter);
    return true;
  }

  /** Forgets every sender (replay protection was switched on anew). */
  clear(): void {
    this.#last.clear();
  }

  /** Senders remembered now. */
  get size(): number {
    return this.#last.size;
  }
}
