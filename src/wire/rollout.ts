/**
 * A roll-out window: when a reload changes a vhid's advert identity (its
 * password or its VIP list, `identity.ts`), the boxes of a group reload one
 * after the other, and until the last one has, each speaks one identity
 * the others do not. For a while after the change (`rollout_window`), the
 * vhid accepts adverts under the identities in force before it as well as
 * the new one, and sends each advert under all of them (the old ones
 * first, with one counter), so that no box drops another's adverts
 * whatever the order of the reloads. Backups never speak in CARP, so the
 * window ends by time. After it, the earlier identities are still
 * recognised, only to tell a master that never took the change (a warning)
 * from a forgery; they are no longer accepted or sent.
 *
 * Times are wall-clock milliseconds: a window outlives a restart of the
 * daemon (the ring is kept under `/run`). Pure.
 * @module
 */

import {
  type AdvertIdentity,
  identityText,
  jsonObject,
  parseIdentity,
} from "./identity.ts";

/** Earlier identities kept at most (a change inside a window adds one). */
export const MAX_EARLIER = 2;

/** A vhid's identities: the one in force and those of a roll-out. */
export interface KeyRing {
  /** The identity in force. */
  readonly current: AdvertIdentity;
  /** Earlier identities, newest first. */
  readonly earlier: readonly AdvertIdentity[];
  /** When the window ends (wall clock), `null` when none was opened. */
  readonly until: number | null;
}

/**
 * A ring with one identity and no window.
 *
 * @param current The identity in force.
 * @returns The ring.
 */
export function singleKey(current: AdvertIdentity): KeyRing {
  return { current, earlier: [], until: null };
}

/**
 * Whether a ring's window is open.
 *
 * @param ring The ring.
 * @param now Wall clock.
 * @returns `true` while earlier identities are sent and accepted.
 */
export function windowOpen(ring: KeyRing, now: number): boolean {
  return ring.until !== null && now < ring.until && ring.earlier.length > 0;
}

/**
 * The ring after the identity changed to `next`: the identity in force
 * until now (and, inside an open window, the earlier ones too) is kept for
 * `windowMs` more; a window of 0 switches at once and forgets them (a
 * leaked password).
 *
 * @param ring The ring now.
 * @param next The new identity.
 * @param now Wall clock.
 * @param windowMs The vhid's `rollout_window`.
 * @returns The new ring (the same when nothing that matters changed).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { rollOver, singleKey, windowOpen } from "./rollout.ts";
 * const a = { key: new Uint8Array([1]), authPass: null, vips: [] };
 * const b = { key: new Uint8Array([2]), authPass: null, vips: [] };
 * const ring = rollOver(singleKey(a), b, 1000, 600_000);
 * assert.equal(ring.current, b);
 * assert.deepEqual(ring.earlier, [a]);
 * assert.equal(windowOpen(ring, 1000 + 599_999), true);
 * assert.equal(windowOpen(ring, 1000 + 600_000), false);
 * assert.deepEqual(rollOver(ring, a, 2000, 0).earlier, []);
 * ```
 */
export function rollOver(
  ring: KeyRing,
  next: AdvertIdentity,
  now: number,
  windowMs: number,
): KeyRing {
  const nextText = identityText(next);
  if (identityText(ring.current) === nextText) {
    return { ...ring, current: next };
  }
  if (windowMs <= 0) return singleKey(next);
  const kept = windowOpen(ring, now)
    ? [ring.current, ...ring.earlier]
    : [ring.current];
  const seen = new Set([nextText]);
  const earlier = kept.filter((i) => {
    const t = identityText(i);
    if (seen.has(t)) return false;
    seen.add(t);
    return true;
  }).slice(0, MAX_EARLIER);
  return { current: next, earlier, until: now + windowMs };
}

/**
 * The identities each advert goes out under: the earlier ones first
 * (oldest first) while the window is open, the one in force last.
 *
 * @param ring The ring.
 * @param now Wall clock.
 * @returns The identities, in sending order.
 */
export function sentUnder(ring: KeyRing, now: number): AdvertIdentity[] {
  return windowOpen(ring, now)
    ? [...ring.earlier].reverse().concat([ring.current])
    : [ring.current];
}

/**
 * The identities an advert is checked against: the one in force first,
 * then the earlier ones (accepted while the window is open, recognised
 * after it). An advert's key index is its place in this list.
 *
 * @param ring The ring.
 * @returns The identities.
 */
export function checkedUnder(ring: KeyRing): AdvertIdentity[] {
  return [ring.current, ...ring.earlier];
}

/**
 * A ring as text, to be kept in a file.
 *
 * @param ring The ring.
 * @returns One line of JSON.
 */
export function ringText(ring: KeyRing): string {
  return JSON.stringify({
    current: identityText(ring.current),
    earlier: ring.earlier.map(identityText),
    until: ring.until,
  });
}

/**
 * Reads a ring back from {@linkcode ringText}.
 *
 * @param text The text.
 * @returns The ring, or `null` when the text is not one.
 */
export function parseRing(text: string): KeyRing | null {
  const o = jsonObject(text);
  if (o === null) return null;
  const { current, earlier, until } = o;
  if (typeof current !== "string" || !Array.isArray(earlier)) return null;
  if (until !== null && typeof until !== "number") return null;
  const c = parseIdentity(current);
  const e = earlier.map((x) => typeof x === "string" ? parseIdentity(x) : null);
  if (c === null || e.some((x) => x === null)) return null;
  return {
    current: c,
    earlier: (e as AdvertIdentity[]).slice(0, MAX_EARLIER),
    until,
  };
}

/**
 * The ring a vhid starts with, from the one a previous run of the daemon
 * kept (if any): the same identity keeps its window; another one starts a
 * window with the kept identity as the earlier one (the config changed
 * while the daemon was not running, or it was restarted instead of
 * reloaded).
 *
 * @param kept The ring kept under `/run`, or `null`.
 * @param current The identity of the config now.
 * @param now Wall clock.
 * @param windowMs The vhid's `rollout_window`.
 * @returns The ring.
 */
export function resumeRing(
  kept: KeyRing | null,
  current: AdvertIdentity,
  now: number,
  windowMs: number,
): KeyRing {
  if (kept === null) return singleKey(current);
  return rollOver(kept, current, now, windowMs);
}
