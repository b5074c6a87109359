/**
 * Adverts that cannot leave: after {@linkcode SEND_ERRORS_TO_DEMOTE} failed
 * sends in a row a vhid is demoted by {@linkcode SEND_ERROR_DEMOTION}, so a
 * MASTER whose own firewall drops its adverts yields to the backup that took
 * over instead of fighting it; after as many good sends in a row the
 * demotion ends. ucarp does the same (advskew 240 after 3 failed writes).
 * Pure.
 * @module
 */

/** Failed sends in a row that demote. */
export const SEND_ERRORS_TO_DEMOTE = 3;
/** Good sends in a row that end the demotion. */
export const SENDS_TO_RECOVER = 3;
/** The demotion, as ucarp's advskew 240. */
export const SEND_ERROR_DEMOTION = 240;

/** What the tracker says after a send. */
export interface SendVerdict {
  /** Whether the vhid is demoted now. */
  demoted: boolean;
  /** Whether that changed with this send. */
  changed: boolean;
}

/** Counts failed and good sends in a row. */
export class SendErrorTracker {
  #failures = 0;
  #successes = 0;
  #demoted = false;
  #lastError: string | null = null;

  /**
   * Records one send.
   *
   * @param error `null` when the kernel took the packet, else the errno
   *   name (`"EPERM"`).
   * @returns Whether the vhid is demoted, and whether that changed.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { SendErrorTracker } from "./send_errors.ts";
   * const t = new SendErrorTracker();
   * t.record("EPERM");
   * t.record("EPERM");
   * assert.deepEqual(t.record("EPERM"), { demoted: true, changed: true });
   * assert.equal(t.reason, "send errors, EPERM");
   * ```
   */
  record(error: string | null): SendVerdict {
    const before = this.#demoted;
    if (error === null) {
      this.#failures = 0;
      this.#successes++;
      if (this.#demoted && this.#successes >= SENDS_TO_RECOVER) {
        this.#demoted = false;
      }
    } else {
      this.#successes = 0;
      this.#failures++;
      this.#lastError = error;
      if (this.#failures >= SEND_ERRORS_TO_DEMOTE) this.#demoted = true;
    }
    return { demoted: this.#demoted, changed: this.#demoted !== before };
  }

  /** Whether sends are failing enough to demote. */
  get demoted(): boolean {
    return this.#demoted;
  }

  /** The demotion's reason for status (`send errors, EPERM`). */
  get reason(): string {
    return `send errors, ${this.#lastError ?? "unknown"}`;
  }
}
