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
  type CarpElection,
  carpElection,
  type CarpParams,
} from "./carp_election.ts";
export { initialCounter } from "./counter.ts";
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
export type { GroupSignal, VhidAction, VhidEvent, VhidStep } from "./events.ts";
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
  type StateName,
  type TransitionReason,
  type VhidState,
} from "./state.ts";
export {
  priorityRank,
  type VrrpElection,
  vrrpElection,
  type VrrpParams,
} from "./vrrp_election.ts";
export { type HealthDemotion, healthEvents } from "./health_events.ts";
export { interfaceEvents, type InterfaceView } from "./interface_events.ts";
export { PeerBook, type PeerNews, type PeerRecord } from "./peers.ts";
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
export { COPY_WITHIN_MS, KeyUsage, type KeyVerdict } from "./key_usage.ts";
export {
  groupHolds,
  groupSplit,
  type GroupState,
  groupState,
  type MemberStanding,
} from "./group.ts";
