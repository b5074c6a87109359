/**
 * One campaign, from building the group to deleting it: the group formed
 * (box 0 MASTER of both vhids), the schedule run while the sampler feeds
 * every sample to the invariants, the faults healed at the end, the group
 * given time to settle and checked, every daemon stopped, and what is left
 * behind checked. Everything the campaign made (namespaces, processes,
 * files but the timeline) is deleted afterwards, on failure and on
 * Ctrl-C too.
 * @module
 */

import { eventually } from "../../test/integration/lab.ts";
import { baseVip, UCARP_BOX, type VhidId, VHIDS } from "./configs.ts";
import { Daemons, type ExitRecord } from "./daemons.ts";
import { Delayer } from "./delayer.ts";
import { Group } from "./group.ts";
import { Injector } from "./injector.ts";
import { Checker, type Violation } from "./invariants.ts";
import { holds, SETTLE_MS, vhidStatus } from "./observe.ts";
import { describeSample, report, summaryLine } from "./report.ts";
import { leftovers, RESOURCE_MS } from "./resources.ts";
import { type Sample, Sampler } from "./sampler.ts";
import {
  chaosSchedule,
  describeChaosFault,
  type FaultKind,
  NODES,
  scheduleEnd,
  simulatorCommand,
  tourSchedule,
} from "./schedule.ts";
import { Timeline } from "./timeline.ts";
import { World } from "./world.ts";

/** How long the group may take to form before the faults start. */
const FORMATION_MS = 60_000;
/** After the group has settled, how long it is watched before the end. */
const FINAL_WATCH_MS = 5000;
/** Samples the final check waits for a box to answer its status. */
const FINAL_TRIES = 10;
/**
 * A daemon's lines per sample kept in the timeline (ucarp logs each bad
 * packet of a flood); the rest are counted there.
 */
const LINES_PER_DRAIN = 40;

/** What to run. */
export interface CampaignOptions {
  seed: number;
  /** How long faults are drawn for (a tour: ignored). */
  minutes: number;
  /** Every kind once (`tourSchedule`) rather than the simulator's schedule. */
  tour: boolean;
  /**
   * Every vhid's `rollout_window`, s (`null`: carpd's default). 0 shows the
   * campaign finding the split a roll-out causes without one.
   */
  rolloutWindow: number | null;
  /** Debian's ucarp runs vhid 1 on box 1. */
  ucarp: boolean;
  kinds: readonly FaultKind[];
  /** The lab's name (its namespaces' prefix). */
  lab: string;
  timelinePath: string;
  /** Progress, for a person (standard error). */
  say: (line: string) => void;
}

/** What came out. */
export interface CampaignResult {
  /** The summary line. */
  line: string;
  violations: readonly Violation[];
  /** The report of the violations (empty without any). */
  report: string[];
}

/**
 * Runs a campaign.
 *
 * @param o What to run.
 * @returns Its summary and findings.
 */
export async function runCampaign(o: CampaignOptions): Promise<CampaignResult> {
  const origin = performance.now();
  const now = (): number => performance.now() - origin;
  const ucarpBox = o.ucarp ? UCARP_BOX : null;
  const schedule = o.tour
    ? tourSchedule(o.seed, o.kinds)
    : chaosSchedule(o.seed, o.minutes, o.kinds);
  // A tour lasts as long as its faults, and a little for the last heal.
  const faultMs = o.tour ? scheduleEnd(schedule) + 2000 : o.minutes * 60_000;
  const minutes = Number((faultMs / 60_000).toFixed(1));
  const timeline = await Timeline.open(o.timelinePath);
  const checker = new Checker(ucarpBox, (v) => {
    timeline.add(v.t, "violation", v.text);
    o.say(`violation: ${v.text}`);
  });
  timeline.add(
    0,
    "note",
    o.tour
      ? `seed ${o.seed}, a tour of ${o.kinds.length} kinds, one fault each, over ${minutes} min`
      : `seed ${o.seed}, ${o.minutes} min, faults drawn as ${
        simulatorCommand(o.seed, o.minutes, o.kinds)
      }, ${schedule.length} after compression`,
  );
  for (const f of schedule) {
    timeline.add(0, "schedule", describeChaosFault(f));
  }
  const dir = await Deno.makeTempDir({ prefix: "carpd-chaos-" });
  const world = new World(NODES, ucarpBox, now);
  let group: Group | null = null;
  let daemons: Daemons | null = null;
  let delayer: Delayer | null = null;
  let injector: Injector | null = null;
  let sampler: Sampler | null = null;
  let sampling = true;
  let latest: Sample | null = null;
  let lastLine = "";
  let faults = 0;
  let skipped = 0;
  let interrupted = false;
  const cleanup = async (): Promise<void> => {
    sampling = false;
    injector?.end();
    await daemons?.killAll().catch(() => {});
    await delayer?.stop().catch(() => {});
    await group?.down().catch((e) => o.say(`cleanup: ${e}`));
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  /** What the daemons logged, to the checks and (the first lines) the timeline. */
  const logs = (d: Daemons, t: number): void => {
    for (const { box, name, lines } of d.drainLogs()) {
      for (const text of lines) checker.conduct.logged(box, name, text, t);
      for (const text of lines.slice(0, LINES_PER_DRAIN)) {
        timeline.add(t, "log", `box ${box} ${name}: ${text}`);
      }
      if (lines.length > LINES_PER_DRAIN) {
        timeline.add(
          t,
          "log",
          `box ${box} ${name}: (${lines.length - LINES_PER_DRAIN} more lines)`,
        );
      }
    }
  };
  const onInterrupt = (): void => {
    if (interrupted) return;
    interrupted = true;
    o.say("interrupted: cleaning up");
    void cleanup().then(() => {
      timeline.close();
      Deno.exit(130);
    });
  };
  Deno.addSignalListener("SIGINT", onInterrupt);
  Deno.addSignalListener("SIGTERM", onInterrupt);
  try {
    o.say(`building lab ${o.lab} (3 boxes, eth0 and macvlan mv0)`);
    const g = await Group.up(o.lab, NODES);
    group = g;
    delayer = new Delayer(g);
    const onExit = (e: ExitRecord): void => {
      const t = now();
      const how = e.status.signal ?? `code ${e.status.code}`;
      timeline.add(
        t,
        "note",
        `box ${e.box}'s ${e.name} (pid ${e.pid}) exited, ${how}`,
      );
      checker.conduct.exited(e, t);
      if (e.name !== "carpd") return;
      checker.resources.judge(e.pid, t);
      if (e.expected === "term" && e.status.code === 0) {
        checker.held.stoppedGracefully(e.box, t);
      }
    };
    const d = new Daemons({
      group: g,
      dir,
      world,
      ucarpBox,
      rolloutWindow: o.rolloutWindow,
      onExit,
    });
    daemons = d;
    await d.prepare();
    for (let b = 0; b < NODES; b++) d.start(b);
    sampler = new Sampler(g, d, world, now);
    const sampled = sampler.run(() => !sampling, (s) => {
      latest = s;
      checker.sample(s);
      const line = describeSample(s, ucarpBox);
      if (line !== lastLine) timeline.add(s.t, "sample", line);
      lastLine = line;
      logs(d, s.t);
    });
    const resourced = (async () => {
      for (let i = 0; sampling && i < 100_000; i++) {
        await new Promise((r) => setTimeout(r, RESOURCE_MS));
        const w = world.view();
        for (let b = 0; b < NODES; b++) {
          const pid = d.pid(b);
          if (pid !== null) await checker.resources.read(b, pid, w);
        }
      }
    })();

    o.say("waiting for the group to form (box 0 MASTER of both vhids)");
    const formed = await eventually(
      () => latest !== null && formedIn(latest, checker),
      FORMATION_MS,
      100,
    );
    if (!formed) {
      checker.reporter.add(
        now(),
        `the group did not form within ${FORMATION_MS / 1000} s: ${
          problemsIn(latest, checker)
        }`,
      );
    } else {
      const offset = now();
      timeline.add(offset, "note", "formed: the faults start");
      o.say(
        `formed after ${
          (offset / 1000).toFixed(1)
        } s; ${schedule.length} faults over ${minutes} min`,
      );
      const inj = new Injector({
        group: g,
        daemons: d,
        world,
        timeline,
        now,
        offset,
        delayer,
        masterOf: (vhid) => masterOf(latest, vhid, ucarpBox),
        conduct: checker.conduct,
        failed: (t, text) => checker.reporter.add(t, `campaign: ${text}`),
      });
      injector = inj;
      const end = setTimeout(
        () => inj.end(),
        offset + faultMs - now(),
      );
      await inj.run(schedule);
      clearTimeout(end);
      inj.end();
      faults = inj.applied;
      skipped = inj.skipped.length;
      if (o.tour) {
        // A tour promises every kind: one skipped is the campaign's failure.
        for (const f of inj.skipped) {
          checker.reporter.add(
            now(),
            `campaign: the tour skipped #${f.n} (${f.sim.kind}): its box was busy`,
          );
        }
      }
      timeline.add(now(), "note", "the faults are over: the group settles");
      o.say(`faults over (${faults} applied); settling ${SETTLE_MS / 1000} s`);
      await eventually(
        () => {
          const q = world.view().quietSince;
          return q !== null && now() - q >= SETTLE_MS + FINAL_WATCH_MS;
        },
        120_000,
        100,
      );
      for (const vhid of VHIDS) {
        // A box may miss one status request; one that never answers is
        // reported as such.
        let problems: string[] | null = null;
        for (let i = 0; i < FINAL_TRIES && problems === null; i++) {
          if (i > 0) await new Promise((r) => setTimeout(r, 500));
          problems = latest === null
            ? ["no sample"]
            : checker.converged.problems(latest, vhid);
        }
        problems ??= ["a running carpd did not answer its control socket"];
        if (problems.length > 0) {
          checker.reporter.report(
            `converged:${vhid}`,
            now(),
            `at the end, vhid ${vhid}: ${problems.join("; ")}`,
          );
        }
      }
    }
    sampling = false;
    await sampled;
    await resourced;
    checker.finish();
    o.say("stopping the daemons");
    await d.stopAll();
    logs(d, now());
    // The stop's own hooks (down for each MASTER vhid) are judged too.
    for (let b = 0; b < NODES; b++) {
      const record = await Deno.readTextFile(d.paths(b).notifyLog).catch(() =>
        ""
      );
      checker.conduct.hooks(b, record, now());
    }
    await leftovers(g, checker.reporter, now());
    checker.resources.judgeAll(now());
    for (const line of checker.resources.summary()) {
      timeline.add(now(), "note", line);
    }
  } catch (e) {
    checker.reporter.add(
      now(),
      `campaign: ${e instanceof Error ? e.stack ?? e.message : String(e)}`,
    );
  } finally {
    await cleanup();
    Deno.removeSignalListener("SIGINT", onInterrupt);
    Deno.removeSignalListener("SIGTERM", onInterrupt);
  }
  const line = summaryLine({
    seed: o.seed,
    minutes,
    tour: o.tour,
    kinds: o.kinds.length,
    boxes: NODES,
    ucarpBox,
    faults,
    skipped,
    samples: sampler?.count ?? 0,
    violations: checker.violations.length,
  });
  timeline.add(now(), "note", line);
  const r = checker.violations.length > 0
    ? report(checker.violations, timeline)
    : [];
  timeline.close();
  return { line, violations: checker.violations, report: r };
}

/** Whether the group has formed: every box healthy, box 0 MASTER alone. */
function formedIn(s: Sample, checker: Checker): boolean {
  return VHIDS.every((vhid) => {
    const p = checker.converged.problems(s, vhid);
    return s.world.boxes.every((_, b) =>
      s.world.healthySince.has(`${b}/${vhid}`)
    ) && p !== null && p.length === 0;
  });
}

/** What keeps the group from having formed, for the message. */
function problemsIn(s: Sample | null, checker: Checker): string {
  if (s === null) return "no sample was taken";
  return VHIDS.map((vhid) =>
    `vhid ${vhid}: ${
      checker.converged.problems(s, vhid)?.join("; ") ?? "a box did not answer"
    }`
  ).join("; ") + `; ${describeSample(s, null)}`;
}

/** The box a sample shows MASTER of a vhid (ucarp: holding its VIP). */
function masterOf(
  s: Sample | null,
  vhid: VhidId,
  ucarpBox: number | null,
): number | null {
  if (s === null) return null;
  for (let b = 0; b < s.boxes.length; b++) {
    if (vhid === 1 && b === ucarpBox) {
      if (holds(s, b, baseVip(1)) === true) return b;
    } else if (vhidStatus(s, b, vhid)?.state === "MASTER") return b;
  }
  return null;
}
