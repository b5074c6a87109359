/**
 * What a campaign prints: a sample as a line of the timeline, the report
 * of a failing campaign (each violation with the faults and the timeline
 * around it), and the summary line that ends every campaign.
 * @module
 */

import { formatTime } from "../../test/sim/faults.ts";
import { configured, holders, vhidStatus, type Violation } from "./observe.ts";
import { VHIDS } from "./configs.ts";
import type { Sample } from "./sampler.ts";
import type { Timeline } from "./timeline.ts";

/** Violations shown with their surroundings; the rest get one line each. */
const DETAILED = 5;

/**
 * A sample as one line: per vhid, who holds each VIP and each box's state
 * (`M` MASTER, `B` BACKUP, `I` INIT, `F` FAULT, `u` ucarp, `-` no answer,
 * `x` its daemon not running, `z` stopped), then each box's health for
 * each vhid (`1` healthy).
 *
 * @param s The sample.
 * @param ucarpBox The ucarp box, or `null`.
 * @returns The line.
 */
export function describeSample(s: Sample, ucarpBox: number | null): string {
  const parts = VHIDS.map((vhid) => {
    const vips = [...new Set(s.specs.flatMap((p) => configured(p, vhid)))];
    const held = vips.map((a) => `${a}:[${holders(s, a)?.join(",") ?? "?"}]`);
    const states = s.world.boxes.map((c, b) => {
      if (c.stopped) return "z";
      if (vhid === 1 && b === ucarpBox) {
        return c.ucarp === "running" ? "u" : "x";
      }
      if (c.carpd !== "running") return "x";
      return vhidStatus(s, b, vhid)?.state[0] ?? "-";
    });
    return `v${vhid} ${held.join(" ")} ${states.join("")}`;
  });
  const health = s.world.boxes.map((_, b) =>
    VHIDS.map((v) => s.world.healthySince.has(`${b}/${v}`) ? "1" : "0").join("")
  );
  return `${parts.join(" | ")} | healthy ${health.join(" ")}`;
}

/**
 * The report of a campaign that found violations.
 *
 * @param violations What was found, in order.
 * @param timeline The timeline (for what surrounds each).
 * @returns The lines.
 */
export function report(
  violations: readonly Violation[],
  timeline: Timeline,
): string[] {
  const out = [`violations (${violations.length}):`];
  for (const v of violations) out.push(`  +${formatTime(v.t)} ${v.text}`);
  violations.slice(0, DETAILED).forEach((v, i) => {
    out.push(
      "",
      `violation ${i + 1}: ${v.text}`,
      "  faults of the minute before, the timeline of the 6 s before and 1 s after:",
      ...timeline.around(v.t, 60_000, 6000, 1000).map((l) => `    ${l}`),
    );
  });
  if (violations.length > DETAILED) {
    out.push(
      "",
      `(the timeline has what surrounds the other ${
        violations.length - DETAILED
      })`,
    );
  }
  out.push("", `timeline: ${timeline.path}`);
  return out;
}

/** What the summary line says. */
export interface Summary {
  seed: number;
  minutes: number;
  /** Every kind once, rather than the simulator's schedule. */
  tour: boolean;
  /** How many kinds were drawn from. */
  kinds: number;
  boxes: number;
  ucarpBox: number | null;
  faults: number;
  /** Faults skipped: their box was busy with another. */
  skipped: number;
  samples: number;
  violations: number;
}

/**
 * The line that ends every campaign.
 *
 * @param s The figures.
 * @returns The line.
 */
export function summaryLine(s: Summary): string {
  const who = s.ucarpBox === null
    ? "carpd"
    : `carpd, ucarp on box ${s.ucarpBox}`;
  const what = s.tour ? `tour of ${s.kinds} fault kinds` : "campaign";
  return `${what} in ${s.minutes} min on ${s.boxes} boxes (${who}), seed ${s.seed}, faults ${s.faults} (${s.skipped} skipped), samples ${s.samples}, violations=${s.violations}`;
}
