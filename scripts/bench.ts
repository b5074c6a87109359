/**
 * carpd, Debian's ucarp and Debian's keepalived, side by side in the same
 * namespace lab, in one run: failover outages, planned handover,
 * health-driven failover, and footprint. Run through scripts/bench.sh.
 *
 *   scripts/bench.sh [--quick] [--json] [--scenario NAME]...
 */

import { parseArgs } from "node:util";
import {
  eventually,
  Lab,
  PingStream,
  type Proc,
  sh,
  sleep,
  vhidConfig,
} from "../test/integration/lab.ts";

const VIP = "10.213.0.50";
const INJECT = new URL("../test/integration/inject.ts", import.meta.url)
  .pathname;
const VIP6 = "fd13:213::50";
type Impl = "carpd" | "ucarp" | "keepalived";
const IMPLS: Impl[] = ["carpd", "ucarp", "keepalived"];

/** Timer profile: CARP's advbase/advskew, VRRP's advert interval. */
interface Profile {
  fast: boolean;
}

/** What a run is made of. */
interface Options {
  /** Fast timers (carpd advbase 0, keepalived 0.1 s). */
  fast?: boolean;
  /** A health check: this file exists while the service is up. */
  checkFile?: string;
  /** How many vhids (VIPs 10.214.0.N). */
  vhids?: number;
  /** One IPv6 VIP instead (ucarp cannot). */
  ipv6?: boolean;
  /** carpd speaks VRRPv3 too (priority 150/100), keepalived VRRPv3. */
  vrrp?: boolean;
  /**
   * The BFD-class profile: carpd advbase 0, advskew 1/2 (adverts every
   * 3.9 ms, master-down 23 ms); keepalived VRRPv3 at its minimum, 0.01 s.
   */
  bfd?: boolean;
}

/** How one implementation runs on host `i` as preferred (rank 0) or backup (1). */
async function start(
  impl: Impl,
  lab: Lab,
  i: number,
  rank: number,
  o: Options = {},
): Promise<Proc> {
  const vhids = o.vhids ?? 1;
  const vipOf = (v: number): string =>
    o.ipv6 ? VIP6 : vhids === 1 ? VIP : `10.214.0.${v}`;
  const prefix = o.ipv6 ? 64 : vhids === 1 ? 24 : 32;
  if (impl === "carpd") {
    const check = o.checkFile === undefined ? "" : `
[[check]]
name = "service"
command = ["test", "-e", "${o.checkFile}"]
interval = 1
timeout = 1
fall = 2
rise = 2
demote = ${o.vrrp ? 60 : 100}
`;
    if (o.vrrp) {
      // The same settings as the keepalived instances below.
      return await lab.carpd(
        i,
        `[daemon]
log_level = "info"

[[vhid]]
protocol = "vrrp"
id = 1
interface = "eth0"
vips = ["${vipOf(1)}/${prefix}"]
priority = ${rank === 0 ? 150 : 100}
advert_interval = ${o.fast ? 0.1 : 1}
${check}`,
      );
    }
    let config = "";
    for (let v = 1; v <= vhids; v++) {
      const skew = o.bfd
        ? rank + 1
        : o.fast
        ? (rank === 0 ? 20 : 26)
        : rank * 50;
      const one = vhidConfig({
        vips: [`${vipOf(v)}/${prefix}`],
        advskew: skew,
        advbase: o.fast || o.bfd ? 0 : 1,
        id: v,
      });
      config += v === 1 ? one : one.slice(one.indexOf("[[vhid]]"));
    }
    return await lab.carpd(i, config + check);
  }
  if (impl === "ucarp") {
    const up = await lab.file(
      "up",
      '#!/bin/sh\nexec ip addr add "$2"/24 dev "$1"\n',
      0o755,
    );
    const down = await lab.file(
      "down",
      '#!/bin/sh\nexec ip addr del "$2"/24 dev "$1"\n',
      0o755,
    );
    // ucarp is one process per vhid.
    const argv = (v: number): string[] => [
      "ucarp",
      "-i",
      "eth0",
      "-s",
      lab.address(i),
      "-v",
      String(v),
      "-p",
      "s3cret",
      "-a",
      vipOf(v),
      "-u",
      up,
      "-d",
      down,
      "-k",
      String(rank * 50),
      "-P",
      "-z",
      "-B",
    ];
    const script = Array.from(
      { length: vhids },
      (_, k) => argv(k + 1).join(" "),
    ).join("\n");
    await lab.file(`ucarp-h${i}.sh`, `#!/bin/sh\n${script}\n`, 0o755);
    return lab.spawn(`ucarp h${i}`, [
      "ip",
      "netns",
      "exec",
      lab.host(i),
      "sh",
      `${lab.dir}/ucarp-h${i}.sh`,
    ]);
  }
  const script = o.checkFile === undefined ? "" : `
vrrp_script service {
  script "/usr/bin/test -e ${o.checkFile}"
  interval 1
  timeout 1
  fall 2
  rise 2
  weight -60
}`;
  let instances = "";
  for (let v = 1; v <= vhids; v++) {
    instances += `
vrrp_instance VI_${v} {
  state BACKUP
  interface eth0
  virtual_router_id ${v}
  priority ${rank === 0 ? 150 : 100}
  advert_int ${o.bfd ? "0.01" : o.fast ? "0.1" : "1"}
  virtual_ipaddress {
    ${vipOf(v)}/${prefix}
  }
  ${o.checkFile === undefined ? "" : "track_script {\n    service\n  }"}
}`;
  }
  const conf = await lab.file(
    `keepalived-h${i}.conf`,
    `global_defs {
  router_id h${i}
  enable_script_security
  script_user root
  vrrp_garp_master_delay 1
  ${o.fast || o.ipv6 || o.vrrp || o.bfd ? "vrrp_version 3" : "vrrp_version 2"}
}
${script}
${instances}
`,
  );
  return lab.runKeepalived(i, conf);
}

/** Kills every ucarp of the lab (they daemonize with -B, outside any Proc). */
async function stopUcarps(): Promise<void> {
  await new Deno.Command("pkill", {
    args: ["-f", "ucarp -i eth0 -s 10.213.0."],
  }).output();
}

/**
 * Waits until the client sees the master's next advert, so every daemon's
 * cable is cut at the same phase of its advert cycle: right after an advert,
 * the worst case, a full master-down interval. (Cutting at a random phase
 * would add up to one advert interval of noise to every figure.)
 */
async function afterNextAdvert(lab: Lab, ipv6 = false): Promise<void> {
  const mac = (await lab.exec(lab.host(1), [
    "cat",
    "/sys/class/net/eth0/address",
  ])).trim();
  const dump = lab.spawn("tcpdump", [
    ...[
      "ip",
      "netns",
      "exec",
      lab.client,
      "tcpdump",
      "-l",
      "-n",
      "-c",
      "1",
      "-i",
      "eth0",
    ],
    `${ipv6 ? "ip6" : "ip"} proto 112 and ether src ${mac}`,
  ]);
  await dump.exit(5000);
}

/** Brings up a 2-node group of `impl` with host 1 the master. */
async function pair(
  impl: Impl,
  lab: Lab,
  o: Options = {},
): Promise<Proc[]> {
  const vip = o.ipv6 ? VIP6 : VIP;
  const a = await start(impl, lab, 1, 0, o);
  if (!(await eventually(() => lab.has(1, vip), 15_000, 50))) {
    throw new Error(`${impl}: host 1 never became master`);
  }
  // The backup runs the same check against its own service, which stays up.
  const own = o.checkFile === undefined
    ? {}
    : { checkFile: await lab.file("backup-service-ok", "") };
  const b = await start(impl, lab, 2, 1, { ...o, ...own });
  await sleep(o.fast || o.bfd ? 1500 : 4500); // the backup settles on the master's adverts
  if ((await lab.holders(vip, 2)).join() !== "1") {
    throw new Error(`${impl}: no single master before the event`);
  }
  return [a, b];
}

type Scenario = (
  impl: Impl,
  lab: Lab,
  quick: boolean,
) => Promise<number | null>;

/** A cable cut right after an advert; the client's longest ping gap. */
async function cableCut(
  lab: Lab,
  vip: string,
  ipv6 = false,
  pingEveryS = 0.01,
): Promise<number> {
  const ping = new PingStream(lab, vip, pingEveryS);
  if (!(await eventually(() => ping.flowing(), 5000, 50))) {
    throw new Error("no pings before the cut");
  }
  await afterNextAdvert(lab, ipv6);
  const t0 = Date.now();
  await lab.cut(1);
  await eventually(() => lab.has(2, vip), 15_000, 10);
  await sleep(1500);
  await ping.stop();
  return ping.gapSince(t0 - 50);
}

/**
 * Both cores saturated by busy loops and a neighbour flooding 10,000 bad
 * packets a second, for `seconds`; resolves to a function that stops it.
 */
function loadMachine(lab: Lab, seconds: number): () => void {
  const busy = busyLoops();
  const procs = [lab.spawn("flood", [
    "ip",
    "netns",
    "exec",
    lab.client,
    Deno.execPath(),
    "run",
    "-A",
    "--no-prompt",
    INJECT,
    "garbage",
    JSON.stringify({
      source: "10.213.0.100",
      vhid: 1,
      password: "s3cret",
      vip: VIP,
      floodSeconds: seconds,
      floodPps: 10_000,
    }),
  ])];
  return () => {
    procs.forEach((p) => p.signal("SIGKILL"));
    busy.forEach((b) => b.kill("SIGKILL"));
  };
}

/** Two shell busy loops at normal priority: both cores saturated. */
function busyLoops(): Deno.ChildProcess[] {
  return [1, 2].map(() =>
    new Deno.Command("sh", {
      args: ["-c", "while :; do :; done"],
      stdout: "null",
      stderr: "null",
    }).spawn()
  );
}

/** Times the backup became MASTER (from its log or its counters). */
async function takeovers(impl: Impl, lab: Lab, backup: Proc): Promise<number> {
  if (impl === "keepalived") {
    return backup.lines.filter((l) => /Entering MASTER STATE/.test(l)).length;
  }
  const v = (await lab.status(2)).vhids[0]!;
  return v.history.filter((t) => t.to === "MASTER").length;
}

/** SIGTERM on the master; the client's longest ping gap. */
async function stopMaster(
  lab: Lab,
  master: Proc,
  vip: string,
): Promise<number> {
  const ping = new PingStream(lab, vip);
  if (!(await eventually(() => ping.flowing(), 5000, 50))) {
    throw new Error("no pings before the stop");
  }
  const t0 = Date.now();
  master.signal("SIGTERM");
  await eventually(() => lab.has(2, vip), 15_000, 20);
  await sleep(1500);
  await ping.stop();
  return ping.gapSince(t0 - 50);
}

/** The check on the master fails; ms until the backup holds the VIP. */
async function healthFailover(
  impl: Impl,
  lab: Lab,
  o: Options = {},
): Promise<number> {
  const flag = await lab.file("service-ok", "");
  await pair(impl, lab, { ...o, checkFile: flag });
  const t0 = performance.now();
  await Deno.remove(flag);
  if (!(await eventually(() => lab.has(2, VIP), 15_000, 10))) {
    throw new Error("the backup never took over");
  }
  return Math.round(performance.now() - t0);
}

const SCENARIOS: Record<
  string,
  {
    title: string;
    unit: string;
    run: Scenario;
    /** One repetition whatever the count (a long soak). */
    once?: boolean;
  }
> = {
  unplanned: {
    title:
      "unplanned failover (cable cut right after an advert), default timers",
    unit: "ms outage",
    run: async (impl, lab) => {
      await pair(impl, lab);
      return await cableCut(lab, VIP);
    },
  },
  fast: {
    title:
      "fast profile (carpd advbase 0 ~80 ms; keepalived VRRPv3 0.1 s), cable cut right after an advert",
    unit: "ms outage",
    run: async (impl, lab) => {
      if (impl === "ucarp") return null; // ucarp cannot advertise faster than 1 s
      await pair(impl, lab, { fast: true });
      return await cableCut(lab, VIP);
    },
  },
  planned: {
    title: "planned handover: SIGTERM on the master (ucarp -z)",
    unit: "ms outage",
    run: async (impl, lab) => {
      const [a] = await pair(impl, lab);
      const ping = new PingStream(lab, VIP);
      if (!(await eventually(() => ping.flowing(), 5000, 50))) {
        throw new Error("no pings before the stop");
      }
      const t0 = Date.now();
      if (impl === "ucarp") {
        await sh([
          "pkill",
          "-TERM",
          "-f",
          `ucarp -i eth0 -s ${lab.address(1)} `,
        ]);
      } else a!.signal("SIGTERM");
      await eventually(() => lab.has(2, VIP), 15_000, 20);
      await sleep(1500);
      await ping.stop();
      return ping.gapSince(t0 - 50);
    },
  },
  unplanned6: {
    title:
      "IPv6 VIP: unplanned failover (cable cut right after an advert), default timers (keepalived VRRPv3)",
    unit: "ms outage",
    run: async (impl, lab) => {
      if (impl === "ucarp") return null; // ucarp has no IPv6
      await pair(impl, lab, { ipv6: true });
      return await cableCut(lab, VIP6, true);
    },
  },
  planned6: {
    title: "IPv6 VIP: planned handover, SIGTERM on the master",
    unit: "ms outage",
    run: async (impl, lab) => {
      if (impl === "ucarp") return null;
      const [a] = await pair(impl, lab, { ipv6: true });
      return await stopMaster(lab, a!, VIP6);
    },
  },
  standby: {
    title: "planned handover: carpd standby",
    unit: "ms outage",
    run: async (impl, lab) => {
      if (impl !== "carpd") return null;
      await pair(impl, lab);
      const ping = new PingStream(lab, VIP);
      if (!(await eventually(() => ping.flowing(), 5000, 50))) {
        throw new Error("no pings before standby");
      }
      const t0 = Date.now();
      await lab.ctl(1, "standby");
      await eventually(() => lab.has(2, VIP), 5000, 10);
      await sleep(1000);
      await ping.stop();
      return ping.gapSince(t0 - 50);
    },
  },
  health: {
    title:
      "health-driven failover (check interval 1 s, fall 2): failure to backup holding the VIP",
    unit: "ms",
    run: async (impl, lab) => {
      if (impl === "ucarp") return null; // ucarp has no health checks
      return await healthFailover(impl, lab);
    },
  },
  vrrp: {
    title:
      "VRRPv3, both at advert_interval 1 s, priorities 150/100: cable cut right after an advert",
    unit: "ms outage",
    run: async (impl, lab) => {
      if (impl === "ucarp") return null;
      await pair(impl, lab, { vrrp: true });
      return await cableCut(lab, VIP);
    },
  },
  "vrrp-fast": {
    title: "VRRPv3 at advert_interval 0.1 s: cable cut right after an advert",
    unit: "ms outage",
    run: async (impl, lab) => {
      if (impl === "ucarp") return null;
      await pair(impl, lab, { vrrp: true, fast: true });
      return await cableCut(lab, VIP);
    },
  },
  "vrrp-planned": {
    title: "VRRPv3 planned handover: SIGTERM on the master (priority 0)",
    unit: "ms outage",
    run: async (impl, lab) => {
      if (impl === "ucarp") return null;
      const [a] = await pair(impl, lab, { vrrp: true });
      return await stopMaster(lab, a!, VIP);
    },
  },
  bfd: {
    title:
      "BFD-class profile: carpd advbase 0, advskew 1/2 (adverts every 3.9 ms, master-down 23 ms) vs keepalived advert_int 0.01 (Master_Down_Interval 36 ms); cable cut, 2 ms pings",
    unit: "ms outage",
    run: async (impl, lab) => {
      if (impl === "ucarp") return null;
      await pair(impl, lab, { bfd: true });
      return await cableCut(lab, VIP, false, 0.002);
    },
  },
  "bfd-loaded": {
    title:
      "BFD-class profile with both cores saturated and a 10,000 pps flood of bad packets: cable cut, 2 ms pings",
    unit: "ms outage",
    run: async (impl, lab) => {
      if (impl === "ucarp") return null;
      await pair(impl, lab, { bfd: true });
      const stop = loadMachine(lab, 30);
      try {
        await sleep(3000);
        return await cableCut(lab, VIP, false, 0.002);
      } finally {
        stop();
      }
    },
  },
  "bfd-false": {
    title:
      "BFD-class profile, false failovers with both cores saturated and a 10,000 pps flood (10 min; --quick: 1 min)",
    unit: "takeovers by the backup",
    once: true,
    run: async (impl, lab, quick) => {
      if (impl === "ucarp") return null;
      const seconds = quick ? 60 : 600;
      const [, backup] = await pair(impl, lab, { bfd: true });
      const before = await takeovers(impl, lab, backup!);
      const stop = loadMachine(lab, seconds + 5);
      try {
        await sleep(seconds * 1000);
      } finally {
        stop();
      }
      return (await takeovers(impl, lab, backup!)) - before;
    },
  },
  "vrrp-health": {
    title:
      "VRRPv3 health-driven failover (check 1 s, fall 2, priority 150 - 60 < 100)",
    unit: "ms",
    run: async (impl, lab) => {
      if (impl === "ucarp") return null;
      return await healthFailover(impl, lab, { vrrp: true });
    },
  },
};

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

/** Idle MASTER footprint: resident memory (MB) and CPU (% of one core). */
async function footprint(
  impl: Impl,
  o: Options,
  seconds: number,
): Promise<{ rssMb: number; cpu: number }> {
  const vhids = o.vhids ?? 1;
  const lab = await Lab.up(1);
  try {
    const p = await start(impl, lab, 1, 0, o);
    const probe = vhids === 1 ? VIP : `10.214.0.${vhids}`;
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
  } finally {
    await stopUcarps();
    await lab.down();
  }
}

/** Resident memory of a Deno process that loads nothing, after 5 s. */
async function bareDenoRssMb(): Promise<number> {
  const dir = await Deno.makeTempDir();
  try {
    const script = `${dir}/bare.ts`;
    await Deno.writeTextFile(script, "setInterval(() => {}, 1000);\n");
    const flags = (await Deno.readTextFile(
      new URL("./lib/permissions", import.meta.url),
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

/** The BFD-class profile's margin: master-down 23.4 ms less one 3.9 ms interval. */
const BFD_MARGIN_US = 19_531;

/**
 * The machine's own floor: how late a C program at carpd's realtime
 * priority wakes (cyclictest, every 3.9 ms like the BFD-class master), idle
 * or with both cores saturated, and how often later than the profile's
 * margin (each such wake-up of a master is a false failover).
 */
async function wakeUpFloor(
  seconds: number,
  loaded: boolean,
): Promise<{ maxUs: number; overMargin: number; wakeUps: number }> {
  const busy = loaded ? busyLoops() : [];
  try {
    const out = await new Deno.Command("cyclictest", {
      args: [
        "-q",
        "-m",
        "-p",
        "2",
        "-i",
        "3906",
        "-D",
        String(seconds),
        "-h",
        "100000",
      ],
      stdout: "piped",
      stderr: "null",
    }).output();
    const text = new TextDecoder().decode(out.stdout);
    let overMargin = 0;
    let wakeUps = 0;
    for (const line of text.split("\n")) {
      const m = /^(\d+) (\d+)$/.exec(line);
      if (m === null) continue;
      wakeUps += Number(m[2]);
      if (Number(m[1]) >= BFD_MARGIN_US) overMargin += Number(m[2]);
    }
    const overflows = Number(
      /# Histogram Overflows: (\d+)/.exec(text)?.[1] ?? 0,
    );
    return {
      maxUs: Number(/# Max Latencies: (\d+)/.exec(text)?.[1] ?? NaN),
      overMargin: overMargin + overflows,
      wakeUps: wakeUps + overflows,
    };
  } finally {
    for (const b of busy) {
      b.kill("SIGKILL");
      await b.status;
    }
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0
    ? NaN
    : s.length % 2
    ? s[(s.length - 1) / 2]!
    : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
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
  const reps = values.quick ? 1 : 5;
  const names = values.scenario ??
    [...Object.keys(SCENARIOS), "floor", "footprint"];
  const results: Record<string, Record<string, unknown>> = {};
  const errors: string[] = [];
  const out = (line: string): void => {
    // deno-lint-ignore no-console
    if (!values.json) console.log(line);
  };
  out(
    `carpd bench: ${reps} repetition(s) each, medians; ratio = carpd / peer (lower is better for carpd)`,
  );
  for (const name of names) {
    if (name === "footprint" || name === "floor") continue;
    const s = SCENARIOS[name];
    if (s === undefined) throw new Error(`unknown scenario "${name}"`);
    const row: Record<string, unknown> = {};
    for (const impl of IMPLS) {
      const xs: number[] = [];
      let na = false;
      for (let r = 0; r < (s.once ? 1 : reps); r++) {
        const lab = await Lab.up(2);
        try {
          const v = await s.run(impl, lab, values.quick === true);
          if (v === null) na = true;
          else xs.push(v);
        } catch (e) {
          errors.push(`${name} ${impl}: ${e instanceof Error ? e.message : e}`);
        } finally {
          await stopUcarps();
          await lab.down();
        }
        if (na) break;
      }
      row[impl] = na
        ? null
        : xs.length === 0
        ? { median: NaN, runs: [] }
        : { median: median(xs), runs: xs };
    }
    results[name] = row;
    const cell = (impl: Impl): string => {
      const v = row[impl] as { median: number } | null;
      return v === null ? "n/a" : String(v.median);
    };
    const carpd = (row.carpd as { median: number } | null)?.median;
    const ratio = (peer: Impl): string => {
      const v = (row[peer] as { median: number } | null)?.median;
      return carpd === undefined || v === undefined || v === 0
        ? "-"
        : (carpd / v).toFixed(2);
    };
    out(`\n${s.title} (${s.unit})`);
    out(
      `  carpd ${cell("carpd")}  ucarp ${cell("ucarp")}  keepalived ${
        cell("keepalived")
      }` +
        `  carpd/ucarp ${ratio("ucarp")}  carpd/keepalived ${
          ratio("keepalived")
        }`,
    );
  }
  if (names.includes("floor")) {
    const seconds = values.quick ? 10 : 120;
    out(
      `\nthe machine's floor: cyclictest at realtime priority 2, a wake-up every 3.9 ms, ${seconds} s (wake-ups later than the BFD-class margin of ${
        BFD_MARGIN_US / 1000
      } ms would each be a false failover of a master)`,
    );
    for (const loaded of [false, true]) {
      const f = await wakeUpFloor(seconds, loaded);
      results[`floor_${loaded ? "loaded" : "idle"}`] = f;
      out(
        `  ${loaded ? "both cores saturated" : "idle"}: worst ${
          f.maxUs / 1000
        } ms, ${f.overMargin} of ${f.wakeUps} wake-ups over the margin`,
      );
    }
  }
  if (names.includes("footprint")) {
    const seconds = values.quick ? 10 : 60;
    // The floor: a Deno process with the same flags that loads nothing.
    const bare = await bareDenoRssMb();
    results.footprint_bare_deno = { rssMb: bare };
    out(`\nfootprint of a bare Deno process (same flags, no code): ${bare} MB`);
    const cases: { key: string; label: string; o: Options }[] = [
      { key: "footprint_1", label: "1 vhid", o: { vhids: 1 } },
      {
        key: "footprint_bfd",
        label:
          "1 vhid, BFD-class profile (carpd advbase 0 advskew 1, keepalived 0.01 s)",
        o: { vhids: 1, bfd: true },
      },
      ...(values.quick
        ? []
        : [{ key: "footprint_255", label: "255 vhids", o: { vhids: 255 } }]),
    ];
    for (const c of cases) {
      const row: Record<string, unknown> = {};
      for (const impl of IMPLS) {
        // ucarp cannot advertise faster than once a second.
        row[impl] = impl === "ucarp" && c.o.bfd
          ? null
          : await footprint(impl, c.o, seconds);
      }
      results[c.key] = row;
      out(
        `\nfootprint, idle MASTER, ${c.label}, ${seconds} s (resident MB, % of one core)`,
      );
      for (const impl of IMPLS) {
        const f = row[impl] as { rssMb: number; cpu: number } | null;
        out(
          f === null
            ? `  ${impl.padEnd(10)} n/a`
            : `  ${impl.padEnd(10)} ${String(f.rssMb).padStart(7)} MB ${
              String(f.cpu).padStart(6)
            } %${
              impl === "carpd"
                ? `  (${
                  Math.round((f.rssMb - bare) * 10) / 10
                } MB above bare Deno)`
                : ""
            }`,
        );
      }
    }
  }
  for (const e of errors) out(`error: ${e}`);
  if (values.json) {
    // deno-lint-ignore no-console
    console.log(
      JSON.stringify(
        { date: new Date().toISOString(), reps, results, errors },
        null,
        2,
      ),
    );
  }
  return errors.length > 0;
}

await main().then((failed) => Deno.exit(failed ? 1 : 0));
