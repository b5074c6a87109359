/**
 * `scripts/chaos.sh --seed S --minutes M|--tour [--ucarp] [--faults all|KIND,...]
 * [--lab NAME] [--timeline FILE]`: a randomized fault campaign on a real
 * network of namespaces (see `campaign.ts`, and `invariants.ts` for what it
 * checks). Prints progress on standard error, the violations with what
 * surrounds them, then one summary line last. Exit 0 without violations,
 * 1 with, 64 on a bad command line, 69 when the machine cannot run it (not
 * root, a tool missing, another campaign on the same lab).
 *
 * `--rollout-window S` sets every vhid's `rollout_window` (0 shows a
 * roll-out splitting the group without the window, and the campaign
 * finding it).
 *
 * The timeline (samples, faults, daemon log lines) is kept when the
 * campaign finds a violation or `--timeline` names it; otherwise deleted.
 * @module
 */

import { parseArgs } from "node:util";
import { runCampaign } from "./campaign.ts";
import { complain, say } from "../../test/sim/lines.ts";
import { type FaultKind, parseFaultKinds } from "./schedule.ts";

const USAGE =
  "usage: scripts/chaos.sh [--seed S] [--minutes M | --tour] [--ucarp] [--faults all|KIND,KIND...] [--rollout-window S] [--lab NAME] [--timeline FILE]";

/** Why this machine cannot run a campaign, or `null`. */
async function unfit(ucarp: boolean): Promise<string | null> {
  if (Deno.uid() !== 0) return "it builds network namespaces: run it as root";
  for (const tool of ["ip", "nft", ...(ucarp ? ["ucarp"] : [])]) {
    const r = await new Deno.Command("sh", {
      args: ["-c", `command -v ${tool}`],
      stdout: "null",
    }).output();
    if (!r.success) return `${tool} is missing`;
  }
  return null;
}

/**
 * Takes the lab's lock: a file naming the campaign that uses it.
 *
 * @returns A function that releases it, or the reason it is taken.
 */
async function lock(lab: string): Promise<(() => void) | string> {
  const path = `/run/carpd-chaos-${lab}.pid`;
  const other = await Deno.readTextFile(path).catch(() => "");
  const pid = Number(other.trim());
  if (pid > 0 && pid !== Deno.pid) {
    const cmd = await Deno.readTextFile(`/proc/${pid}/cmdline`).catch(() => "");
    if (cmd.includes("chaos")) {
      return `another campaign (pid ${pid}) uses lab "${lab}": wait for it, or pass --lab NAME`;
    }
  }
  await Deno.writeTextFile(path, `${Deno.pid}\n`);
  return () => {
    try {
      Deno.removeSync(path);
    } catch {
      // gone already
    }
  };
}

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: Deno.args,
      options: {
        seed: { type: "string", default: "1" },
        minutes: { type: "string", default: "2" },
        ucarp: { type: "boolean", default: false },
        tour: { type: "boolean", default: false },
        "rollout-window": { type: "string" },
        faults: { type: "string", default: "all" },
        lab: { type: "string", default: "ch" },
        timeline: { type: "string" },
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
  const window = args["rollout-window"] === undefined
    ? null
    : Number(args["rollout-window"]);
  if (window !== null && !(Number.isInteger(window) && window >= 0)) {
    complain(`bad --rollout-window (whole seconds, 0 or more)\n${USAGE}`);
    return 64;
  }
  const minutes = Number(args.minutes);
  let kinds: readonly FaultKind[];
  try {
    kinds = parseFaultKinds(args.faults);
  } catch (e) {
    complain(`${e instanceof Error ? e.message : e}\n${USAGE}`);
    return 64;
  }
  if (
    !Number.isInteger(seed) || !(minutes > 0) || minutes > 24 * 60 ||
    !/^[a-z][a-z0-9]{0,7}$/.test(args.lab)
  ) {
    complain(
      `bad --seed (an integer), --minutes (above 0) or --lab (a to z and digits, at most 8)\n${USAGE}`,
    );
    return 64;
  }
  const why = await unfit(args.ucarp);
  if (why !== null) {
    complain(`scripts/chaos.sh: ${why}`);
    return 69;
  }
  const release = await lock(args.lab);
  if (typeof release === "string") {
    complain(`scripts/chaos.sh: ${release}`);
    return 69;
  }
  const timelinePath = args.timeline ??
    `${
      Deno.env.get("TMPDIR") ?? "/tmp"
    }/carpd-chaos-seed${seed}-${Deno.pid}.timeline`;
  try {
    const r = await runCampaign({
      seed,
      minutes,
      tour: args.tour,
      rolloutWindow: window,
      ucarp: args.ucarp,
      kinds,
      lab: args.lab,
      timelinePath,
      say: complain,
    });
    for (const l of r.report) say(l);
    if (r.violations.length === 0 && args.timeline === undefined) {
      await Deno.remove(timelinePath).catch(() => {});
    }
    say(r.line);
    return r.violations.length > 0 ? 1 : 0;
  } finally {
    release();
  }
}

Deno.exit(await main());
