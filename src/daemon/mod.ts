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
export type {
  FramePort,
  LinkRef,
  LoopObserver,
  LoopPort,
  MonitorPort,
  NetlinkPort,
  Platform,
  PrefixedAddress,
  RuntimeFiles,
  SocketPlace,
  SocketPort,
} from "./platform.ts";
export type { Cancel, Clock } from "./clock.ts";
export type { TimerQueue, Timers } from "./timers.ts";
export type { FrameSender } from "./vip_addresses.ts";
// The system's records as ffi/ reads them: what the platform's ports hand over.
export type {
  Address4Info,
  Address6Info,
  AddressInfo,
  LinkInfo,
  NetlinkEvent,
} from "../../ffi/netlink.ts";
export type { SyscallError } from "../../ffi/errors.ts";
export {
  Services,
  type ServicesContext,
  type StagedMetrics,
} from "./services.ts";
export { systemPlatform } from "./system_platform.ts";
export { preflight, type PreflightProbe, systemProbe } from "./preflight.ts";
export type { Logger, LogLevel, LogRateLimiter } from "../log.ts";
