/**
 * The pure core of the election: the per-vhid state machine (the lifecycle
 * every protocol shares), the election interface with its CARP and VRRP
 * rules, and what the shell asks of them.
 * @module
 */

export {
  type Admission,
  admissionFor,
  type AdmissionOptions,
  type Refusal,
} from "./admission.ts";
export {
  carpAdvskew,
  type CarpElection,
  carpElection,
  type CarpParams,
  CLAIM_WINDOW_MS,
  HANDOVER_WINDOW_MS,
  MAX_DEMOTED_ADVSKEW,
  RELEASE_STOP_MAX_MS,
} from "./carp_election.ts";
export { initialCounter } from "./counter.ts";
export {
  intervalTicks,
  masterDownTicks,
  remoteWinsTie,
  TICKS_PER_SECOND,
  ticksToMs,
} from "./carp_timing.ts";
export type {
  BackupDecision,
  CarpAdvertFields,
  Election,
  ElectionAdvert,
  ElectionView,
  HeardMaster,
  MasterDecision,
  PeerAddress,
  VrrpAdvertFields,
} from "./election.ts";
export type { VhidAction, VhidEvent, VhidStep } from "./events.ts";
export { step } from "./machine.ts";
export {
  advertIntervalMs,
  effectiveRank,
  type ElectionConfig,
  type FaultKind,
  faultList,
  type Faults,
  initialState,
  masterDownMs,
  nextDeadline,
  RELEASE_GRACE_MS,
  type StateName,
  type TransitionReason,
  type VhidState,
  VIP_RETRY_FIRST_MS,
  VIP_RETRY_MAX_MS,
  vipRetryDelayMs,
} from "./state.ts";
export {
  MIN_DEMOTED_PRIORITY,
  skewMs,
  type VrrpElection,
  vrrpElection,
  type VrrpParams,
  vrrpPriority,
  vrrpRemoteWinsTie,
} from "./vrrp_election.ts";
export { type HealthDemotion, healthEvents } from "./health_events.ts";
export { interfaceEvents, type InterfaceView } from "./interface_events.ts";
export {
  PEER_MEMORY_MS,
  PeerBook,
  type PeerNews,
  type PeerRecord,
} from "./peers.ts";
export {
  type LinkAddress,
  type SourceRule,
  sourceRules,
  type SourceView,
} from "./source.ts";
export {
  SEND_ERROR_DEMOTION,
  SendErrorTracker,
  type SendVerdict,
} from "./send_errors.ts";
