/**
 * Per-vhid and per-interface counters, shown by USR1 and `carpd status`.
 * @module
 */

import { DROP_REASONS, type DropReason } from "../carp/mod.ts";

/** Drops by reason, every reason present. */
export type DropCounts = Record<DropReason, number>;

/** A zeroed drop table. */
export function emptyDrops(): DropCounts {
  return Object.fromEntries(DROP_REASONS.map((r) => [r, 0])) as DropCounts;
}

/** What one vhid has done. */
export interface VhidCounters {
  advertsSent: number;
  advertsReceived: number;
  sendErrors: number;
  garpsSent: number;
  transitions: number;
  drops: DropCounts;
}

/** A zeroed set. */
export function emptyVhidCounters(): VhidCounters {
  return {
    advertsSent: 0,
    advertsReceived: 0,
    sendErrors: 0,
    garpsSent: 0,
    transitions: 0,
    drops: emptyDrops(),
  };
}
