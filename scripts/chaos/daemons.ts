/**
 * The daemons of the campaign's group: carpd on every box (`scripts/carpd
 * run`, from this checkout), and with `--ucarp` Debian's ucarp on vhid 1 of
 * one box, each in its box's namespace and owned by the campaign (no
 * daemonizing). Starts them from each box's config as it stands, signals
 * them, asks carpd's control socket, collects what they log, and reports
 * every exit with whether the campaign asked for it.
 * @module
 */

import { Proc } from "../../test/integration/lab.ts";
import { request, type Status } from "../../src/control/mod.ts";
import {
  type BoxPaths,
  type BoxSpec,
  carpdConfig,
  initialSpec,
  ucarpArgv,
} from "./configs.ts";
import type { Group } from "./group.ts";
import type { World } from "./world.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const CARPD = `${ROOT}scripts/carpd`;

/** How long a watched process may live: longer than any campaign. */
const FOREVER_MS = 48 * 3_600_000;

/** Which daemon. */
export type DaemonName = "carpd" | "ucarp";

/** A daemon's exit. */
export interface ExitRecord {
  box: number;
  name: DaemonName;
  pid: number;
  status: Deno.CommandStatus;
  /**
   * What the campaign did to it (`interface`: ucarp's interface deleted),
   * or `null` when it exited by itself.
   */
  expected: Expected | null;
}

/** Why the campaign expects a daemon to exit. */
export type Expected = "term" | "kill" | "interface";

/** Lines one daemon logged. */
export interface LogLines {
  box: number;
  name: DaemonName;
  lines: string[];
}

const NOTIFY = `#!/bin/sh
# carpd's notify hook in the chaos campaign: records each run, begin and
# end, with its own pid and carpd's (its parent). It takes 100 ms, so that
# two runs that overlap show as overlapping.
log=$1
shift
echo "B $$ $PPID $*" >>"$log"
sleep 0.1
echo "E $$ $PPID $*" >>"$log"
`;

/** The daemons. */
export class Daemons {
  /** Each box's config as it stands. */
  readonly specs: BoxSpec[];
  /** Stopping for good: `start` does nothing. */
  #closed = false;
  readonly #group: Group;
  readonly #dir: string;
  readonly #world: World;
  readonly #ucarpBox: number | null;
  readonly #carpd: (Proc | null)[];
  readonly #ucarp: (Proc | null)[];
  readonly #expect = new Map<Proc, Expected>();
  readonly #all: { box: number; name: DaemonName; proc: Proc }[] = [];
  readonly #onExit: (e: ExitRecord) => void;

  constructor(o: {
    group: Group;
    dir: string;
    world: World;
    ucarpBox: number | null;
    /** Each vhid's `rollout_window`, s (`null`: the default). */
    rolloutWindow: number | null;
    onExit: (e: ExitRecord) => void;
  }) {
    this.#group = o.group;
    this.#dir = o.dir;
    this.#world = o.world;
    this.#ucarpBox = o.ucarpBox;
    this.#onExit = o.onExit;
    this.specs = Array.from(
      { length: o.group.boxes },
      () => initialSpec(o.rolloutWindow),
    );
    this.#carpd = this.specs.map(() => null);
    this.#ucarp = this.specs.map(() => null);
  }

  /** Writes the hooks, the service files and every box's config. */
  async prepare(): Promise<void> {
    await this.#write("notify.sh", NOTIFY, 0o755);
    await this.#write(
      "vip-up",
      '#!/bin/sh\nexec ip addr add "$2"/24 dev "$1"\n',
      0o755,
    );
    await this.#write(
      "vip-down",
      '#!/bin/sh\nexec ip addr del "$2"/24 dev "$1"\n',
      0o755,
    );
    for (let b = 0; b < this.specs.length; b++) {
      await this.#write(`svc-h${b + 1}`, "", 0o644);
      await this.writeConfig(b);
    }
  }

  /** Box `b`'s files. */
  paths(b: number): BoxPaths {
    const d = this.#dir;
    return {
      config: `${d}/h${b + 1}.toml`,
      socket: `${d}/h${b + 1}.sock`,
      service: `${d}/svc-h${b + 1}`,
      notifyLog: `${d}/notify-h${b + 1}.log`,
      notify: `${d}/notify.sh`,
    };
  }

  /** Whether box `b` runs ucarp on vhid 1. */
  isUcarp(b: number): boolean {
    return b === this.#ucarpBox;
  }

  /** Writes box `b`'s config file from its spec (read at the next start or reload). */
  async writeConfig(b: number): Promise<void> {
    const p = this.paths(b);
    await this.#write(
      `h${b + 1}.toml`,
      carpdConfig(b, this.specs[b]!, p, this.isUcarp(b)),
      0o600,
    );
  }

  /** Starts box `b`'s daemons that are not running. */
  start(b: number): void {
    if (this.#closed) return; // a heal after the end: nothing new starts
    const ns = this.#group.ns(b);
    if (this.isUcarp(b) && this.#ucarp[b] === null) {
      const argv = ucarpArgv(
        b,
        this.specs[b]!,
        `${this.#dir}/vip-up`,
        `${this.#dir}/vip-down`,
      );
      const p = new Proc(`ucarp h${b + 1}`, [
        "ip",
        "netns",
        "exec",
        ns,
        ...argv,
      ]);
      this.#ucarp[b] = p;
      // ucarp has no status: it serves once it runs.
      this.#world.set(b, { ucarp: "running" });
      this.#watch(b, "ucarp", p);
    }
    if (this.#carpd[b] === null) {
      const p = new Proc(`carpd h${b + 1}`, [
        "ip",
        "netns",
        "exec",
        ns,
        CARPD,
        "run",
        "-c",
        this.paths(b).config,
      ]);
      this.#carpd[b] = p;
      this.#world.set(b, { carpd: "starting" });
      this.#watch(b, "carpd", p);
    }
  }

  /** Box `b`'s carpd answered its control socket: it runs. */
  answered(b: number, pid: number): void {
    const p = this.#carpd[b];
    if (p === null || p === undefined || p.pid !== pid) return;
    if (this.#world.box(b).carpd === "starting") {
      this.#world.set(b, { carpd: "running" });
    }
  }

  /** Whether box `b` has a daemon process (running, starting or stopping). */
  alive(b: number): boolean {
    return this.#carpd[b] !== null || this.#ucarp[b] !== null;
  }

  /** carpd's process id on box `b`, or `null`. */
  pid(b: number): number | null {
    return this.#carpd[b]?.pid ?? null;
  }

  /** kill -9 of box `b`'s daemons (carpd only, with `carpdOnly`). */
  kill(b: number, carpdOnly = false): void {
    for (const p of this.#procs(b, carpdOnly)) {
      this.#expect.set(p, "kill");
      p.signal("SIGKILL");
    }
    this.#carpd[b] = null;
    if (!carpdOnly) this.#ucarp[b] = null;
    this.#world.set(b, {
      carpd: "dead",
      ...(this.isUcarp(b) && !carpdOnly ? { ucarp: "dead" as const } : {}),
    });
  }

  /**
   * SIGTERM to box `b`'s daemons; resolves once they exited (killed after
   * `timeoutMs`).
   */
  async term(b: number, timeoutMs = 10_000): Promise<void> {
    const procs = this.#procs(b, false);
    this.#world.terminating(b, true);
    this.#world.set(b, {
      carpd: this.#carpd[b] === null ? "dead" : "stopping",
      ...(this.isUcarp(b) ? { ucarp: "dead" as const } : {}),
    });
    for (const p of procs) {
      this.#expect.set(p, "term");
      p.signal("SIGTERM");
    }
    await Promise.all(procs.map((p) => p.exit(timeoutMs)));
    if (this.#carpd[b] !== null && procs.includes(this.#carpd[b]!)) {
      this.#carpd[b] = null;
    }
    if (this.#ucarp[b] !== null && procs.includes(this.#ucarp[b]!)) {
      this.#ucarp[b] = null;
    }
    this.#world.terminating(b, false);
  }

  /** Box `b`'s eth0 is about to go: its ucarp will exit. */
  ucarpLosesInterface(b: number): void {
    const p = this.#ucarp[b];
    if (p === null || p === undefined) return;
    this.#expect.set(p, "interface");
    this.#ucarp[b] = null;
    this.#world.set(b, { ucarp: "dead" });
  }

  /** SIGSTOP (`true`) or SIGCONT to box `b`'s daemons. */
  pause(b: number, stop: boolean): void {
    for (const p of this.#procs(b, false)) {
      p.signal(stop ? "SIGSTOP" : "SIGCONT");
    }
  }

  /** SIGHUP to box `b`'s carpd (ucarp would stop on it). */
  hup(b: number): void {
    this.#carpd[b]?.signal("SIGHUP");
  }

  /**
   * Restarts ucarp on box `b` (its "reload": ucarp reads no config), so it
   * takes its spec's password and VIP.
   */
  async restartUcarp(b: number): Promise<void> {
    const p = this.#ucarp[b];
    if (p === null || p === undefined) return;
    this.#world.set(b, { ucarp: "dead" });
    this.#expect.set(p, "term");
    p.signal("SIGTERM");
    await p.exit(5000);
    if (this.#ucarp[b] === p) this.#ucarp[b] = null;
    this.start(b);
  }

  /** `carpd status --json` of box `b` through its socket, or `null`. */
  async status(b: number, timeoutMs: number): Promise<Status | null> {
    try {
      const r = await request(
        this.paths(b).socket,
        { command: "status" },
        timeoutMs,
      );
      return r.ok ? r.result as Status : null;
    } catch {
      return null;
    }
  }

  /** `carpd standby` or `resume` on box `b`; the reply's error, or `null`. */
  async control(
    b: number,
    command: "standby" | "resume",
  ): Promise<string | null> {
    try {
      const r = await request(this.paths(b).socket, { command }, 3000);
      return r.ok ? null : r.error;
    } catch (e) {
      return e instanceof Error ? e.message : String(e);
    }
  }

  /**
   * What each daemon logged since the last call (dropped from the
   * process's record once read: ucarp logs every bad packet of a flood).
   */
  drainLogs(): LogLines[] {
    const out: LogLines[] = [];
    for (const { box, name, proc } of this.#all) {
      const lines = proc.lines.splice(0, proc.lines.length);
      if (lines.length > 0) out.push({ box, name, lines });
    }
    // Done processes have nothing more to say.
    for (let i = this.#all.length - 1; i >= 0; i--) {
      const { box, name, proc } = this.#all[i]!;
      const current = name === "carpd" ? this.#carpd[box] : this.#ucarp[box];
      if (current !== proc && this.#expect.get(proc) === undefined) {
        this.#all.splice(i, 1);
      }
    }
    return out;
  }

  /** Stops every daemon gracefully (SIGCONT first, in case). */
  async stopAll(timeoutMs = 10_000): Promise<void> {
    this.#closed = true;
    await Promise.all(this.specs.map((_, b) => {
      this.pause(b, false);
      return this.term(b, timeoutMs);
    }));
  }

  /** Kills every daemon at once (cleaning up after a failure). */
  async killAll(): Promise<void> {
    this.#closed = true;
    const procs = this.#all.map((a) => a.proc);
    for (const p of procs) {
      if (!this.#expect.has(p)) this.#expect.set(p, "kill");
      p.signal("SIGKILL");
    }
    await Promise.all(procs.map((p) => p.exit(2000)));
  }

  #procs(b: number, carpdOnly: boolean): Proc[] {
    const out: Proc[] = [];
    const c = this.#carpd[b];
    if (c !== null && c !== undefined) out.push(c);
    const u = this.#ucarp[b];
    if (!carpdOnly && u !== null && u !== undefined) out.push(u);
    return out;
  }

  #watch(box: number, name: DaemonName, proc: Proc): void {
    this.#all.push({ box, name, proc });
    void proc.exit(FOREVER_MS).then((status) => {
      const list = name === "carpd" ? this.#carpd : this.#ucarp;
      if (list[box] === proc) {
        list[box] = null;
        if (name === "carpd") this.#world.set(box, { carpd: "dead" });
        else this.#world.set(box, { ucarp: "dead" });
      }
      const expected = this.#expect.get(proc) ?? null;
      this.#expect.delete(proc);
      this.#onExit({ box, name, pid: proc.pid, status, expected });
    });
  }

  async #write(name: string, text: string, mode: number): Promise<void> {
    const path = `${this.#dir}/${name}`;
    await Deno.writeTextFile(path, text, { mode });
    await Deno.chmod(path, mode);
  }
}
