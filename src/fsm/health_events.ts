/**
 * How the health demotions in force (checks, tracked interfaces, send
 * errors) become state-machine events: the sum of what they demote, a
 * hand-over when the first one starts, and FAULT while one with
 * `fault = true` (keepalived's weight 0) fails. Pure.
 * @module
 */

import type { VhidEvent } from "./events.ts";

/** A demotion as health reports it. */
export interface HealthDemotion {
  /** Such as `check squid`. */
  reason: string;
  /** What it adds to the rank (advskew, or priority taken off). */
  advskew: number;
  /** While it holds, the vhid may not be MASTER at all. */
  fault?: true;
}

/**
 * The events that bring a vhid in line with its health demotions.
 *
 * @param list The health demotions now.
 * @param onset Whether the first of them just started (a MASTER then hands
 *   mastership over).
 * @param extra Demotion from elsewhere (send errors).
 * @param state What the vhid has now: its demotion and whether a check
 *   fault holds.
 * @returns The events, in order (none when nothing changes).
 */
export function healthEvents(
  list: readonly HealthDemotion[],
  onset: boolean,
  extra: number,
  state: { demotion: number; checkFault: boolean },
): VhidEvent[] {
  const events: VhidEvent[] = [];
  const faults = list.filter((d) => d.fault === true).map((d) => d.reason);
  if (faults.length > 0) {
    events.push({
      type: "fault",
      kind: "check",
      detail: `${faults.join(", ")} failing`,
    });
  } else if (state.checkFault) {
    events.push({ type: "fault_cleared", kind: "check" });
  }
  const amount = list.reduce((n, d) => n + d.advskew, extra);
  if (amount !== state.demotion) {
    events.push({ type: "demotion", amount, handover: onset });
  }
  return events;
}
