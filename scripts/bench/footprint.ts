/**
 * Footprint of an idle MASTER, read from /proc: resident memory and CPU of
 * each implementation's whole process tree, and of a bare Deno process for
 * comparison.
 * @module
 */

import { eventually, sh, sleep } from "../../test/integration/lab.ts";
import { type Impl, type Options, start, vipOf } from "./daemons.ts";
import { withLab } from "./lab.ts";

/** One group measured, and how the report and the JSON name it. */
export interface FootprintCase {
  /** Its key in the JSON results. */
  key: string;
  /** Its label in the report. */
  label: string;
  /** What the group is made of. */
  o: Options;
}

/**
 * The groups measured.
 *
 * @param quick Whether to leave out the long one (255 vhids).
 * @returns One case per group, in the order of the report.
 */
export function footprintCases(quick: boolean): FootprintCase[] {
  return [
    { key: "footprint_1", label: "1 vhid", o: { vhids: 1 } },
    {
      key: "footprint_bfd",
      label:
        "1 vhid, BFD-class profile (carpd advbase 0 advskew 1, keepalived 0.01 s)",
      o: { vhids: 1, bfd: true },
    },
    ...(quick
      ? []
      : [{ key: "footprint_255", label: "255 vhids", o: { vhids: 255 } }]),
  ];
}

/** Processes of a tree rooted at `pid`. */
function tree(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${e.name}/stat`);
      parent.set(
        Number(e.name),
        Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]),
      );
    } catch {
      // gone
    }
  }
  const out = [pid];
  for (let k = 0; k < out.length; k++) {
    for (const [c, p] of parent) if (p === out[k]) out.push(c);
  }
  return out;
}

/** Resident memory (kB) and CPU time (clock ticks) of `pids`, summed. */
function sample(pids: number[]): { rssKb: number; ticks: number } {
  let rssKb = 0;
  let ticks = 0;
  for (const p of pids) {
    try {
      const status = Deno.readTextFileSync(`/proc/${p}/status`);
      rssKb += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      const stat = Deno.readTextFileSync(`/proc/${p}/stat`);
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(f[11]) + Number(f[12]);
    } catch {
      // gone
    }
  }
  return { rssKb, ticks };
}

/** Footprint of an implementation. */
export interface Footprint {
  /** Resident memory, MB. */
  rssMb: number;
  /** CPU, % of one core. */
  cpu: number;
}

/**
 * Idle MASTER footprint, on a lab of its own.
 *
 * @param impl Which implementation.
 * @param o What the group is made of.
 * @param seconds How long the CPU is measured over.
 * @returns Resident memory (MB) and CPU (% of one core).
 * @throws When the daemon never becomes master.
 */
export function footprint(
  impl: Impl,
  o: Options,
  seconds: number,
): Promise<Footprint> {
  return withLab(1, async (lab) => {
    const p = await start(impl, lab, 1, 0, o);
    const probe = vipOf(o, o.vhids ?? 1);
    if (!(await eventually(() => lab.has(1, probe), 20_000, 100))) {
      throw new Error(`${impl} never became master`);
    }
    await sleep(2000);
    const roots = impl === "ucarp"
      ? (await sh(["pgrep", "-f", `ucarp -i eth0 -s ${lab.address(1)} `]))
        .trim().split("\n").map(Number)
      : [p.pid];
    const pids = (): number[] => roots.flatMap(tree);
    const a = sample(pids());
    const t0 = performance.now();
    await sleep(seconds * 1000);
    const b = sample(pids());
    const elapsed = (performance.now() - t0) / 1000;
    return {
      rssMb: Math.round(b.rssKb / 102.4) / 10,
      cpu: Math.round(((b.ticks - a.ticks) / 100 / elapsed) * 1000) / 10,
    };
  });
}

/**
 * The floor of carpd's memory: a Deno process with carpd's flags that loads
 * nothing.
 *
 * @returns Its resident memory after 5 s, in MB.
 */
export async function bareDenoRssMb(): Promise<number> {
  const dir = await Deno.makeTempDir();
  try {
    const script = `${dir}/bare.ts`;
    await Deno.writeTextFile(script, "setInterval(() => {}, 1000);\n");
    const flags = (await Deno.readTextFile(
      new URL("../lib/permissions", import.meta.url),
    )).split("\n").filter((l) => l !== "");
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", ...flags, "--no-config", script],
      stdout: "null",
      stderr: "null",
    }).spawn();
    await sleep(5000);
    const { rssKb } = sample([child.pid]);
    child.kill("SIGKILL");
    await child.status;
    return Math.round(rssKb / 102.4) / 10;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
