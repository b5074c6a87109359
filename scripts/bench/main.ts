/**
 * carpd, Debian's ucarp and Debian's keepalived, side by side in the same
 * namespace lab, in one run: failover outages, planned handover,
 * health-driven failover, the machine's floor and footprint. The command
 * line: it runs the scenarios asked for and prints the report. Run through
 * scripts/bench.sh.
 *
 *   scripts/bench.sh [--quick] [--json] [--scenario NAME]...
 *
 * NAME: a scenario of `registry.ts`, or `firewall`, `floor`, `footprint`.
 * @module
 */

import { parseArgs } from "node:util";
import { errorMessage } from "../../src/errors.ts";
import { type Impl, IMPLS } from "./daemons.ts";
import { wakeUpFloor } from "./floor.ts";
import {
  FIREWALL_IMPLS,
  type FirewallImpl,
  firewallLines,
  firewallMedians,
  type FirewallRun,
  firewallRun,
} from "./firewall.ts";
import {
  bareDenoRssMb,
  type Footprint,
  footprint,
  footprintCases,
} from "./footprint.ts";
import { withLab } from "./lab.ts";
import { SCENARIOS } from "./registry.ts";
import {
  bareDenoLine,
  type Cell,
  floorHeading,
  floorLine,
  footprintLines,
  headerLine,
  jsonReport,
  median,
  scenarioLines,
} from "./report.ts";
import type { Scenario } from "./scenario.ts";

/**
 * Runs scenario `s` with `impl` `reps` times (once for a soak), each on a
 * fresh lab; a run that throws goes to `errors`.
 */
async function measure(
  name: string,
  s: Scenario,
  impl: Impl,
  reps: number,
  quick: boolean,
  errors: string[],
): Promise<Cell> {
  const xs: number[] = [];
  for (let r = 0; r < (s.once ? 1 : reps); r++) {
    const v = await withLab(
      2,
      (lab) =>
        s.run(impl, lab, quick).catch((e) => {
          errors.push(`${name} ${impl}: ${errorMessage(e)}`);
          return undefined;
        }),
    );
    if (v === null) return null;
    if (v !== undefined) xs.push(v);
  }
  return xs.length === 0
    ? { median: NaN, runs: [] }
    : { median: median(xs), runs: xs };
}

/** Runs the bench; resolves to whether any run failed. */
async function main(): Promise<boolean> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      quick: { type: "boolean" },
      json: { type: "boolean" },
      scenario: { type: "string", multiple: true },
    },
  });
  const quick = values.quick === true;
  const reps = quick ? 1 : 5;
  const names = values.scenario ??
    [...Object.keys(SCENARIOS), "firewall", "floor", "footprint"];
  const results: Record<string, unknown> = {};
  const errors: string[] = [];
  const out = (...lines: string[]): void => {
    // deno-lint-ignore no-console
    if (!values.json) { for (const line of lines) console.log(line); }
  };
  out(headerLine(reps));
  for (const name of names) {
    if (["footprint", "floor", "firewall"].includes(name)) continue;
    const s = SCENARIOS[name];
    if (s === undefined) throw new Error(`unknown scenario "${name}"`);
    const row = {} as Record<Impl, Cell>;
    for (const impl of IMPLS) {
      row[impl] = await measure(name, s, impl, reps, quick, errors);
    }
    results[name] = row;
    out(...scenarioLines(s, row));
  }
  if (names.includes("firewall")) {
    const runs = {} as Record<FirewallImpl, FirewallRun | null>;
    for (const impl of FIREWALL_IMPLS) {
      const each: FirewallRun[] = [];
      for (let r = 0; r < Math.min(reps, 3); r++) {
        const one = await firewallRun(impl).catch((e) => {
          errors.push(`firewall ${impl}: ${errorMessage(e)}`);
          return null;
        });
        if (one !== null) each.push(one);
      }
      runs[impl] = each.length === 0 ? null : firewallMedians(each);
    }
    results.firewall = runs;
    out(...firewallLines(runs));
  }
  if (names.includes("floor")) {
    const seconds = quick ? 10 : 120;
    out(floorHeading(seconds));
    for (const loaded of [false, true]) {
      const f = await wakeUpFloor(seconds, loaded);
      results[`floor_${loaded ? "loaded" : "idle"}`] = f;
      out(floorLine(loaded, f));
    }
  }
  if (names.includes("footprint")) {
    const seconds = quick ? 10 : 60;
    // The floor: a Deno process with the same flags that loads nothing.
    const bare = await bareDenoRssMb();
    results.footprint_bare_deno = { rssMb: bare };
    out(bareDenoLine(bare));
    for (const c of footprintCases(quick)) {
      const row = {} as Record<Impl, Footprint | null>;
      for (const impl of IMPLS) {
        // ucarp cannot advertise faster than once a second.
        row[impl] = impl === "ucarp" && c.o.bfd
          ? null
          : await footprint(impl, c.o, seconds);
      }
      results[c.key] = row;
      out(...footprintLines(c.label, seconds, row, bare));
    }
  }
  out(...errors.map((e) => `error: ${e}`));
  // deno-lint-ignore no-console
  if (values.json) console.log(jsonReport(reps, results, errors));
  return errors.length > 0;
}

await main().then((failed) => Deno.exit(failed ? 1 : 0));
