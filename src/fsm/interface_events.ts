/**
 * How the state of a vhid's interface becomes state-machine events: missing,
 * link down (unless `ignore_link_state`), or without an address to advertise
 * from are faults; their end clears them. Pure; the events are idempotent,
 * so the shell sends the whole picture after every change.
 * @module
 */

import type { VhidEvent } from "./events.ts";

/** What a vhid sees of its interface. */
export interface InterfaceView {
  /** The interface exists. */
  present: boolean;
  /** Administratively up with carrier. */
  usable: boolean;
  /**
   * What address adverts lack to go out from, as a sentence (`no IPv4
   * address of its own on eth0`), or `null` when they have what they need.
   */
  missingSource: string | null;
  /** Why it cannot be used although it exists (its socket would not open). */
  error?: string;
}

/**
 * The events that bring a vhid's faults in line with its interface.
 *
 * @param name The interface name, for the sentences status shows.
 * @param view Its state now.
 * @param ignoreLinkState Stay in the election while the link is down
 *   (ucarp `-S`).
 * @returns Fault and fault-cleared events.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { interfaceEvents } from "./interface_events.ts";
 * const events = interfaceEvents(
 *   "eth0.10",
 *   { present: false, usable: false, missingSource: null },
 *   false,
 * );
 * assert.deepEqual(events[0], {
 *   type: "fault",
 *   kind: "interface",
 *   detail: "waiting for eth0.10",
 * });
 * ```
 */
export function interfaceEvents(
  name: string,
  view: InterfaceView,
  ignoreLinkState: boolean,
): VhidEvent[] {
  if (!view.present || view.error !== undefined) {
    // Nothing else can be known of a missing interface.
    return [
      {
        type: "fault",
        kind: "interface",
        detail: view.error ?? `waiting for ${name}`,
      },
      { type: "fault_cleared", kind: "link" },
      { type: "fault_cleared", kind: "source" },
    ];
  }
  const events: VhidEvent[] = [{ type: "fault_cleared", kind: "interface" }];
  events.push(
    view.usable || ignoreLinkState
      ? { type: "fault_cleared", kind: "link" }
      : { type: "fault", kind: "link", detail: `link down on ${name}` },
  );
  events.push(
    view.missingSource === null
      ? { type: "fault_cleared", kind: "source" }
      : { type: "fault", kind: "source", detail: view.missingSource },
  );
  return events;
}
