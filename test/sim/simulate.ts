/**
 * `scripts/simulate.sh --seed S --hours H --nodes N [--faults all|k1,k2]`:
 * one deterministic simulation of the whole daemon; prints what it found
 * (and the fault schedule when it found something), then one summary line
 * last. Exit 0 without violations, 1 with.
 */

import { parseArgs } from "node:util";
import { parseFaultKinds } from "./faults.ts";
import { complain, say } from "./lines.ts";
import { report, simulate } from "./simulation.ts";

const USAGE =
  "usage: scripts/simulate.sh [--seed S] [--hours H] [--nodes N] [--faults all|KIND,KIND...] [--stop-after VIOLATIONS] [--groups]";

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: Deno.args,
      options: {
        seed: { type: "string", default: "1" },
        hours: { type: "string", default: "1" },
        nodes: { type: "string", default: "3" },
        faults: { type: "string", default: "all" },
        "stop-after": { type: "string", default: "10" },
        groups: { type: "boolean", default: false },
        help: { type: "boolean", default: false },
      },
    }).values;
  } catch (e) {
    complain(`${e instanceof Error ? e.message : e}\n${USAGE}`);
    return 64;
  }
  if (args.help) {
    say(USAGE);
    return 0;
  }
  const seed = Number(args.seed);
  const hours = Number(args.hours);
  const nodes = Number(args.nodes);
  if (
    !Number.isInteger(seed) || !(hours > 0) || !Number.isInteger(nodes) ||
    nodes < 2 || nodes > 8
  ) {
    complain(`bad --seed, --hours or --nodes (2 to 8)\n${USAGE}`);
    return 64;
  }
  let kinds;
  try {
    kinds = parseFaultKinds(args.faults);
  } catch (e) {
    complain(`${e instanceof Error ? e.message : e}\n${USAGE}`);
    return 64;
  }
  const started = performance.now();
  const r = await simulate({
    seed,
    hours,
    nodes,
    kinds,
    stopAfter: Number(args["stop-after"]),
    groups: args.groups,
  });
  if (r.violations.length > 0) { for (const l of report(r)) say(l); }
  say(
    `(${((performance.now() - started) / 1000).toFixed(1)} s of real time)`,
  );
  say(r.line);
  return r.violations.length > 0 ? 1 : 0;
}

Deno.exit(await main());
