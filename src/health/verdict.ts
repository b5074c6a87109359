/**
 * Debouncing check results: `fall` consecutive failures to go down, `rise`
 * consecutive successes to come back. Starts up, so a healthy box does not
 * demote itself while its first runs are pending. Pure.
 * @module
 */

/** A check's debounced health. */
export interface Verdict {
  /** Whether the check counts as passing. */
  readonly up: boolean;
  /** Consecutive results against the current verdict. */
  readonly streak: number;
}

/** The verdict before any run. */
export const INITIAL_VERDICT: Verdict = { up: true, streak: 0 };

/**
 * Folds one result into a verdict.
 *
 * @param v The verdict so far.
 * @param ok Whether this run passed.
 * @param fall Failures in a row that take it down.
 * @param rise Successes in a row that bring it back.
 * @returns The new verdict (its `up` changes only when a threshold is hit).
 */
export function record(
  v: Verdict,
  ok: boolean,
  fall: number,
  rise: number,
): Verdict {
  if (ok === v.up) return { up: v.up, streak: 0 };
  const streak = v.streak + 1;
  if (streak >= (v.up ? fall : rise)) return { up: !v.up, streak: 0 };
  return { up: v.up, streak };
}
