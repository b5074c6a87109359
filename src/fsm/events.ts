/**
 * What goes into the state machine and what comes out: its events (from
 * the wire, the clock, the interface, health and the operator) and its
 * actions (adverts, VIPs, announcements, hooks, transitions), as data.
 * @module
 */

import type { ElectionAdvert, PeerAddress } from "./election.ts";
import type {
  ElectionConfig,
  FaultKind,
  StateName,
  TransitionReason,
  VhidState,
} from "./state.ts";

/**
 * What one member of a group tells the others (see `group.ts`): the master
 * it followed left (a bow-out, or silence past master-down), or it preempts.
 */
export type GroupSignal = "master_left" | "preempt";

/** An input to the state machine. */
export type VhidEvent =
  | { type: "start" }
  /** An authenticated advert from a peer, in the vhid's protocol. */
  | { type: "advert"; source: PeerAddress; advert: ElectionAdvert }
  /**
   * Timers are due. `lateMs`: how late they fire; when this process was
   * stalled longer than the master's interval, its silence was not
   * watched, and on a shared machine or host the master was likely stalled
   * as well: a BACKUP then gives it two of its intervals to be heard before
   * taking over (once per silence).
   */
  | { type: "timer"; lateMs?: number }
  /**
   * The sum of the vhid's demotions now. With `handover` (a health check or
   * a tracked interface started failing), a MASTER bows out so any healthy
   * backup takes over, preempting or not.
   */
  | { type: "demotion"; amount: number; handover?: boolean }
  | { type: "configure"; config: ElectionConfig }
  | { type: "standby" }
  | { type: "resume" }
  | { type: "step_down" }
  | { type: "link_down" }
  | { type: "link_up" }
  | { type: "fault"; kind: FaultKind; detail: string }
  | { type: "fault_cleared"; kind: FaultKind }
  /** The VIPs could not be added: give mastership away, retry later. */
  | { type: "vips_failed"; detail: string }
  /** The VIPs went on: the next failure starts the back-off afresh. */
  | { type: "vips_ok" }
  | { type: "stop" }
  /** Another member of the vhid's group said this (see `group.ts`). */
  | { type: "group"; signal: GroupSignal }
  /** Release VIPs held back after a bow-out now (the loop is going away). */
  | { type: "release" };

/** Something the daemon must do, in the order given. */
export type VhidAction =
  /** An advert in the vhid's protocol, encoded and sent by the shell. */
  | { type: "send_advert"; advert: ElectionAdvert }
  | { type: "add_vips" }
  | { type: "remove_vips" }
  /** Gratuitous ARPs; `refresh`: a periodic refresh (rate-limited). */
  | { type: "garp"; refresh?: true }
  | { type: "run_hook"; hook: "up" | "down" }
  /** Tell the other members of the vhid's group (grouped vhids only). */
  | { type: "group_signal"; signal: GroupSignal }
  /**
   * Wait for the group's pre-master step (its `pre_master` hook, the
   * conntrackd commit) before what follows: the VIPs (gated vhids only).
   */
  | { type: "pre_master" }
  | {
    type: "transition";
    from: StateName;
    to: StateName;
    reason: TransitionReason;
    /** More about the reason (which fault, which error), for the log. */
    detail?: string;
  };

/** The result of {@linkcode step}. */
export interface VhidStep {
  /** The new state. */
  state: VhidState;
  /** What to do now, in order. */
  actions: VhidAction[];
  /** When to deliver the next `timer` event, or `null` for never. */
  deadline: number | null;
}
