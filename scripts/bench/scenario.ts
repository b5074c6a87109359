/**
 * What a bench scenario is: a title and a unit for the report, and one run
 * of one implementation on a fresh lab of two hosts.
 * @module
 */

import type { Lab } from "../../test/integration/lab.ts";
import type { Impl } from "./daemons.ts";

/**
 * One run of `impl` on a fresh lab of two hosts (`quick`: the bench's
 * --quick); resolves to the figure, or null when `impl` cannot do this at
 * all.
 */
export type Run = (
  impl: Impl,
  lab: Lab,
  quick: boolean,
) => Promise<number | null>;

/** A scenario of the bench. */
export interface Scenario {
  /** Its heading in the report. */
  title: string;
  /** What its figure counts ("ms outage"). */
  unit: string;
  /** One run. */
  run: Run;
  /** One repetition whatever the count (a long soak). */
  once?: boolean;
}
