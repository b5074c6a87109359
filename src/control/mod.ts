/**
 * The control socket: its protocol, the server the daemon runs, the client
 * `carpd status` uses, and the status contract; the same status as
 * Prometheus metrics, and the HTTP endpoint that serves them.
 * @module
 */

export { request } from "./client.ts";
export {
  type ControlReply,
  type ControlRequest,
  MAX_REQUEST_BYTES,
  parseRequest,
} from "./protocol.ts";
export { type ControlHandler, ControlServer } from "./server.ts";
export {
  escapeLabel,
  METRICS_CONTENT_TYPE,
  type ProcessFigures,
  renderMetrics,
  STATE_VALUES,
} from "./metrics.ts";
export {
  ACCEPT_BURST,
  ACCEPTS_PER_SECOND,
  CONNECTION_DEADLINE_MS,
  formatMetricsAddress,
  MAX_CONNECTIONS,
  MAX_REQUEST_HEAD_BYTES,
  type MetricsAddress,
  MetricsServer,
  type MetricsServerOptions,
  RENDER_REUSE_MS,
} from "./metrics_server.ts";
export {
  type CheckStatus,
  type DemotionStatus,
  formatStatus,
  type HookCountsStatus,
  type InterfaceStatus,
  type PeerStatus,
  type ReloadStatus,
  type SchedulingStatus,
  type Status,
  STATUS_VERSION,
  type TrackedInterfaceStatus,
  type TransitionStatus,
  type VhidCountersStatus,
  type VhidStatus,
} from "./status.ts";
