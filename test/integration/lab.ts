/**
 * Test helpers for the network-namespace lab built by `scripts/lab.sh`:
 * hosts on a bridge, a client, daemons started inside the hosts, and
 * bounded waits for what they log or configure.
 */

import assert from "node:assert/strict";
import type { Status } from "../../src/control/status.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const LAB_SH = `${ROOT}scripts/lab.sh`;
const CARPD = `${ROOT}scripts/carpd`;
const decoder = new TextDecoder();

/** Whether this process may build namespaces (root with iproute2). */
export const canBuildLab: boolean = (() => {
  try {
    return Deno.uid() === 0 &&
      new Deno.Command("ip", { args: ["-V"], stdout: "null", stderr: "null" })
        .outputSync().success;
  } catch {
    return false;
  }
})();

/** Runs a command and returns its stdout; throws with stderr on failure. */
export async function sh(
  argv: string[],
  env: Record<string, string> = {},
): Promise<string> {
  const r = await new Deno.Command(argv[0]!, {
    args: argv.slice(1),
    env,
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  if (!r.success) {
    throw new Error(
      `${argv.join(" ")} failed (${r.code}): ${
        decoder.decode(r.stderr).trim()
      }`,
    );
  }
  return decoder.decode(r.stdout);
}

/** Sleeps. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Polls `probe` every `everyMs` until it returns true or `timeoutMs` passes.
 *
 * @returns Whether it became true.
 */
export async function eventually(
  probe: () => boolean | Promise<boolean>,
  timeoutMs: number,
  everyMs = 20,
): Promise<boolean> {
  const end = performance.now() + timeoutMs;
  for (let i = 0; i < 100_000 && performance.now() < end; i++) {
    if (await probe()) return true;
    await sleep(everyMs);
  }
  return await probe();
}

/** A daemon running in a host namespace, with its output collected. */
export class Proc {
  readonly lines: string[] = [];
  readonly #child: Deno.ChildProcess;
  readonly #done: Promise<Deno.CommandStatus>;
  readonly #reading: Promise<void>[];
  readonly label: string;

  constructor(label: string, argv: string[], env: Record<string, string> = {}) {
    this.label = label;
    this.#child = new Deno.Command(argv[0]!, {
      args: argv.slice(1),
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1", ...env },
    }).spawn();
    this.#reading = [
      this.#collect(this.#child.stdout),
      this.#collect(this.#child.stderr),
    ];
    this.#done = this.#child.status;
  }

  async #collect(stream: ReadableStream<Uint8Array>): Promise<void> {
    let rest = "";
    for await (const chunk of stream) {
      const parts = (rest + decoder.decode(chunk, { stream: true })).split(
        "\n",
      );
      rest = parts.pop()!;
      this.lines.push(...parts);
    }
    if (rest !== "") this.lines.push(rest);
  }

  /** The process id (of the wrapper: `ip netns exec` execs, so it is the daemon's). */
  get pid(): number {
    return this.#child.pid;
  }

  /** All output so far. */
  get output(): string {
    return this.lines.join("\n");
  }

  /**
   * Waits until a line matches; returns it, or `null` on timeout.
   *
   * @param from Look only at lines after this many (see {@linkcode mark}).
   */
  async waitFor(
    pattern: RegExp,
    timeoutMs: number,
    from = 0,
  ): Promise<string | null> {
    let found: string | null = null;
    await eventually(() => {
      found = this.lines.slice(from).find((l) => pattern.test(l)) ?? null;
      return found !== null;
    }, timeoutMs);
    return found;
  }

  /** How many lines so far: pass to {@linkcode waitFor} to see only new ones. */
  mark(): number {
    return this.lines.length;
  }

  /** Sends a signal. */
  signal(sig: Deno.Signal): void {
    try {
      this.#child.kill(sig);
    } catch {
      // already exited
    }
  }

  /** Waits for exit (killing it after `timeoutMs`); returns the status. */
  async exit(timeoutMs = 5000): Promise<Deno.CommandStatus> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const killed = new Promise<void>((r) => {
      timer = setTimeout(() => {
        this.signal("SIGKILL");
        r();
      }, timeoutMs);
    });
    const status = await Promise.race([
      this.#done,
      killed.then(() => this.#done),
    ]);
    clearTimeout(timer);
    await Promise.all(this.#reading);
    return status;
  }
}

/**
 * A ping stream from the lab's client, every 10 ms unless told; its longest
 * gap is an outage (to within one interval).
 */
export class PingStream {
  readonly #proc: Proc;

  constructor(lab: Lab, address: string, intervalS = 0.01) {
    this.#proc = lab.spawn("ping", [
      ...[
        "ip",
        "netns",
        "exec",
        lab.client,
        "ping",
        "-n",
        "-D",
        "-i",
        String(intervalS),
        "-W",
        "0.2",
        address,
      ],
    ]);
  }

  /** When each reply arrived, in epoch milliseconds. */
  replies(): number[] {
    return this.#proc.lines.flatMap((l) => {
      const m = /^\[(\d+\.\d+)\] \d+ bytes from/.exec(l);
      return m ? [Number(m[1]) * 1000] : [];
    });
  }

  /** Whether replies are coming in now. */
  flowing(): boolean {
    const r = this.replies();
    return r.length > 5 && Date.now() - r[r.length - 1]! < 100;
  }

  /** The longest gap between replies since `from` (epoch ms). */
  gapSince(from: number): number {
    const r = this.replies();
    let gap = 0;
    for (let k = 1; k < r.length; k++) {
      if (r[k]! >= from) gap = Math.max(gap, r[k]! - r[k - 1]!);
    }
    return Math.round(gap);
  }

  /** Stops pinging. */
  async stop(): Promise<void> {
    this.#proc.signal("SIGINT");
    await this.#proc.exit(2000);
  }
}

/** `t-carpd` for carpd_test.ts: a lab name of the running file's own. */
function defaultLabName(): string {
  const base = Deno.mainModule.split("/").pop() ?? "lab";
  return `t-${base.replace(/(_test)?\.ts$/, "").replaceAll("_", "")}`;
}

/** A lab of `hosts` hosts and a client, deleted by {@linkcode Lab.down}. */
export class Lab {
  readonly name: string;
  readonly net = "10.213.0";
  readonly dir: string;
  readonly #procs: Proc[] = [];

  private constructor(name: string, dir: string) {
    this.name = name;
    this.dir = dir;
  }

  /**
   * Builds the lab. Its namespaces are named after the test file by
   * default, so files can run in parallel.
   */
  static async up(hosts = 3, name = defaultLabName()): Promise<Lab> {
    await sh([LAB_SH, "up", String(hosts)], { LAB: name });
    return new Lab(name, await Deno.makeTempDir({ prefix: "carpd-test-" }));
  }

  /** Stops every daemon and deletes the namespaces and files. */
  async down(): Promise<void> {
    for (const p of this.#procs) p.signal("SIGKILL");
    await Promise.all(this.#procs.map((p) => p.exit(2000)));
    await sh([LAB_SH, "down"], { LAB: this.name });
    await Deno.remove(this.dir, { recursive: true }).catch(() => {});
  }

  /** Namespace of host `i` (1-based). */
  host(i: number): string {
    return `${this.name}-h${i}`;
  }

  /** Address of host `i`. */
  address(i: number): string {
    return `${this.net}.1${i}`;
  }

  /** IPv6 (ULA) address of host `i`. */
  address6(i: number): string {
    return `fd13:213::1${i}`;
  }

  /** The client's namespace. */
  get client(): string {
    return `${this.name}-cl`;
  }

  /** Runs a command in a namespace. */
  exec(ns: string, argv: string[]): Promise<string> {
    return sh(["ip", "netns", "exec", ns, ...argv]);
  }

  /** Unplugs host `i` at the switch. */
  cut(i: number): Promise<string> {
    return sh([LAB_SH, "cut", `h${i}`], { LAB: this.name });
  }

  /** Plugs host `i` back. */
  plug(i: number): Promise<string> {
    return sh([LAB_SH, "plug", `h${i}`], { LAB: this.name });
  }

  /** Deletes host `i`'s eth0 (and its switch port). */
  unlink(i: number): Promise<string> {
    return sh([LAB_SH, "unlink", `h${i}`], { LAB: this.name });
  }

  /** Creates host `i`'s eth0 again: same name and address, new index and MAC. */
  relink(i: number): Promise<string> {
    return sh([LAB_SH, "relink", `h${i}`], { LAB: this.name });
  }

  /** Partitions hosts from each other (each still reaches the client). */
  split(...hosts: number[]): Promise<string> {
    return sh([LAB_SH, "split", ...hosts.map((i) => `h${i}`)], {
      LAB: this.name,
    });
  }

  /** Ends every partition. */
  heal(): Promise<string> {
    return sh([LAB_SH, "heal"], { LAB: this.name });
  }

  /** Whether host `i` has `address` (IPv4 or IPv6) on eth0 (no eth0: no). */
  async has(i: number, address: string): Promise<boolean> {
    const out = await sh([
      "ip",
      "-n",
      this.host(i),
      address.includes(":") ? "-6" : "-4",
      "-o",
      "addr",
      "show",
      "dev",
      "eth0",
    ]).catch((e: Error) => {
      if (/does not exist/.test(e.message)) return "";
      throw e;
    });
    return out.includes(` ${address}/`);
  }

  /** Hosts among 1..n that have `address`. */
  async holders(address: string, n: number): Promise<number[]> {
    const out: number[] = [];
    for (let i = 1; i <= n; i++) if (await this.has(i, address)) out.push(i);
    return out;
  }

  /** One ping from the client; whether it was answered within `waitS`. */
  async ping(address: string, waitS = 1): Promise<boolean> {
    const r = await new Deno.Command("ip", {
      args: [
        "netns",
        "exec",
        this.client,
        "ping",
        "-n",
        "-q",
        "-c",
        "1",
        "-W",
        String(waitS),
        address,
      ],
      stdout: "null",
      stderr: "null",
    }).output();
    return r.success;
  }

  /** Writes a file into the lab's temp dir; returns its path. */
  async file(name: string, text: string, mode = 0o600): Promise<string> {
    const path = `${this.dir}/${name}`;
    await Deno.writeTextFile(path, text, { mode });
    await Deno.chmod(path, mode);
    return path;
  }

  /** The control socket of carpd on host `i`. */
  socket(i: number): string {
    return `${this.dir}/h${i}.sock`;
  }

  /**
   * Starts carpd on host `i` with a config text (its control socket goes to
   * {@linkcode socket}, since every namespace shares /run).
   */
  async carpd(
    i: number,
    config: string,
    env: Record<string, string> = {},
  ): Promise<Proc> {
    const withSocket = config.includes("control_socket")
      ? config
      : config.replace(
        "[daemon]\n",
        `[daemon]\ncontrol_socket = "${this.socket(i)}"\n`,
      );
    const path = await this.file(`h${i}.toml`, withSocket);
    return this.spawn(`carpd h${i}`, [
      "ip",
      "netns",
      "exec",
      this.host(i),
      CARPD,
      "run",
      "-c",
      path,
    ], env);
  }

  /** Runs `carpd <args>` (status, standby, resume) against host `i`. */
  async ctl(
    i: number,
    ...args: string[]
  ): Promise<{ code: number; out: string }> {
    const r = await new Deno.Command(CARPD, {
      args: [...args, "--socket", this.socket(i)],
      stdout: "piped",
      stderr: "piped",
    }).output();
    return {
      code: r.code,
      out: decoder.decode(r.stdout) + decoder.decode(r.stderr),
    };
  }

  /** `carpd status --json` of host `i`. */
  async status(i: number): Promise<Status> {
    const r = await this.ctl(i, "status", "--json");
    if (r.code !== 0) {
      throw new Error(`carpd status on h${i} failed (${r.code}): ${r.out}`);
    }
    return JSON.parse(r.out) as Status;
  }

  /**
   * Starts Debian's keepalived (VRRP only, in the foreground, logging to
   * its output) on host `i` with these `global_defs` lines and instances.
   */
  async keepalived(i: number, globals: string, body: string): Promise<Proc> {
    const conf = await this.file(
      `keepalived-h${i}.conf`,
      `global_defs {\n  router_id h${i}\n${globals}\n}\n${body}\n`,
    );
    return this.runKeepalived(i, conf);
  }

  /** Starts Debian's keepalived on host `i` with a whole config file. */
  runKeepalived(i: number, conf: string, label = `keepalived h${i}`): Proc {
    return this.spawn(label, [
      "ip",
      "netns",
      "exec",
      this.host(i),
      "keepalived",
      "-n",
      "-l",
      "-P",
      "-f",
      conf,
      "-p",
      `${this.dir}/ka-h${i}.pid`,
      "-r",
      `${this.dir}/ka-vrrp-h${i}.pid`,
    ]);
  }

  /** Starts any program in host `i`. */
  spawn(label: string, argv: string[], env: Record<string, string> = {}): Proc {
    const p = new Proc(label, argv, env);
    this.#procs.push(p);
    return p;
  }
}

/** Host `i`'s link-local address, once out of DAD. */
export async function linkLocal(lab: Lab, i: number): Promise<string> {
  let found = "";
  await eventually(
    async () => {
      const out = await lab.exec(lab.host(i), [
        "ip",
        "-6",
        "-o",
        "addr",
        "show",
        "dev",
        "eth0",
        "scope",
        "link",
      ]);
      const m = /inet6 (fe80::[0-9a-f:]+)\/64 scope link(?! tentative)/.exec(
        out,
      );
      found = m?.[1] ?? "";
      return found !== "";
    },
    5000,
    50,
  );
  return found;
}

/** Polls until exactly `host` among 1..n holds `address`; returns ms. */
export async function soleHolder(
  lab: Lab,
  address: string,
  host: number,
  n: number,
  withinMs: number,
): Promise<number> {
  const from = performance.now();
  const ok = await eventually(
    async () => (await lab.holders(address, n)).join() === String(host),
    withinMs,
    20,
  );
  assert.ok(
    ok,
    `h${host} alone holds ${address} within ${withinMs} ms: ${await lab
      .holders(address, n)}`,
  );
  return Math.round(performance.now() - from);
}

/** A one-vhid carpd config for host `i` of a lab. */
export function vhidConfig(o: {
  /** One IPv4 VIP, made a /24. */
  vip?: string;
  /** Or these VIPs as written. */
  vips?: string[];
  advskew: number;
  password?: string;
  advbase?: number;
  preempt?: boolean;
  id?: number;
  extra?: string;
}): string {
  return `[daemon]
log_level = "info"

[[vhid]]
id = ${o.id ?? 7}
interface = "eth0"
vips = ${JSON.stringify(o.vips ?? [`${o.vip}/24`])}
password = "${o.password ?? "s3cret"}"
advbase = ${o.advbase ?? 1}
advskew = ${o.advskew}
preempt = ${o.preempt ?? true}
${o.extra ?? ""}
`;
}
