/**
 * The bench's report: the lines it prints (a row of medians and ratios per
 * scenario, the floor, the footprints) and its JSON document.
 * @module
 */

import { type Impl, IMPLS } from "./daemons.ts";
import { BFD_MARGIN_US, type Floor } from "./floor.ts";
import type { Footprint } from "./footprint.ts";
import type { Scenario } from "./scenario.ts";

/** One implementation's figures in a scenario, or null when it cannot. */
export type Cell = { median: number; runs: number[] } | null;

/**
 * The median of `xs`.
 *
 * @param xs Figures, in any order.
 * @returns Their median, NaN when there are none.
 */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0
    ? NaN
    : s.length % 2
    ? s[(s.length - 1) / 2]!
    : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/**
 * The report's first line.
 *
 * @param reps Repetitions of each scenario.
 * @returns The line.
 */
export function headerLine(reps: number): string {
  return `carpd bench: ${reps} repetition(s) each, medians; ratio = carpd / peer (lower is better for carpd)`;
}

/**
 * A scenario's heading and its row: each implementation's median, and
 * carpd's as a ratio of each peer's.
 *
 * @param s The scenario.
 * @param row Each implementation's figures.
 * @returns The lines.
 */
export function scenarioLines(
  s: Scenario,
  row: Record<Impl, Cell>,
): string[] {
  const cell = (impl: Impl): string => {
    const v = row[impl];
    return v === null ? "n/a" : String(v.median);
  };
  const carpd = row.carpd?.median;
  const ratio = (peer: Impl): string => {
    const v = row[peer]?.median;
    return carpd === undefined || v === undefined || v === 0
      ? "-"
      : (carpd / v).toFixed(2);
  };
  return [
    `\n${s.title} (${s.unit})`,
    `  carpd ${cell("carpd")}  ucarp ${cell("ucarp")}  keepalived ${
      cell("keepalived")
    }` +
    `  carpd/ucarp ${ratio("ucarp")}  carpd/keepalived ${ratio("keepalived")}`,
  ];
}

/**
 * The floor's heading.
 *
 * @param seconds How long each cyclictest ran.
 * @returns The line.
 */
export function floorHeading(seconds: number): string {
  return `\nthe machine's floor: cyclictest at realtime priority 2, a wake-up every 3.9 ms, ${seconds} s (wake-ups later than the BFD-class margin of ${
    BFD_MARGIN_US / 1000
  } ms would each be a false failover of a master)`;
}

/**
 * One floor measurement.
 *
 * @param loaded Whether both cores were saturated.
 * @param f What cyclictest found.
 * @returns The line.
 */
export function floorLine(loaded: boolean, f: Floor): string {
  return `  ${loaded ? "both cores saturated" : "idle"}: worst ${
    f.maxUs / 1000
  } ms, ${f.overMargin} of ${f.wakeUps} wake-ups over the margin`;
}

/**
 * The footprint of a bare Deno process.
 *
 * @param bare Its resident memory, MB.
 * @returns The line.
 */
export function bareDenoLine(bare: number): string {
  return `\nfootprint of a bare Deno process (same flags, no code): ${bare} MB`;
}

/**
 * The footprints of one group: a heading, then a line per implementation.
 *
 * @param label The group.
 * @param seconds How long the CPU was measured over.
 * @param row Each implementation's footprint, null when it cannot.
 * @param bare A bare Deno process's resident memory, MB, to compare carpd's
 * with.
 * @returns The lines.
 */
export function footprintLines(
  label: string,
  seconds: number,
  row: Record<Impl, Footprint | null>,
  bare: number,
): string[] {
  return [
    `\nfootprint, idle MASTER, ${label}, ${seconds} s (resident MB, % of one core)`,
    ...IMPLS.map((impl) => {
      const f = row[impl];
      return f === null
        ? `  ${impl.padEnd(10)} n/a`
        : `  ${impl.padEnd(10)} ${String(f.rssMb).padStart(7)} MB ${
          String(f.cpu).padStart(6)
        } %${
          impl === "carpd"
            ? `  (${Math.round((f.rssMb - bare) * 10) / 10} MB above bare Deno)`
            : ""
        }`;
    }),
  ];
}

/**
 * The whole run as a JSON document, dated now.
 *
 * @param reps Repetitions of each scenario.
 * @param results Figures by scenario.
 * @param errors The runs that failed.
 * @returns The document, indented.
 */
export function jsonReport(
  reps: number,
  results: Record<string, unknown>,
  errors: string[],
): string {
  return JSON.stringify(
    { date: new Date().toISOString(), reps, results, errors },
    null,
    2,
  );
}
