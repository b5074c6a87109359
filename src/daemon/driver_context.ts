/**
 * What a vhid at run time needs from the daemon: its logger, clock and
 * frames, the box's executor of effects, key rings, groups and event
 * stream, and where it reports; and what a vhid in a group sees of it (its
 * place, and the groups as it asks them).
 * @module
 */

import type { EventSink } from "../control/mod.ts";
import type { GroupSignal } from "../fsm/mod.ts";
import type { Logger, LogRateLimiter } from "../log.ts";
import type { Clock } from "./clock.ts";
import type { Effects } from "./effects.ts";
import type { KeyRings } from "./key_rings.ts";
import type { FrameSender } from "./vip_addresses.ts";

/** What a vhid needs from the daemon. */
export interface DriverContext {
  log: Logger;
  limiter: LogRateLimiter;
  clock: Clock;
  frames: FrameSender;
  /** The box's executor of effects. */
  effects: Effects;
  /** The box's key rings (roll-out windows kept under /run). */
  rings: KeyRings;
  /** Told after every transition. */
  onTransition: () => void;
  /** Told how late each protocol timer fired, and the advert interval. */
  onTimer: (lateMs: number, intervalMs: number) => void;
  /** Told when what the vhid accepts (its source address) changed. */
  onReceiveRulesChanged: () => void;
  /** The box's groups: a member's signals, and its pre-master step. */
  groups: GroupPort;
  /** The event stream (`carpd events`). */
  events: EventSink;
}

/** What a member of a group asks of the box's groups. */
export interface GroupPort {
  /** Tells the other members of `key`'s group. */
  signal(key: string, signal: GroupSignal): void;
  /** `key` left MASTER (said at once: the next takeover's step is afresh). */
  leftMaster(key: string): void;
  /** Resolves when the group's pre-master step has run (or timed out). */
  preMaster(key: string): Promise<void>;
}

/** A vhid's place in a group, as its election sees it. */
export interface Membership {
  /** The group has a pre-master step to await before the VIPs. */
  gated: boolean;
}
