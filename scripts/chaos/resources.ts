/**
 * Leaks, judged loosely (these machines are noisy):
 * - descriptors: a carpd's open descriptors (`/proc/PID/fd`), counted when
 *   its box has every link and no stall, are flat over its life: the least
 *   of its last samples exceeds the least of its first by at most
 *   {@linkcode FD_SLACK} (a check or a hook holds pipes for a moment;
 *   the least of a few samples leaves them out);
 * - memory: its resident memory after {@linkcode WARMUP_MS} (V8 and the
 *   runtime growing to their working size) rises by less than
 *   {@linkcode RSS_SLOPE_MB_PER_MIN} MB a minute (a line fitted through
 *   the samples, judged over lives of 3 minutes or more), and never
 *   exceeds {@linkcode RSS_LIMIT_MB};
 * - processes: no child of carpd (checks, hooks) lives past
 *   {@linkcode CHILD_MAX_MS} (their timeouts are 1 s), no zombie stays;
 *   after every daemon stopped, no process is left in any namespace;
 * - addresses: after every daemon stopped, no box holds any address but
 *   its own.
 * @module
 */

import { isOwn, type Reporter } from "./observe.ts";
import type { Group } from "./group.ts";
import type { WorldView } from "./world.ts";

/** How often descriptors, memory and children are read, ms. */
export const RESOURCE_MS = 5000;
/** How much a daemon's descriptors may grow over its life. */
export const FD_SLACK = 3;
/** Samples at each end of a life whose least is compared. */
const FD_WINDOW = 4;
/** Memory samples before this age are V8 warming up. */
export const WARMUP_MS = 120_000;
/** The memory trend allowed after warm-up, MB per minute. */
export const RSS_SLOPE_MB_PER_MIN = 2;
/** Judged only over this much life after warm-up. */
const RSS_JUDGED_MS = 180_000;
/** Resident memory no daemon reaches. */
export const RSS_LIMIT_MB = 256;
/** A child of carpd older than this is leaked (checks and hooks time out in 1 s). */
export const CHILD_MAX_MS = 8000;

/** One reading of a daemon. */
interface Reading {
  /** Campaign ms. */
  t: number;
  fds: number;
  rssMb: number;
  /** Its box had every link, no stall: descriptors comparable. */
  nominal: boolean;
}

/** One daemon's life. */
interface Life {
  box: number;
  pid: number;
  started: number;
  readings: Reading[];
  /** Children by pid: first seen, reported. */
  children: Map<number, { since: number; reported: boolean }>;
}

/** The leak checks. */
export class Resources {
  readonly #r: Reporter;
  readonly #lives = new Map<number, Life>();
  readonly #judged: string[] = [];

  constructor(r: Reporter) {
    this.#r = r;
  }

  /** Reads box `b`'s carpd (process `pid`) now. */
  async read(b: number, pid: number, w: WorldView): Promise<void> {
    let life = this.#lives.get(pid);
    if (life === undefined) {
      life = { box: b, pid, started: w.t, readings: [], children: new Map() };
      this.#lives.set(pid, life);
    }
    try {
      const fds = [...Deno.readDirSync(`/proc/${pid}/fd`)].length;
      const status = await Deno.readTextFile(`/proc/${pid}/status`);
      const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
      const c = w.boxes[b]!;
      life.readings.push({
        t: w.t,
        fds,
        rssMb: rssKb / 1024,
        nominal: c.carpd === "running" && !c.stopped && c.eth0 === "up" &&
          c.mv0 === "up",
      });
      if (rssKb / 1024 > RSS_LIMIT_MB) {
        this.#r.report(
          `rss:${pid}`,
          w.t,
          `box ${b}'s carpd (pid ${pid}) holds ${
            Math.round(rssKb / 1024)
          } MB resident (limit ${RSS_LIMIT_MB} MB)`,
        );
      }
      await this.#children(life, w.t);
    } catch {
      // It exited meanwhile: its life is judged at its exit.
    }
  }

  async #children(life: Life, t: number): Promise<void> {
    const now = new Set<number>();
    for (const task of Deno.readDirSync(`/proc/${life.pid}/task`)) {
      const text = await Deno.readTextFile(
        `/proc/${life.pid}/task/${task.name}/children`,
      ).catch(() => "");
      for (const p of text.trim().split(/\s+/).filter((x) => x !== "")) {
        now.add(Number(p));
      }
    }
    for (const pid of life.children.keys()) {
      if (!now.has(pid)) life.children.delete(pid);
    }
    for (const pid of now) {
      const c = life.children.get(pid) ?? { since: t, reported: false };
      life.children.set(pid, c);
      if (!c.reported && t - c.since > CHILD_MAX_MS) {
        c.reported = true;
        const what = await Deno.readTextFile(`/proc/${pid}/cmdline`)
          .then((s) => s.replaceAll("\0", " ").trim()).catch(() => "?");
        const state = await Deno.readTextFile(`/proc/${pid}/stat`)
          .then((s) => s.slice(s.lastIndexOf(")") + 2).split(" ")[0])
          .catch(() => "?");
        this.#r.add(
          t,
          `box ${life.box}'s carpd (pid ${life.pid}) has had a child for ${
            Math.round((t - c.since) / 1000)
          } s: pid ${pid} (${state === "Z" ? "a zombie" : what})`,
        );
      }
    }
  }

  /** Judges the life of daemon `pid` (at its exit, or the campaign's end). */
  judge(pid: number, t: number): void {
    const life = this.#lives.get(pid);
    if (life === undefined) return;
    this.#lives.delete(pid);
    if (life.readings.length > 0) this.#judged.push(describe(life));
    const where = `box ${life.box}'s carpd (pid ${pid})`;
    const fds = life.readings.filter((r) =>
      r.nominal && r.t - life.started >= 20_000
    );
    if (fds.length >= 2 * FD_WINDOW) {
      const first = Math.min(...fds.slice(0, FD_WINDOW).map((r) => r.fds));
      const last = Math.min(...fds.slice(-FD_WINDOW).map((r) => r.fds));
      if (last - first > FD_SLACK) {
        this.#r.add(
          t,
          `${where}: open descriptors grew from ${first} to ${last} over ${
            ((fds[fds.length - 1]!.t - fds[0]!.t) / 60_000).toFixed(1)
          } min`,
        );
      }
    }
    const warm = life.readings.filter((r) => r.t - life.started >= WARMUP_MS);
    if (
      warm.length >= 2 && warm[warm.length - 1]!.t - warm[0]!.t >= RSS_JUDGED_MS
    ) {
      const slope = trendPerMinute(warm.map((r) => [r.t, r.rssMb]));
      if (slope > RSS_SLOPE_MB_PER_MIN) {
        this.#r.add(
          t,
          `${where}: resident memory rises ${
            slope.toFixed(2)
          } MB/min after warm-up (${
            warm.map((r) => r.rssMb.toFixed(0)).join(" ")
          } MB)`,
        );
      }
    }
  }

  /** Judges every life still open. */
  judgeAll(t: number): void {
    for (const pid of [...this.#lives.keys()]) this.judge(pid, t);
  }

  /** Figures for the report: each judged life's descriptors and memory. */
  summary(): string[] {
    return [...this.#judged];
  }
}

/** A life's figures: readings, descriptor range, memory range. */
function describe(l: Life): string {
  const fds = l.readings.map((r) => r.fds);
  const rss = l.readings.map((r) => r.rssMb);
  return `box ${l.box} carpd pid ${l.pid}: ${
    Math.round((l.readings[l.readings.length - 1]!.t - l.started) / 1000)
  } s, fds ${Math.min(...fds)}..${Math.max(...fds)}, rss ${
    Math.min(...rss).toFixed(0)
  }..${Math.max(...rss).toFixed(0)} MB`;
}

/**
 * After every daemon stopped: no process left in the lab's namespaces, and
 * no box holding an address but its own.
 */
export async function leftovers(
  group: Group,
  r: Reporter,
  t: number,
): Promise<void> {
  for (let b = 0; b < group.boxes; b++) {
    const ns = group.ns(b);
    const out = await new Deno.Command("ip", {
      args: ["netns", "pids", ns],
      stdout: "piped",
      stderr: "null",
    }).output();
    for (const pid of new TextDecoder().decode(out.stdout).split(/\s+/)) {
      if (pid === "") continue;
      const what = await Deno.readTextFile(`/proc/${pid}/cmdline`)
        .then((s) => s.replaceAll("\0", " ").trim()).catch(() => "?");
      r.add(
        t,
        `box ${b}: process ${pid} (${what}) left after every daemon stopped`,
      );
    }
    const addrs = await group.addresses(b);
    for (const [link, list] of addrs ?? []) {
      for (const a of list) {
        if (!isOwn(b, a)) {
          r.add(
            t,
            `box ${b} still holds ${a} on ${link} after every daemon stopped`,
          );
        }
      }
    }
  }
}

/** The slope of the least-squares line through (ms, MB) points, MB per minute. */
export function trendPerMinute(points: [number, number][]): number {
  const n = points.length;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? 0 : (num / den) * 60_000;
}
