/**
 * The control socket: its protocol, the server the daemon runs, the client
 * `carpd status` uses, and the status contract.
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
  type CheckStatus,
  type DemotionStatus,
  formatStatus,
  type InterfaceStatus,
  type PeerStatus,
  type ReloadStatus,
  type Status,
  STATUS_VERSION,
  type TrackedInterfaceStatus,
  type VhidCountersStatus,
  type VhidStatus,
} from "./status.ts";
