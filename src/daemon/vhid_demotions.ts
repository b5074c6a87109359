/**
 * The demotions of one vhid, by where they come from: its health (checks,
 * tracked interfaces), its group (what the other members' standing puts on
 * it), its send errors and its standby; and the state-machine events that
 * bring it in line with them. The first demotion to start hands
 * mastership over (see the state machine's `handover`).
 * @module
 */

import { healthEvents, type VhidEvent, type VhidState } from "../fsm/mod.ts";
import type { Demotion } from "../health/mod.ts";

/** One vhid's demotions. */
export class VhidDemotions {
  #health: Demotion[] = [];
  #group: Demotion[] = [];
  readonly #sends: () => Demotion | null;
  readonly #told: (list: { reason: string; amount: number }[]) => void;
  #toldText = "[]";

  /**
   * No demotions yet.
   *
   * @param sends The send-error demotion now, if any.
   * @param told Told the demotions in force each time they change.
   */
  constructor(
    sends: () => Demotion | null,
    told: (list: { reason: string; amount: number }[]) => void,
  ) {
    this.#sends = sends;
    this.#told = told;
  }

  /** Its own: health and send errors (what its group shares). */
  own(): Demotion[] {
    const sends = this.#sends();
    return sends === null ? [...this.#health] : [...this.#health, sends];
  }

  /**
   * Every demotion in force with its reason, standby included.
   *
   * @param s The vhid's state.
   * @returns The list status shows.
   */
  all(s: VhidState): Demotion[] {
    const out = [...this.#health, ...this.#group];
    const sends = this.#sends();
    if (sends !== null) out.push(sends);
    if (s.standby) {
      out.push({
        reason: "standby",
        advskew: s.config.election.standbyDemotion(),
      });
    }
    return out;
  }

  /** The reasons of the health and group demotions, for the log. */
  reasons(): string[] {
    return [...this.#health, ...this.#group].map((d) => d.reason);
  }

  /** Whether a health demotion lowers the vhid's rank. */
  healthDemotes(): boolean {
    return this.#health.some((d) => d.advskew > 0);
  }

  /**
   * Health's demotions now.
   *
   * @param list Each with its reason.
   * @param s The vhid's state.
   * @returns The events to feed.
   */
  setHealth(list: Demotion[], s: VhidState): VhidEvent[] {
    const onset = this.#none() && list.length > 0;
    this.#health = list;
    return this.events(s, onset);
  }

  /**
   * The group's demotions now.
   *
   * @param list Each with its reason.
   * @param s The vhid's state.
   * @returns The events to feed (none when nothing changed).
   */
  setGroup(list: Demotion[], s: VhidState): VhidEvent[] {
    if (sameList(list, this.#group)) return [];
    const onset = this.#none() && list.length > 0;
    this.#group = list;
    return this.events(s, onset);
  }

  /**
   * The events that bring the state machine in line.
   *
   * @param s The vhid's state.
   * @param onset Whether the first demotion just started.
   * @returns The events.
   */
  events(s: VhidState, onset = false): VhidEvent[] {
    return healthEvents(
      [...this.#health, ...this.#group],
      onset,
      this.#sends()?.advskew ?? 0,
      { demotion: s.demotion, checkFault: s.faults.check !== undefined },
    );
  }

  /**
   * Tells the demotions in force when they changed since the last call
   * (the event stream).
   *
   * @param s The vhid's state.
   */
  tell(s: VhidState): void {
    const list = this.all(s).map((d) => ({
      reason: d.reason,
      amount: d.advskew,
    }));
    const text = JSON.stringify(list);
    if (text === this.#toldText) return;
    this.#toldText = text;
    this.#told(list);
  }

  #none(): boolean {
    return this.#health.length === 0 && this.#group.length === 0;
  }
}

function sameList(a: readonly Demotion[], b: readonly Demotion[]): boolean {
  return a.length === b.length &&
    a.every((d, i) =>
      d.reason === b[i]!.reason && d.advskew === b[i]!.advskew &&
      d.fault === b[i]!.fault
    );
}
