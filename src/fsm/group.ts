/**
 * Groups of vhids that are MASTER together or not at all (`[[group]]`), as
 * seen by one member: what another member's news means for it. Pure.
 *
 * The rule never fights a live preferred master:
 * - the master another member followed left (bowed out, or fell silent
 *   past master-down): this member elects at once through its own claim
 *   window, as if its own master had bowed out. A master still alive on
 *   this leg answers the claim, and a preferred one keeps mastership;
 * - another member preempts: this member preempts too when the master it
 *   hears is less preferred (claims when it hears none, so an unknown one
 *   answers), and stays when a preferred master is heard.
 * What keeps one member from serving (FAULT, demotions, standby) reaches
 * the others as demotions; the shell computes them ({@linkcode groupHolds}).
 * @module
 */

import type { BackupDecision } from "./election.ts";
import type { GroupSignal } from "./events.ts";
import type { StateName, VhidState } from "./state.ts";

/**
 * What a member does with another member's signal.
 *
 * @param s The member.
 * @param signal What the other member said.
 * @returns A BACKUP's decision (`claim`, `wait`, `preempt` or `ignore`).
 */
export function groupDecision(
  s: VhidState,
  signal: GroupSignal,
): BackupDecision {
  if (s.state !== "BACKUP" || s.claiming) return { do: "ignore" };
  const election = s.config.election;
  const heard = s.heardMaster;
  if (signal === "master_left" || heard === null) {
    return election.afterBowOut(s);
  }
  if (!s.config.preempt || election.prefers(s, heard.source, heard.advert)) {
    return { do: "ignore" };
  }
  return { do: "preempt" };
}

/** A group's state on this box, from its members'. */
export type GroupState = "INIT" | "BACKUP" | "MASTER" | "FAULT";

/**
 * The group's state: MASTER while any member is (it is becoming or leaving
 * MASTER as a unit), else FAULT while any member is, else BACKUP (INIT
 * before the members start).
 *
 * @param states The members' states.
 * @returns The group's.
 */
export function groupState(states: readonly StateName[]): GroupState {
  if (states.includes("MASTER")) return "MASTER";
  if (states.includes("FAULT")) return "FAULT";
  if (states.length > 0 && states.every((s) => s === "INIT")) return "INIT";
  return "BACKUP";
}

/**
 * Whether the members disagree: some MASTER, some not. Between a
 * member's takeover and the others' it lasts a claim window; longer, it
 * means no box reaches every leg (a partition).
 *
 * @param states The members' states.
 * @returns `true` when split.
 */
export function groupSplit(states: readonly StateName[]): boolean {
  return states.includes("MASTER") && states.some((s) => s !== "MASTER");
}

/** What one member contributes to the others' demotions. */
export interface MemberStanding {
  /** Its key, `interface/id`. */
  key: string;
  /** `vhid 2 on eth1`, for reasons. */
  label: string;
  /** Its state. */
  state: StateName;
  /** Why it is in FAULT, when it is. */
  fault: string | null;
  /** In standby. */
  standby: boolean;
  /** Its own demotions (checks, tracked interfaces, send errors). */
  demotions: readonly { reason: string; advskew: number }[];
}

/** The rank a hold demotes to: the least preferred short of leaving. */
export const GROUP_HOLD_DEMOTION = 254;

/**
 * The demotions every other member's standing puts on one member: a member
 * that cannot serve (FAULT, standby) demotes the others to the least
 * preferred rank; a member's own demotions apply to every member (once,
 * by reason), so the group keeps one ordering.
 *
 * @param group The group's name.
 * @param members Every member's standing.
 * @param key The member to compute for.
 * @returns Its demotions from the group (none when the others are well).
 */
export function groupHolds(
  group: string,
  members: readonly MemberStanding[],
  key: string,
): { reason: string; advskew: number }[] {
  const self = members.find((m) => m.key === key);
  const own = new Set(self?.demotions.map((d) => d.reason) ?? []);
  const out: { reason: string; advskew: number }[] = [];
  for (const m of members) {
    if (m.key === key) continue;
    if (m.fault !== null) {
      out.push({
        reason: `group ${group}: ${m.label} in FAULT (${m.fault})`,
        advskew: GROUP_HOLD_DEMOTION,
      });
    } else if (m.standby) {
      out.push({
        reason: `group ${group}: ${m.label} in standby`,
        advskew: GROUP_HOLD_DEMOTION,
      });
    }
    for (const d of m.demotions) {
      if (own.has(d.reason) || d.reason === "standby") continue;
      own.add(d.reason);
      out.push({ reason: d.reason, advskew: d.advskew });
    }
  }
  return out;
}
