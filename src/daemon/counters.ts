/**
 * What one vhid has done, owned by its runner and shown by USR1 and
 * `carpd status`.
 * @module
 */

import { ALL_DROP_REASONS, type AnyDropReason } from "../wire/mod.ts";

/** Drops by reason, every reason present. */
export type DropCounts = Record<AnyDropReason, number>;

/** A zeroed drop table. */
export function emptyDrops(): DropCounts {
  return Object.fromEntries(ALL_DROP_REASONS.map((r) => [r, 0])) as DropCounts;
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
  /** VRRP adverts whose address list differs from ours. */
  vipListMismatches: number;
  /** Hooks run and failed, by kind. */
  hooks: Record<HookKind, { runs: number; failures: number }>;
  drops: DropCounts;
}

/** The hooks a vhid runs. */
export type HookKind = "up" | "down" | "notify";

/** A zeroed set. */
export function emptyVhidCounters(): VhidCounters {
  return {
    advertsSent: 0,
    advertsReceived: 0,
    sendErrors: new Map(),
    garpsSent: 0,
    transitions: 0,
    vipsRestored: 0,
    vipListMismatches: 0,
    hooks: {
      up: { runs: 0, failures: 0 },
      down: { runs: 0, failures: 0 },
      notify: { runs: 0, failures: 0 },
    },
    drops: emptyDrops(),
  };
}
