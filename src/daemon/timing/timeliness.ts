/**
 * How well one vhid keeps time: the worst lateness of its protocol timers
 * and the worst gap between two adverts of one peer, with a warning when
 * either comes close enough to the profile's intervals that the next
 * hiccup is a missed advert or a false failover.
 * @module
 */

/**
 * A timer a whole advert interval late says the box cannot keep the
 * profile: a peer has then missed an advert for nothing.
 */
export const LATE_SHARE_WARNING = 1;
/** A gap this long against the master-down interval is one hiccup from a takeover. */
export const GAP_SHARE_WARNING = 0.75;
/**
 * Gaps longer than this many of the peer's intervals are not jitter but a
 * peer that was silent on purpose (a backup that became master again).
 */
const GAP_INTERVALS_COUNTED = 10;

/** One vhid's timing record, kept since the daemon started. */
export class Timeliness {
  #worstLateMs = 0;
  #worstGapMs = 0;
  #lateWarning: string | null = null;
  #gapWarning: string | null = null;

  /** The worst lateness of a protocol timer, ms. */
  get worstLatenessMs(): number {
    return this.#worstLateMs;
  }

  /** The worst gap between two adverts of one peer, ms. */
  get worstAdvertGapMs(): number {
    return this.#worstGapMs;
  }

  /**
   * A protocol timer fired.
   *
   * @param lateMs How late.
   * @param intervalMs This vhid's advert interval now.
   * @returns A new warning to log, or `null`.
   */
  timerFired(lateMs: number, intervalMs: number): string | null {
    if (!(lateMs > this.#worstLateMs)) return null;
    this.#worstLateMs = lateMs;
    if (lateMs < LATE_SHARE_WARNING * intervalMs) return null;
    const first = this.#lateWarning === null;
    this.#lateWarning = `protocol timers fired up to ${
      round(lateMs)
    } ms late against adverts every ${
      round(intervalMs)
    } ms: this box cannot keep the profile (see the scheduling in carpd status, the machine's load, or lengthen the interval)`;
    return first ? this.#lateWarning : null;
  }

  /**
   * An advert arrived from a peer that had advertised before.
   *
   * @param gapMs Time since that peer's previous advert.
   * @param peerIntervalMs The interval the peer advertises.
   * @param masterDownMs Our master-down interval now.
   * @returns A new warning to log, or `null`.
   */
  advertHeard(
    gapMs: number,
    peerIntervalMs: number,
    masterDownMs: number,
  ): string | null {
    if (gapMs > GAP_INTERVALS_COUNTED * peerIntervalMs) return null;
    if (!(gapMs > this.#worstGapMs)) return null;
    this.#worstGapMs = gapMs;
    if (gapMs < GAP_SHARE_WARNING * masterDownMs) return null;
    const first = this.#gapWarning === null;
    this.#gapWarning = `a peer's adverts arrived up to ${
      round(gapMs)
    } ms apart against a master-down interval of ${
      round(masterDownMs)
    } ms: one more late advert is a false failover (look at the peer's load and the network, or lengthen the interval)`;
    return first ? this.#gapWarning : null;
  }

  /** The standing warnings. */
  warnings(): string[] {
    return [this.#lateWarning, this.#gapWarning].filter((w) => w !== null);
  }
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
