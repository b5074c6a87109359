/**
 * A Debian box booted under its own systemd (systemd-nspawn -b), for tests
 * that install carpd as an admin would and drive it with systemctl.
 *
 * The root file system is built once with debootstrap, from the mirror apt
 * uses here, and cached at {@linkcode ROOTFS}; each boot runs on a
 * throw-away overlay of it (`--volatile=overlay`), so tests never change the
 * cache. The box's network is a namespace of the test's own.
 */

import { sh, sleep } from "./lab.ts";

/**
 * Two network namespaces joined by a veth cable, both ends up (and lo): the
 * box's `boxDev` in `boxNs`, the other end `otherDev` in `otherNs`.
 * Namespaces of those names left by an earlier run are deleted first.
 */
export async function cabledNamespaces(
  boxNs: string,
  boxDev: string,
  otherNs: string,
  otherDev: string,
): Promise<void> {
  await deleteNamespaces(boxNs, otherNs);
  await sh(["ip", "netns", "add", boxNs]);
  await sh(["ip", "netns", "add", otherNs]);
  await sh([
    "ip",
    "link",
    "add",
    boxDev,
    "netns",
    boxNs,
    "type",
    "veth",
    "peer",
    "name",
    otherDev,
    "netns",
    otherNs,
  ]);
  for (const [ns, dev] of [[boxNs, boxDev], [otherNs, otherDev]]) {
    await sh(["ip", "-n", ns!, "link", "set", dev!, "up"]);
    await sh(["ip", "-n", ns!, "link", "set", "lo", "up"]);
  }
}

/** Deletes network namespaces, those missing included. */
export async function deleteNamespaces(...names: string[]): Promise<void> {
  for (const ns of names) {
    await sh(["ip", "netns", "del", ns]).catch(() => {});
  }
}

/** Where the cached root file system lives (override: CARPD_TEST_ROOTFS). */
export const ROOTFS: string = Deno.env.get("CARPD_TEST_ROOTFS") ??
  "/var/cache/carpd-test/rootfs-bookworm-v2";

/** What the box has besides a minimal Debian. */
const PACKAGES = [
  "systemd",
  "systemd-sysv",
  "dbus",
  "iproute2",
  "iputils-ping",
  "procps",
  "squid",
  "conntrackd",
];

/** Marks a finished build: written last, so a broken build is redone. */
const STAMP = ".carpd-test-rootfs";

const decoder = new TextDecoder();

/** The first Debian mirror apt is configured with, and the suite. */
async function aptMirror(): Promise<{ uri: string; suite: string }> {
  const release = await Deno.readTextFile("/etc/os-release");
  const suite = /^VERSION_CODENAME=(\S+)$/m.exec(release)?.[1] ?? "bookworm";
  const texts: string[] = [];
  for (const f of ["/etc/apt/sources.list"]) {
    texts.push(await Deno.readTextFile(f).catch(() => ""));
  }
  for await (const e of Deno.readDir("/etc/apt/sources.list.d")) {
    if (/\.(sources|list)$/.test(e.name)) {
      texts.push(
        await Deno.readTextFile(`/etc/apt/sources.list.d/${e.name}`),
      );
    }
  }
  for (const t of texts) {
    for (const m of t.matchAll(/^URIs:\s*(\S+)/gm)) {
      if (!/security/.test(m[1]!)) return { uri: m[1]!, suite };
    }
    for (const m of t.matchAll(/^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/gm)) {
      if (!/security/.test(m[1]!) && m[2] === suite) {
        return { uri: m[1]!, suite };
      }
    }
  }
  return { uri: "http://deb.debian.org/debian", suite };
}

/**
 * Builds the cached root file system unless it is there already.
 *
 * @param log Progress lines.
 * @returns The path.
 */
export async function ensureRootfs(log: (s: string) => void): Promise<string> {
  // Test files run two at a time and several boot containers: one builds,
  // the others wait for it.
  await Deno.mkdir(ROOTFS.slice(0, ROOTFS.lastIndexOf("/")), {
    recursive: true,
  });
  const lock = await Deno.open(`${ROOTFS}.lock`, { create: true, write: true });
  await lock.lock(true);
  try {
    return await buildRootfs(log);
  } finally {
    await lock.unlock();
    lock.close();
  }
}

async function buildRootfs(log: (s: string) => void): Promise<string> {
  try {
    await Deno.stat(`${ROOTFS}/${STAMP}`);
    return ROOTFS;
  } catch {
    // build it
  }
  const { uri, suite } = await aptMirror();
  const work = `${ROOTFS}.build`;
  await Deno.remove(work, { recursive: true }).catch(() => {});
  await Deno.mkdir(work, { recursive: true });
  log(`debootstrap ${suite} from ${uri} into ${work} (about a minute)`);
  await sh([
    "timeout",
    "900",
    "debootstrap",
    "--variant=minbase",
    `--include=${PACKAGES.join(",")}`,
    suite,
    work,
    uri,
  ]);
  // squid waits 30 s for clients on stop by default; the test has none.
  await Deno.writeTextFile(
    `${work}/etc/squid/conf.d/carpd-test.conf`,
    "shutdown_lifetime 1 seconds\n",
  );
  await Deno.writeTextFile(`${work}/etc/hostname`, "carpd-box\n");
  await Deno.writeTextFile(`${work}/${STAMP}`, `${suite} ${uri}\n`);
  await Deno.remove(ROOTFS, { recursive: true }).catch(() => {});
  await Deno.rename(work, ROOTFS);
  return ROOTFS;
}

/** What a command run inside the box printed. */
export interface Ran {
  code: number;
  out: string;
}

/** A root shell's environment: nothing inherited from the test runner. */
export const ROOT_SHELL: Record<string, string> = {
  HOME: "/root",
  PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
  LANG: "C.UTF-8",
  TERM: "dumb",
};

/** A booted box. */
export class Container {
  readonly #nspawn: Deno.ChildProcess;
  readonly #leader: number;
  readonly #output: Promise<void>;
  readonly lines: string[] = [];

  private constructor(
    nspawn: Deno.ChildProcess,
    leader: number,
    output: Promise<void>,
    lines: string[],
  ) {
    this.#nspawn = nspawn;
    this.#leader = leader;
    this.#output = output;
    this.lines = lines;
  }

  /**
   * Boots the box with its network in `netns` and the checkout at
   * `/opt/carpd-src` (read-only).
   *
   * @param o The root file system, network namespace, checkout and a name.
   * @returns The box, once systemd says it is running.
   */
  static async boot(o: {
    rootfs: string;
    netns: string;
    checkout: string;
    name: string;
  }): Promise<Container> {
    const child = new Deno.Command("systemd-nspawn", {
      args: [
        "-D",
        o.rootfs,
        "--volatile=overlay",
        "-b",
        "--register=no",
        "--keep-unit",
        `--network-namespace-path=/run/netns/${o.netns}`,
        // A box's root may configure its network; a namespace path alone
        // does not grant that inside the container.
        "--capability=CAP_NET_ADMIN",
        `--machine=${o.name}`,
        "--console=pipe",
        `--bind-ro=${o.checkout}:/opt/carpd-src`,
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const lines: string[] = [];
    const collect = async (s: ReadableStream<Uint8Array>): Promise<void> => {
      for await (const c of s) lines.push(...decoder.decode(c).split("\n"));
    };
    const output = Promise.all([
      collect(child.stdout),
      collect(child.stderr),
    ]).then(() => {});
    let leader = 0;
    for (let i = 0; i < 200 && leader === 0; i++) {
      await sleep(50);
      const kids = await Deno.readTextFile(
        `/proc/${child.pid}/task/${child.pid}/children`,
      ).catch(() => "");
      leader = Number(kids.trim().split(/\s+/)[0] ?? 0) || 0;
    }
    if (leader === 0) {
      child.kill("SIGKILL");
      await output;
      throw new Error(`systemd-nspawn did not start: ${lines.join("\n")}`);
    }
    const box = new Container(child, leader, output, lines);
    let state = "";
    for (let i = 0; i < 120; i++) {
      state = (await box.run(["systemctl", "is-system-running"])).out.trim();
      if (state === "running" || state === "degraded") return box;
      await sleep(500);
    }
    await box.poweroff();
    throw new Error(`the box did not finish booting: ${state}`);
  }

  /** The PID of the box's systemd, as the host sees it. */
  get leader(): number {
    return this.#leader;
  }

  /**
   * Runs a command inside the box, in a root shell's environment.
   *
   * @param argv The command.
   * @param env Extra environment.
   * @returns Exit code and output (stdout then stderr).
   */
  async run(argv: string[], env: Record<string, string> = {}): Promise<Ran> {
    const vars = Object.entries({ ...ROOT_SHELL, ...env }).map(([k, v]) =>
      `${k}=${v}`
    );
    const r = await new Deno.Command("nsenter", {
      args: ["-t", String(this.#leader), "-a", "env", "-i", ...vars, ...argv],
      stdout: "piped",
      stderr: "piped",
    }).output();
    return {
      code: r.code,
      out: decoder.decode(r.stdout) + decoder.decode(r.stderr),
    };
  }

  /** Like {@linkcode run}, but throws unless the command succeeds. */
  async must(
    argv: string[],
    env: Record<string, string> = {},
  ): Promise<string> {
    const r = await this.run(argv, env);
    if (r.code !== 0) {
      throw new Error(`${argv.join(" ")} exited ${r.code}: ${r.out}`);
    }
    return r.out;
  }

  /** Writes a file inside the box. */
  async write(path: string, text: string, mode = 0o600): Promise<void> {
    const dir = path.slice(0, path.lastIndexOf("/"));
    await this.must(["mkdir", "-p", dir]);
    const host = `/proc/${this.#leader}/root${path}`;
    await Deno.writeTextFile(host, text, { mode });
    await Deno.chmod(host, mode);
  }

  /** A unit property (`systemctl show -p NAME --value UNIT`). */
  async property(unit: string, name: string): Promise<string> {
    return (await this.must(["systemctl", "show", "-p", name, "--value", unit]))
      .trim();
  }

  /** Halts the box (at once if it lingers) and waits for nspawn to exit. */
  async poweroff(): Promise<void> {
    await this.run(["systemctl", "poweroff", "--no-block"]).catch(() => {});
    const done = this.#nspawn.status;
    const late = (ms: number): Promise<"late"> =>
      new Promise((r) => setTimeout(() => r("late"), ms));
    if (
      await Promise.race([done.then(() => "done"), late(15_000)]) === "late"
    ) {
      // SIGTERM twice: nspawn's "immediate termination".
      this.#nspawn.kill("SIGTERM");
      await sleep(200);
      this.#nspawn.kill("SIGTERM");
      if (
        await Promise.race([done.then(() => "done"), late(10_000)]) === "late"
      ) {
        this.#nspawn.kill("SIGKILL");
      }
    }
    await done;
    await this.#output;
  }
}

/** Whether this machine can boot a box (root, nspawn and debootstrap). */
export async function canBootContainer(): Promise<boolean> {
  try {
    await sh(["which", "systemd-nspawn", "debootstrap", "nsenter"]);
    return Deno.uid() === 0;
  } catch {
    return false;
  }
}
