/**
 * systemd: readiness, status and watchdog notifications (`sd_notify`), and
 * the liveness that gates the watchdog.
 * @module
 */

export { Liveness } from "./liveness.ts";
export { SystemdNotifier, watchdogIntervalMs } from "./notify.ts";
