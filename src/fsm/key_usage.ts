/**
 * Which key each peer's adverts come under, during and after a roll-out
 * (`src/wire/rollout.ts`): a master in its window sends every advert
 * twice, under the earlier key first and the one in force last, with one
 * counter. Here, for one vhid:
 * - the second copy of an advert already taken is a `copy`: it must not
 *   reach the state machine, count as a replay or as a timing gap;
 * - an advert under an earlier key once the window has closed is refused
 *   (`old_key`);
 * - an advert that failed authentication right after one taken from the
 *   same sender (CARP: with the same counter) is a copy under a key this
 *   box does not have (`other_key`): the peer is in its window, this box
 *   not (yet) — no alarm;
 * - the senders heard lately only under an earlier key are the masters
 *   that never took the change.
 * Pure memory: the caller gives the times.
 * @module
 */

import type { PeerAddress } from "./election.ts";

/** How long two copies of one advert may arrive apart. */
export const COPY_WITHIN_MS = 50;
/** Senders remembered at most. */
const SENDERS_MAX = 256;

/** What an authenticated advert is, key-wise. */
export type KeyVerdict = "fresh" | "copy" | "old_key";

interface Sender {
  /** When its last advert was taken. */
  at: number;
  /** Under which key (0: the one in force). */
  keyIndex: number;
  /** Its counter (CARP), `null` for VRRP. */
  counter: bigint | null;
  /** When it was last heard under the key in force. */
  currentAt: number | null;
  /** When it was last heard under an earlier key. */
  earlierAt: number | null;
}

/** One vhid's memory of its peers' keys. */
export class KeyUsage {
  readonly #senders = new Map<PeerAddress, Sender>();

  /**
   * An authenticated advert arrived.
   *
   * @param source Its sender.
   * @param keyIndex The key it matched (0: the one in force).
   * @param counter Its counter (CARP), `null` for VRRP.
   * @param at When it arrived.
   * @param windowOpen Whether earlier keys are still accepted.
   * @param withinMs How close two copies arrive at most (less than the
   *   sender's advert interval).
   * @returns What to do with it.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { KeyUsage } from "./key_usage.ts";
   * const k = new KeyUsage();
   * assert.equal(k.heard(1, 1, 7n, 0, true, 50), "fresh"); // old key first
   * assert.equal(k.heard(1, 0, 7n, 1, true, 50), "copy"); // the same advert
   * assert.equal(k.heard(1, 1, 8n, 1000, false, 50), "old_key");
   * ```
   */
  heard(
    source: PeerAddress,
    keyIndex: number,
    counter: bigint | null,
    at: number,
    windowOpen: boolean,
    withinMs: number,
  ): KeyVerdict {
    const s = this.#sender(source);
    const copy = s.keyIndex !== keyIndex && at - s.at <= withinMs &&
      (counter === null || counter === s.counter);
    if (keyIndex === 0) s.currentAt = at;
    else s.earlierAt = at;
    if (copy) return "copy";
    if (keyIndex > 0 && !windowOpen) return "old_key";
    s.at = at;
    s.keyIndex = keyIndex;
    s.counter = counter;
    return "fresh";
  }

  /**
   * An advert from a sender failed authentication: whether it is the copy
   * of one just taken from it, sent under a key this box does not have.
   *
   * @param source Its sender.
   * @param counter The counter it claimed (CARP), `null` for VRRP.
   * @param at When it arrived.
   * @param withinMs How close two copies arrive at most.
   * @returns `true` for a copy.
   */
  otherKeyCopy(
    source: PeerAddress,
    counter: bigint | null,
    at: number,
    withinMs: number,
  ): boolean {
    const s = this.#senders.get(source);
    if (s === undefined || at - s.at > withinMs) return false;
    return counter === null || counter === s.counter;
  }

  /**
   * Whether adverts of a sender have been taken.
   *
   * @param source The sender.
   * @returns `true` for a known peer.
   */
  known(source: PeerAddress): boolean {
    return (this.#senders.get(source)?.at ?? -Infinity) > -Infinity;
  }

  /**
   * Senders heard since `since` under an earlier key and not under the one
   * in force.
   *
   * @param since How far back to look.
   * @returns Their addresses.
   */
  onlyEarlier(since: number): PeerAddress[] {
    const out: PeerAddress[] = [];
    for (const [source, s] of this.#senders) {
      if (
        s.earlierAt !== null && s.earlierAt >= since &&
        (s.currentAt === null || s.currentAt < since)
      ) out.push(source);
    }
    return out;
  }

  /**
   * Whether a sender has been heard under the key in force since a time.
   *
   * @param source The sender.
   * @param since The time.
   * @returns `true` when it has.
   */
  heardCurrentSince(source: PeerAddress, since: number): boolean {
    const at = this.#senders.get(source)?.currentAt ?? null;
    return at !== null && at >= since;
  }

  /** Forgets every sender (the keys changed). */
  clear(): void {
    this.#senders.clear();
  }

  #sender(source: PeerAddress): Sender {
    let s = this.#senders.get(source);
    if (s === undefined) {
      if (this.#senders.size >= SENDERS_MAX) this.#senders.clear();
      s = {
        at: -Infinity,
        keyIndex: -1,
        counter: null,
        currentAt: null,
        earlierAt: null,
      };
      this.#senders.set(source, s);
    }
    return s;
  }
}
