/**
 * The CARP and VRRP elections: a pure state machine per vhid, and its timer
 * arithmetic.
 * @module
 */

export {
  advertIntervalMs,
  type CarpAction,
  type CarpEvent,
  type CarpState,
  type CarpStep,
  CLAIM_WINDOW_MS,
  effectiveAdvskew,
  effectivePriority,
  effectiveRank,
  type ElectionConfig,
  type FaultKind,
  faultList,
  type Faults,
  HANDOVER_WINDOW_MS,
  type HeardMaster,
  initialState,
  masterDownMs,
  MAX_DEMOTED_ADVSKEW,
  MIN_DEMOTED_PRIORITY,
  nextDeadline,
  type PeerAddress,
  RELEASE_GRACE_MS,
  RELEASE_STOP_MAX_MS,
  step,
  type TransitionReason,
  type VhidState,
  VIP_RETRY_FIRST_MS,
  VIP_RETRY_MAX_MS,
  vipRetryDelayMs,
  type VrrpElection,
} from "./machine.ts";
export { activeDownMs, skewMs, vrrpRemoteWinsTie } from "./vrrp_timing.ts";
export {
  intervalTicks,
  masterDownTicks,
  remoteWinsTie,
  TICKS_PER_SECOND,
  ticksToMs,
} from "./carp_timing.ts";
