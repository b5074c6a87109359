/**
 * The control socket: its protocol, the server the daemon runs, the client
 * `carpd status` uses, and the status contract; the same status as
 * Prometheus metrics, and the HTTP endpoint that serves them.
 * @module
 */

export { request, streamEvents } from "./client.ts";
export { type ControlReply, type ControlRequest } from "./protocol.ts";
export {
  answers,
  type ControlHandler,
  ControlServer,
  type EventSource,
} from "./server.ts";
export {
  EventBus,
  type EventFields,
  EventReader,
  type EventSink,
} from "./events.ts";
export { type ProcessFigures, renderMetrics } from "./metrics.ts";
export {
  formatMetricsAddress,
  type MetricsAddress,
  MetricsServer,
  type MetricsServerOptions,
} from "./metrics_server.ts";
export {
  type CheckStatus,
  type DemotionStatus,
  formatStatus,
  type GroupStatus,
  type HookCountsStatus,
  type InterfaceStatus,
  type PeerStatus,
  type ReloadStatus,
  type RolloutStatus,
  type SchedulingStatus,
  type Status,
  STATUS_VERSION,
  type TrackedInterfaceStatus,
  type TransitionStatus,
  type VhidCountersStatus,
  type VhidStatus,
} from "./status.ts";
