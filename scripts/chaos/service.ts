/**
 * Whether each vhid is served, checked at every sample:
 * - no vhid is left without a box serving it (a healthy box holding its
 *   VIP) for longer than a healthy box's master-down plus one advert
 *   interval (plus {@linkcode GAP_SLACK_MS}); and when the box that served
 *   it let go while well (a stop, a standby, a reload, a demotion: a
 *   planned handover) on a calm network, for no longer than a planned
 *   handover takes ({@linkcode PLANNED_GAP_MS}), while a healthy box beside
 *   it could have taken over;
 * - once the group has been free of faults for {@linkcode SETTLE_MS}, each
 *   vhid has exactly one MASTER, the most preferred healthy box, it holds
 *   the vhid's VIPs and no other box holds any of them.
 * @module
 */

import {
  advertIntervalMs,
  baseVip,
  masterDownMs,
  preferred,
  type VhidId,
  VHIDS,
} from "./configs.ts";
import {
  configured,
  CONVERGE_GRACE_MS,
  GAP_SLACK_MS,
  holders,
  holds,
  PLANNED_GAP_MS,
  type Reporter,
  SETTLE_MS,
  SILENT_MS,
  timing,
  UCARP_LAG_MS,
  vhidStatus,
  well,
} from "./observe.ts";
import type { Sample } from "./sampler.ts";
import { together } from "./world.ts";

/** Why a vhid became unserved. */
interface Unserved {
  since: number;
  /** The box that let go of it while well (a planned handover), or `null`. */
  plannedBy: number | null;
  /** The last sample that found it unserved. */
  last: number;
  /** Once too long: when, and what could have served it. */
  over: { t: number; box: number; bound: number; planned: boolean } | null;
}

/** No vhid unserved for longer than the protocol allows. */
export class Served {
  readonly #r: Reporter;
  readonly #ucarpBox: number | null;
  readonly #unserved = new Map<VhidId, Unserved | null>();
  readonly #servers = new Map<VhidId, number[]>();

  constructor(r: Reporter, ucarpBox: number | null) {
    this.#r = r;
    this.#ucarpBox = ucarpBox;
  }

  /** Checks one sample. */
  check(s: Sample): void {
    for (const vhid of VHIDS) this.#vhid(s, vhid);
  }

  #vhid(s: Sample, vhid: VhidId): void {
    const vip = baseVip(vhid);
    const all = holders(s, vip);
    if (all === null) return;
    const w = s.world;
    const servers = all.filter((b) => well(w, b, vhid));
    const before = this.#servers.get(vhid) ?? [];
    this.#servers.set(vhid, servers);
    let gap = this.#unserved.get(vhid) ?? null;
    if (servers.length > 0) {
      if (gap !== null) this.#end(vhid, gap, "");
      this.#unserved.set(vhid, null);
      return;
    }
    if (gap === null) {
      // The last box to serve it let go: planned if it is still well.
      const left = before.find((b) => well(w, b, vhid));
      gap = {
        since: s.t,
        plannedBy: left !== undefined && w.calmSince !== null ? left : null,
        last: s.t,
        over: null,
      };
      this.#unserved.set(vhid, gap);
    }
    gap.last = s.t;
    if (gap.over !== null) return;
    for (let b = 0; b < w.boxes.length; b++) {
      const healthySince = w.healthySince.get(`${b}/${vhid}`);
      if (healthySince === undefined) continue;
      const from = Math.max(gap.since, healthySince);
      const by = gap.plannedBy;
      const ucarp = vhid === 1 && b === this.#ucarpBox;
      const planned = by !== null && by !== b && from === gap.since &&
        w.calmSince !== null && together(w, by, b);
      const t = timing(vhidStatus(s, b, vhid));
      const bound = planned
        ? PLANNED_GAP_MS + (ucarp ? UCARP_LAG_MS : 0)
        : masterDownMs(vhid, b, t) + advertIntervalMs(vhid, b, t) +
          GAP_SLACK_MS;
      if (s.t - from > bound) {
        gap.over = { t: s.t, box: b, bound, planned };
        return;
      }
    }
  }

  /** Reports the gaps still open at the campaign's end. */
  finish(): void {
    for (const [vhid, gap] of this.#unserved) {
      if (gap !== null) this.#end(vhid, gap, " (still at the end)");
    }
    this.#unserved.clear();
  }

  /** A gap ended: reported, with its length, if it was too long. */
  #end(vhid: VhidId, gap: Unserved, still: string): void {
    const o = gap.over;
    if (o === null) return;
    this.#r.add(
      o.t,
      `vhid ${vhid} was served by no box for ${
        Math.round(gap.last - gap.since)
      } ms${still} though box ${o.box} could have taken over after ${
        Math.round(o.bound)
      } ms${
        o.planned ? ` (box ${gap.plannedBy} let go of it while well)` : ""
      }`,
    );
  }
}

/** Once the group is quiet, one MASTER per vhid: the preferred box, alone. */
export class Converged {
  readonly #r: Reporter;
  readonly #ucarpBox: number | null;
  readonly #wrongSince = new Map<VhidId, number>();
  readonly #silentSince = new Map<VhidId, number>();
  /** The last verdict per vhid (`null`: converged), for the final check. */
  readonly last = new Map<VhidId, string[] | null>();

  constructor(r: Reporter, ucarpBox: number | null) {
    this.#r = r;
    this.#ucarpBox = ucarpBox;
  }

  /** Checks one sample. */
  check(s: Sample): void {
    const q = s.world.quietSince;
    if (q === null || s.t - q < SETTLE_MS) {
      this.#wrongSince.clear();
      this.#silentSince.clear();
      return;
    }
    for (const vhid of VHIDS) this.#vhid(s, vhid);
  }

  #vhid(s: Sample, vhid: VhidId): void {
    const problems = this.problems(s, vhid);
    if (problems === null) {
      // A box did not answer: the next sample may tell; a box that keeps
      // silent is a finding of its own.
      const since = this.#silentSince.get(vhid) ?? s.t;
      this.#silentSince.set(vhid, since);
      if (s.t - since > SILENT_MS) {
        this.#r.report(
          `silent:${vhid}`,
          s.t,
          `vhid ${vhid}: a running carpd did not answer its control socket for ${
            Math.round(s.t - since)
          } ms on a quiet group`,
        );
      }
      return;
    }
    this.#silentSince.delete(vhid);
    this.#r.close(`silent:${vhid}`);
    this.last.set(vhid, problems.length === 0 ? null : problems);
    if (problems.length === 0) {
      this.#wrongSince.delete(vhid);
      this.#r.close(`converged:${vhid}`);
      return;
    }
    const since = this.#wrongSince.get(vhid) ?? s.t;
    this.#wrongSince.set(vhid, since);
    if (s.t - since > CONVERGE_GRACE_MS) {
      this.#r.report(
        `converged:${vhid}`,
        s.t,
        `vhid ${vhid} after ${SETTLE_MS} ms without faults: ${
          problems.join("; ")
        }`,
      );
    }
  }

  /**
   * What is wrong with a vhid in a sample; `null` when a box that runs it
   * did not answer.
   */
  problems(s: Sample, vhid: VhidId): string[] | null {
    const w = s.world;
    const masters: number[] = [];
    const healthy: number[] = [];
    for (let b = 0; b < w.boxes.length; b++) {
      if (w.healthySince.has(`${b}/${vhid}`)) healthy.push(b);
      if (vhid === 1 && b === this.#ucarpBox) {
        // ucarp has no status: it is MASTER when it holds the VIP.
        if (holds(s, b, baseVip(vhid)) === true) masters.push(b);
        continue;
      }
      if (w.boxes[b]!.carpd !== "running") continue;
      const v = vhidStatus(s, b, vhid);
      if (v === undefined) return null;
      if (v.state === "MASTER") masters.push(b);
    }
    const out: string[] = [];
    const want = preferred(healthy);
    if (masters.length !== 1 || masters[0] !== want) {
      out.push(
        `MASTER on ${
          masters.length === 0 ? "no box" : `box ${masters.join(", ")}`
        }, the preferred healthy box is ${want ?? "none"}`,
      );
    }
    for (const m of masters) {
      const missing = configured(s.specs[m]!, vhid).filter((a) =>
        holds(s, m, a) !== true
      );
      if (missing.length > 0) {
        out.push(`its MASTER box ${m} lacks ${missing.join(", ")}`);
      }
    }
    const vips = new Set(s.specs.flatMap((spec) => configured(spec, vhid)));
    for (const a of vips) {
      const others = (holders(s, a) ?? []).filter((b) => !masters.includes(b));
      if (others.length > 0) out.push(`box ${others.join(", ")} holds ${a}`);
    }
    return out;
  }
}
