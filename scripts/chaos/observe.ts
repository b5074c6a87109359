/**
 * What a sample shows, as the invariants ask it: who holds an address,
 * what a box's carpd says of a vhid, whether an address is a box's own or
 * a VIP, and the figures the invariants are judged by.
 * @module
 */

import type { VhidStatus } from "../../src/control/mod.ts";
import {
  type BoxSpec,
  linkOf,
  ownAddress,
  type Timing,
  type VhidId,
  VHIDS,
} from "./configs.ts";
import type { Sample } from "./sampler.ts";
import { isHealthy, type WorldView } from "./world.ts";

/** A violation: when it was seen (campaign ms) and what it is. */
export interface Violation {
  t: number;
  text: string;
}

/** Reports a violation once per key (an episode). */
export class Reporter {
  readonly violations: Violation[] = [];
  readonly #open = new Set<string>();
  readonly #onViolation: (v: Violation) => void;

  constructor(onViolation: (v: Violation) => void = () => {}) {
    this.#onViolation = onViolation;
  }

  /** Reports unless this episode was reported already. */
  report(key: string, t: number, text: string): void {
    if (this.#open.has(key)) return;
    this.#open.add(key);
    this.add(t, text);
  }

  /** Ends an episode: the next one is reported again. */
  close(key: string): void {
    this.#open.delete(key);
  }

  /** Reports unconditionally. */
  add(t: number, text: string): void {
    const v = { t, text };
    this.violations.push(v);
    this.#onViolation(v);
  }
}

/**
 * A round trip and the sampling's uncertainty: two healthy boxes that hear
 * each other may both hold a VIP this long (a preemption handing over, a
 * master stepping down on a better one's advert), not longer. The 100 ms
 * are the round trip and the daemons' scheduling on a busy machine; the
 * other 100 ms one sampling period.
 */
export const DOUBLE_HOLD_MS = 200;
/**
 * Slack on the master-down bound of a gap: the successor's claim window
 * and the kernel adding its VIP (under 50 ms), two sampling periods, and a
 * daemon's timers running late on a busy 2-core machine.
 */
export const GAP_SLACK_MS = 500;
/**
 * The longest a planned handover (a stop, a standby, a reload, a demotion:
 * the holder let go while well) may leave a vhid unserved, on a calm
 * network: the simulator's figure (`test/sim/invariants.ts`), with the
 * same slack as above.
 */
export const PLANNED_GAP_MS = 1500 + GAP_SLACK_MS;
/**
 * ucarp reads adverts through libpcap, which may hold them up to 1 s: a
 * bound that involves ucarp hearing someone gets this much more.
 */
export const UCARP_LAG_MS = 1000;
/**
 * A box may hold a VIP while its carpd says the vhid is not MASTER this
 * long: the VIPs go on before MASTER is announced, a release takes 30 ms
 * after the successor's claim, and the status and the addresses of a
 * sample are read a few ms apart.
 */
export const HELD_GRACE_MS = 500;
/**
 * After a config stops listing an address (a roll-out, a crash-edit), or
 * the daemon that must remove it starts, this long to remove it: a reload
 * is read and checked in a process of its own first.
 */
export const EDIT_GRACE_MS = 3000;
/** How long the group must be free of faults before it must have converged. */
export const SETTLE_MS = 15_000;
/**
 * A converged group may look wrong this long (a round trip plus the
 * sampling's skew between boxes), not longer.
 */
export const CONVERGE_GRACE_MS = 300;
/**
 * On a quiet group, a running carpd may leave its status unanswered this
 * long (a request times out at 400 ms on a loaded machine), not longer.
 */
export const SILENT_MS = 3000;

/** Transitions out of MASTER that bow out and keep the VIPs until a successor takes them. */
const BOW_OUTS = /^(standby|step down|stop|demoted)/;

/** Whether box `b` holds `address` in a sample (`null`: unknown). */
export function holds(s: Sample, b: number, address: string): boolean | null {
  const addrs = s.boxes[b]!.addrs;
  if (addrs === null) return null;
  for (const list of addrs.values()) if (list.includes(address)) return true;
  return false;
}

/** The boxes holding `address` in a sample; `null` when a box is unknown. */
export function holders(s: Sample, address: string): number[] | null {
  const out: number[] = [];
  for (let b = 0; b < s.boxes.length; b++) {
    const h = holds(s, b, address);
    if (h === null) return null;
    if (h) out.push(b);
  }
  return out;
}

/** What box `b`'s carpd says of a vhid in a sample, if it answered. */
export function vhidStatus(
  s: Sample,
  b: number,
  vhid: VhidId,
): VhidStatus | undefined {
  return s.boxes[b]!.status?.vhids.find((v) => v.vhid === vhid);
}

/** The effective timers of a vhid on a box, from its status. */
export function timing(v: VhidStatus | undefined): Timing {
  return {
    advskew: v?.advskew?.effective ?? null,
    priority: v?.priority?.effective ?? null,
  };
}

/** Whether an address is one of box `b`'s own (not a VIP). */
export function isOwn(b: number, address: string): boolean {
  return address === ownAddress(b, "eth0") ||
    address === ownAddress(b, "mv0") ||
    address.startsWith("fe80:") || address === `fd13:215::1${b + 1}`;
}

/** The vhid whose link an interface is, or `null`. */
export function vhidOnLink(link: string): VhidId | null {
  return VHIDS.find((v) => linkOf(v) === link) ?? null;
}

/** The VIPs of a vhid in a box's spec. */
export function configured(spec: BoxSpec, vhid: VhidId): string[] {
  return vhid === 1 ? spec.vips1 : spec.vips2;
}

/**
 * Whether a box that holds a VIP but is not MASTER may still be inside the
 * make-before-break release of a bow-out: its last transition left MASTER
 * by a bow-out (stop, standby, step down, demotion) less than `limitMs` ago.
 */
export function releasing(v: VhidStatus, limitMs: number): boolean {
  const last = v.history[v.history.length - 1];
  if (last === undefined || last.from !== "MASTER") return false;
  return BOW_OUTS.test(last.reason) &&
    v.secondsSinceTransition * 1000 <= limitMs;
}

/**
 * Whether box `b` is well for a vhid in a view: healthy, or its carpd
 * stopping gracefully (SIGTERM) with its links up, its adverts leaving.
 */
export function well(w: WorldView, b: number, vhid: VhidId): boolean {
  if (w.healthySince.has(`${b}/${vhid}`)) return true;
  const c = w.boxes[b]!;
  if (!w.terminating.has(b) || c.carpd !== "stopping") return false;
  return isHealthy({ ...c, carpd: "running" }, vhid);
}
