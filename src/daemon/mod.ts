/**
 * The shell: sockets, timers, the state machines, health, hooks and the
 * control socket, wired into one daemon.
 * @module
 */

export {
  Daemon,
  type DaemonObserver,
  type DaemonOptions,
  EXIT_FATAL,
  QUIET,
} from "./daemon.ts";
export { holdDebuggerPort } from "./debugger_guard.ts";
export { preflight, type PreflightProbe, systemProbe } from "./preflight.ts";
export type { Logger, LogLevel } from "../log.ts";
