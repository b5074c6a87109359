/**
 * Health: `[[check]]` commands and `[[track_interface]]` links that demote
 * vhids while something is wrong.
 * @module
 */

export { type CheckOs } from "./check_runner.ts";
export { type Demotion } from "./demotions.ts";
export { Health, type HealthContext } from "./health.ts";
export type { Logger, LogLevel } from "../log.ts";
