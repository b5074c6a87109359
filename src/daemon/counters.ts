/**
 * What one vhid has done, owned by its runner and shown by USR1 and
 * `carpd status`.
 * @module
 */

import { DROP_REASONS, type DropReason } from "../carp/mod.ts";
import { VRRP_DROP_REASONS, type VrrpDropReason } from "../vrrp/mod.ts";

/** Why a CARP or a VRRP packet was dropped. */
export type AnyDropReason = DropReason | VrrpDropReason;

/** Every reason, CARP's first. */
const ALL_DROP_REASONS: readonly AnyDropReason[] = [
  ...new Set<AnyDropReason>([...DROP_REASONS, ...VRRP_DROP_REASONS]),
];

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
