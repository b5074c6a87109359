/**
 * What a reload does to each vhid, decided from the old and the new config
 * alone. Pure; the daemon carries the plan out.
 * @module
 */

import type { VhidConfig } from "./types.ts";

/**
 * What happens to one vhid:
 * - `keep`: nothing changed;
 * - `update`: timers, preempt, scripts, hooks, receive rules, its VIP list
 *   or its password changed; it keeps its state and takes the new values in
 *   place (a MASTER adds the new VIPs, the dropped ones come off);
 * - `restart`: what it is on the wire or on the box changed (interface,
 *   protocol, the address families of its VIPs, transport, VIP management);
 *   a new one replaces it;
 * - `start` / `stop`: added to / removed from the config.
 */
export type VhidChange = "keep" | "update" | "restart" | "start" | "stop";

/** One vhid in a reload plan. */
export interface PlannedVhid {
  /** `interface/id`, the vhid's identity in the daemon. */
  key: string;
  /** What the reload does to it. */
  change: VhidChange;
  /** The new config (absent for `stop`). */
  config?: VhidConfig;
  /** A restarted vhid that was in standby starts in standby again. */
  standby: boolean;
}

/**
 * The daemon's key for a vhid: ids are unique per interface.
 *
 * @param v The vhid's config.
 * @returns `interface/id`, such as `eth1/3`.
 */
export function vhidKey(v: Pick<VhidConfig, "interface" | "id">): string {
  return `${v.interface}/${v.id}`;
}

function plain(value: unknown): string {
  return JSON.stringify(
    value,
    (_, x) =>
      x instanceof Uint8Array ? [...x] : typeof x === "bigint" ? `${x}` : x,
  );
}

/**
 * What names a vhid on the wire and on the box: a change to any of these
 * needs a new vhid, not an update.
 */
function identity(c: VhidConfig): string {
  return plain([
    c.interface,
    c.protocol,
    c.id,
    // Each family has its own socket and source: a vhid gaining or losing
    // a family starts afresh. The list itself and the password change in
    // place.
    [...new Set(c.vips.map((v) => v.family))].sort(),
    c.mode,
    c.group,
    c.peers,
    c.source,
    c.manageVips,
  ]);
}

/**
 * Plans a reload.
 *
 * @param running The configs of the vhids running now.
 * @param next The new config's vhids.
 * @param inStandby Keys of running vhids in standby.
 * @returns One entry per vhid of either config, sorted by key.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { planReload } from "./reload_plan.ts";
 * assert.deepEqual(planReload([], [], new Set()), []);
 * ```
 */
export function planReload(
  running: readonly VhidConfig[],
  next: readonly VhidConfig[],
  inStandby: ReadonlySet<string>,
): PlannedVhid[] {
  const old = new Map(running.map((v) => [vhidKey(v), v]));
  const wanted = new Map(next.map((v) => [vhidKey(v), v]));
  const keys = [...new Set([...old.keys(), ...wanted.keys()])].sort();
  return keys.map((key): PlannedVhid => {
    const before = old.get(key);
    const after = wanted.get(key);
    const standby = inStandby.has(key);
    if (after === undefined) return { key, change: "stop", standby };
    if (before === undefined) {
      return { key, change: "start", config: after, standby: false };
    }
    const change: VhidChange = plain(before) === plain(after)
      ? "keep"
      : identity(before) === identity(after)
      ? "update"
      : "restart";
    return { key, change, config: after, standby };
  });
}
