/**
 * A vhid's timing, apart from the rest of the shell so that `carpd check`
 * can weigh a profile without loading the daemon (or libc): the election,
 * admission and timers a vhid's config makes (`election_config.ts`), the
 * realtime scheduling a fast profile needs (`scheduling.ts`), and how well
 * the box has kept the timers (`timeliness.ts`).
 * @module
 */

export {
  admissionKey,
  admissionOf,
  configuredIntervalMs,
  configuredMasterDownMs,
  electionConfig,
} from "./election_config.ts";
export {
  REALTIME_BELOW_MS,
  realtimeBudgetHint,
  Scheduling,
  type ThreadScheduler,
} from "./scheduling.ts";
export {
  GAP_SHARE_WARNING,
  LATE_SHARE_WARNING,
  Timeliness,
} from "./timeliness.ts";
