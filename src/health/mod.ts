/**
 * Health: `[[check]]` commands and `[[track_interface]]` links that demote
 * vhids while something is wrong.
 * @module
 */

export {
  checkHint,
  type CheckOs,
  CheckRunner,
  type CheckStats,
} from "./check_runner.ts";
export { type Demotion, DemotionTable } from "./demotions.ts";
export { Health, type HealthContext } from "./health.ts";
export type { Logger, LogLevel } from "../log.ts";
export { INITIAL_VERDICT, record, type Verdict } from "./verdict.ts";
