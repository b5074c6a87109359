/**
 * What one vhid has done, owned by its runner and shown by USR1 and
 * `carpd status`.
 * @module
 */

import { DROP_REASONS, type DropReason } from "../carp/mod.ts";

/** Drops by reason, every reason present. */
export type DropCounts = Record<DropReason, number>;

/** A zeroed drop table. */
export function emptyDrops(): DropCounts {
  return Object.fromEntries(DROP_REASONS.map((r) => [r, 0])) as DropCounts;
}

/** A vhid's counters. */
export interface VhidCounters {
  /** Adverts the kernel took. */
  advertsSent: number;
  /** Valid adverts from peers. */
  advertsReceived: number;
  /** Sends the kernel refused, by errno name. */
  sendErrors: Map<string, number>;
  garpsSent: number;
  transitions: number;
  /** VIPs put back after someone removed them while MASTER. */
  vipsRestored: number;
  drops: DropCounts;
}

/** A zeroed set. */
export function emptyVhidCounters(): VhidCounters {
  return {
    advertsSent: 0,
    advertsReceived: 0,
    sendErrors: new Map(),
    garpsSent: 0,
    transitions: 0,
    vipsRestored: 0,
    drops: emptyDrops(),
  };
}
