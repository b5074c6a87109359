/**
 * Hooks: up/down scripts and notify commands, run without a shell, in
 * order, one queue per box, killed with their process group at their
 * timeout.
 * @module
 */

export {
  type HookJob,
  HookQueue,
  type HookResult,
  runCommand,
  type Spawner,
} from "./runner.ts";
