/**
 * The three implementations under test, carpd, Debian's ucarp and Debian's
 * keepalived, set up alike and brought up in the lab: one daemon on one
 * host ({@linkcode start}), or a master and its backup ({@linkcode pair}).
 * @module
 */

import {
  eventually,
  type Lab,
  type Proc,
  sleep,
  vhidConfig,
} from "../../test/integration/lab.ts";

/** The VIP of a single-vhid group. */
export const VIP = "10.213.0.50";
/** The VIP of an IPv6 group. */
export const VIP6 = "fd13:213::50";

/** An implementation under test. */
export type Impl = "carpd" | "ucarp" | "keepalived";
/** Every implementation, in the order of the report. */
export const IMPLS: Impl[] = ["carpd", "ucarp", "keepalived"];

/** What a run is made of. */
export interface Options {
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

/**
 * The VIP of vhid `v`.
 *
 * @param o The run's options (IPv6, how many vhids).
 * @param v The vhid, from 1.
 * @returns The address, without its prefix length.
 */
export function vipOf(o: Options, v: number): string {
  return o.ipv6 ? VIP6 : (o.vhids ?? 1) === 1 ? VIP : `10.214.0.${v}`;
}

/** The prefix length of every VIP of a run. */
function prefixOf(o: Options): number {
  return o.ipv6 ? 64 : (o.vhids ?? 1) === 1 ? 24 : 32;
}

/** carpd's configuration on a host of rank `rank` (0 preferred, 1 backup). */
function carpdConfig(rank: number, o: Options): string {
  const prefix = prefixOf(o);
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
    // The same settings as the keepalived instances.
    return `[daemon]
log_level = "info"

[[vhid]]
protocol = "vrrp"
id = 1
interface = "eth0"
vips = ["${vipOf(o, 1)}/${prefix}"]
priority = ${rank === 0 ? 150 : 100}
advert_interval = ${o.fast ? 0.1 : 1}
${check}`;
  }
  let config = "";
  for (let v = 1; v <= (o.vhids ?? 1); v++) {
    const skew = o.bfd ? rank + 1 : o.fast ? (rank === 0 ? 20 : 26) : rank * 50;
    const one = vhidConfig({
      vips: [`${vipOf(o, v)}/${prefix}`],
      advskew: skew,
      advbase: o.fast || o.bfd ? 0 : 1,
      id: v,
    });
    config += v === 1 ? one : one.slice(one.indexOf("[[vhid]]"));
  }
  return config + check;
}

/** Starts ucarp on host `i`: one process per vhid, daemonized (-B). */
async function startUcarp(
  lab: Lab,
  i: number,
  rank: number,
  o: Options,
): Promise<Proc> {
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
    vipOf(o, v),
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
    { length: o.vhids ?? 1 },
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

/** keepalived's configuration on host `i` of rank `rank`. */
function keepalivedConfig(i: number, rank: number, o: Options): string {
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
  for (let v = 1; v <= (o.vhids ?? 1); v++) {
    instances += `
vrrp_instance VI_${v} {
  state BACKUP
  interface eth0
  virtual_router_id ${v}
  priority ${rank === 0 ? 150 : 100}
  advert_int ${o.bfd ? "0.01" : o.fast ? "0.1" : "1"}
  virtual_ipaddress {
    ${vipOf(o, v)}/${prefixOf(o)}
  }
  ${o.checkFile === undefined ? "" : "track_script {\n    service\n  }"}
}`;
  }
  return `global_defs {
  router_id h${i}
  enable_script_security
  script_user root
  vrrp_garp_master_delay 1
  ${o.fast || o.ipv6 || o.vrrp || o.bfd ? "vrrp_version 3" : "vrrp_version 2"}
}
${script}
${instances}
`;
}

/**
 * Starts one implementation on one host, as the preferred master or as the
 * backup, with the same settings whatever the implementation.
 *
 * @param impl Which implementation.
 * @param lab The lab.
 * @param i The host, from 1.
 * @param rank 0 for the preferred master, 1 for the backup.
 * @param o What the run is made of.
 * @returns The daemon (for ucarp, the shell that daemonized it).
 */
export async function start(
  impl: Impl,
  lab: Lab,
  i: number,
  rank: number,
  o: Options = {},
): Promise<Proc> {
  if (impl === "carpd") return await lab.carpd(i, carpdConfig(rank, o));
  if (impl === "ucarp") return await startUcarp(lab, i, rank, o);
  const conf = await lab.file(
    `keepalived-h${i}.conf`,
    keepalivedConfig(i, rank, o),
  );
  return lab.runKeepalived(i, conf);
}

/**
 * Brings up a 2-node group of `impl`, host 1 the master and host 2 its
 * settled backup.
 *
 * @param impl Which implementation.
 * @param lab A lab of two hosts.
 * @param o What the run is made of.
 * @returns The master's and the backup's daemons, in that order.
 * @throws When host 1 never becomes master, or host 1 is not the only holder
 * of the VIP once the backup has settled.
 */
export async function pair(
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
