/**
 * The shell: sockets, timers, the state machines, health, hooks and the
 * control socket, wired into one daemon.
 * @module
 */

export {
  Daemon,
  type DaemonObserver,
  type DaemonOptions,
  type PlatformFactory,
  type VhidView,
} from "./daemon.ts";
export { holdDebuggerPort } from "./debugger_guard.ts";
export type { LoopObserver, Platform } from "./platform.ts";
export {
  Services,
  type ServicesContext,
  type StagedMetrics,
} from "./services.ts";
export { systemPlatform } from "./system_platform.ts";
export { preflight, type PreflightProbe, systemProbe } from "./preflight.ts";
export type { Logger, LogLevel, LogRateLimiter } from "../log.ts";
