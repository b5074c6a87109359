/**
 * A stateful firewall pair in network namespaces, as a firewall admin
 * builds one: inside, outside and sync LANs (bridges in a switch
 * namespace); two firewalls with nftables (stateful forwarding that lets a
 * TCP connection in only on its SYN, SNAT to the outside VIP) and Debian's
 * conntrackd (FTFW over the sync link, each with its own config and
 * control socket); a client inside, a server outside. The firewalls run
 * carpd (or keepalived, for the bench) with one group of the inside and
 * the outside vhid. Used by `firewall_pair_test.ts` and `scripts/bench`.
 * The configs it writes are the README's "Firewall pair" section.
 */

import { eventually, Proc, sh, sleep } from "./lab.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const CARPD = `${ROOT}scripts/carpd`;
const DENO = `${ROOT}.tools/node_modules/.bin/deno`;
const STREAM = `${ROOT}test/integration/tcp_stream.ts`;

/** The inside and outside VIPs, and the stream's port. */
export const INSIDE_VIP = "10.221.1.1";
export const OUTSIDE_VIP = "10.221.2.1";
export const SERVER = "10.221.2.20";
export const STREAM_PORT = 5555;

/** The two firewalls: `a` is preferred. */
export type Firewall = "a" | "b";
const OCTET: Record<Firewall, number> = { a: 2, b: 3 };
const LEGS = ["in", "out", "sync"] as const;

/** The nftables ruleset of a firewall (the README's). */
export function nftRuleset(): string {
  return `table inet fw {
  counter stream_dropped {
  }
  counter dropped {
  }
  chain forward {
    type filter hook forward priority filter; policy drop;
    ct state established,related accept
    ct state new iifname "eth-in" oifname "eth-out" tcp flags & (syn | ack | fin | rst) == syn accept
    ct state new iifname "eth-in" oifname "eth-out" icmp type echo-request accept
    tcp dport ${STREAM_PORT} counter name "stream_dropped" drop
    tcp sport ${STREAM_PORT} counter name "stream_dropped" drop
    counter name "dropped" drop
  }
}
table ip nat {
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "eth-out" ip saddr 10.221.1.0/24 snat to ${OUTSIDE_VIP}
  }
}
`;
}

/** conntrackd's config of a firewall: FTFW over UDP on the sync link. */
export function conntrackdConfig(fw: Firewall, dir: string): string {
  const me = OCTET[fw];
  const peer = fw === "a" ? OCTET.b : OCTET.a;
  return `Sync {
	Mode FTFW {
	}
	UDP {
		IPv4_address 10.221.3.${me}
		IPv4_Destination_Address 10.221.3.${peer}
		Port 3780
		Interface eth-sync
		Checksum on
	}
}
General {
	HashSize 8192
	HashLimit 65535
	LogFile ${dir}/conntrackd-${fw}.log
	LockFile ${dir}/conntrackd-${fw}.lock
	UNIX {
		Path ${dir}/conntrackd-${fw}.ctl
	}
	NetlinkBufferSize 2097152
	NetlinkBufferSizeMaxGrowth 8388608
	Filter From Userspace {
		Protocol Accept {
			TCP
		}
		Address Ignore {
			IPv4_address 127.0.0.1
			IPv4_address ${INSIDE_VIP}
			IPv4_address ${OUTSIDE_VIP}
			IPv4_address 10.221.1.${me}
			IPv4_address 10.221.2.${me}
			IPv4_address 10.221.3.${me}
		}
	}
}
`;
}

/** carpd's config of a firewall: one group of the inside and outside vhid. */
export function carpConfig(
  fw: Firewall,
  dir: string,
  extraGroup = "",
): string {
  const advskew = fw === "a" ? 0 : 100;
  return `[daemon]
log_level = "info"
control_socket = "${dir}/carpd-${fw}.sock"

[[vhid]]
id = 10
interface = "eth-in"
vips = ["${INSIDE_VIP}/24"]
password = "inside-leg"
advbase = 1
advskew = ${advskew}
preempt = true

[[vhid]]
id = 10
interface = "eth-out"
vips = ["${OUTSIDE_VIP}/24"]
password = "outside-leg"
advbase = 1
advskew = ${advskew}
preempt = true

[[group]]
name = "fw"
vhids = ["eth-in/10", "eth-out/10"]
conntrackd = ["/usr/sbin/conntrackd", "-C", "${dir}/conntrackd-${fw}.conf"]
${extraGroup}`;
}

/**
 * keepalived's config of a firewall, for the bench: a `vrrp_sync_group` of
 * the inside and outside instance whose notify scripts run Debian's
 * `primary-backup.sh` (copied to `dir` with this firewall's conntrackd
 * config and lock).
 */
export function keepalivedConfig(fw: Firewall, dir: string): string {
  const priority = fw === "a" ? 150 : 100;
  const script = `${dir}/${fw}/primary-backup.sh`;
  const instance = (name: string, leg: string, vip: string): string =>
    `vrrp_instance ${name} {
  state BACKUP
  interface eth-${leg}
  virtual_router_id 10
  priority ${priority}
  advert_int 1
  virtual_ipaddress {
    ${vip}/24
  }
}
`;
  return `global_defs {
  router_id fw-${fw}
  script_user root
  enable_script_security
}
vrrp_sync_group fw {
  group {
    VI_IN
    VI_OUT
  }
  notify_master "${script} primary"
  notify_backup "${script} backup"
  notify_fault "${script} fault"
}
${instance("VI_IN", "in", INSIDE_VIP)}${
    instance("VI_OUT", "out", OUTSIDE_VIP)
  }`;
}

/** Debian's conntrackd notify script, with a firewall's config and lock. */
export const PRIMARY_BACKUP_SH =
  "/usr/share/doc/conntrackd/examples/sync/primary-backup.sh";

/** Which firewalls hold each VIP at one moment. */
export interface VipSample {
  at: number;
  inside: Firewall[];
  outside: Firewall[];
}

/** Whether a sample has the VIPs on different boxes (holders disjoint). */
export function splitSample(s: VipSample): boolean {
  return s.inside.length > 0 && s.outside.length > 0 &&
    !s.inside.some((f) => s.outside.includes(f));
}

/** The pair. */
export class FirewallPair {
  readonly prefix: string;
  readonly dir: string;
  readonly #procs: Proc[] = [];
  readonly samples: VipSample[] = [];
  #sampling = false;
  #sampler: Promise<void> | null = null;

  private constructor(prefix: string, dir: string) {
    this.prefix = prefix;
    this.dir = dir;
  }

  /** Namespace of a firewall, the switch, the client or the server. */
  ns(who: Firewall | "sw" | "cl" | "sv"): string {
    return `${this.prefix}-${who}`;
  }

  /** Builds the namespaces, links, addresses, nftables and conntrackd configs. */
  static async up(prefix: string): Promise<FirewallPair> {
    const dir = await Deno.makeTempDir({ prefix: "carpd-fw-" });
    await Deno.chmod(dir, 0o755);
    const p = new FirewallPair(prefix, dir);
    await p.down(false);
    const sw = p.ns("sw");
    for (const n of ["sw", "a", "b", "cl", "sv"] as const) {
      await sh(["ip", "netns", "add", p.ns(n)]);
      await p.exec(p.ns(n), ["ip", "link", "set", "lo", "up"]);
    }
    for (const leg of LEGS) {
      await p.exec(sw, ["ip", "link", "add", `br-${leg}`, "type", "bridge"]);
      await p.exec(sw, ["ip", "link", "set", `br-${leg}`, "up"]);
    }
    const plug = async (
      ns: string,
      inner: string,
      outer: string,
      bridge: string,
      address: string,
    ): Promise<void> => {
      await sh([
        "ip",
        "link",
        "add",
        outer,
        "netns",
        sw,
        "type",
        "veth",
        "peer",
        "name",
        inner,
        "netns",
        ns,
      ]);
      await p.exec(sw, ["ip", "link", "set", outer, "master", bridge, "up"]);
      await p.exec(ns, ["ip", "addr", "add", address, "dev", inner]);
      await p.exec(ns, ["ip", "link", "set", inner, "up"]);
    };
    for (const fw of ["a", "b"] as const) {
      const ns = p.ns(fw);
      const net: Record<(typeof LEGS)[number], number> = {
        in: 1,
        out: 2,
        sync: 3,
      };
      for (const leg of LEGS) {
        await plug(
          ns,
          `eth-${leg}`,
          `${fw}-${leg}`,
          `br-${leg}`,
          `10.221.${net[leg]}.${OCTET[fw]}/24`,
        );
      }
      await p.exec(ns, ["sysctl", "-qw", "net.ipv4.ip_forward=1"]);
      const rules = `${dir}/nft-${fw}.conf`;
      await Deno.writeTextFile(rules, nftRuleset());
      await p.exec(ns, ["nft", "-f", rules]);
      await Deno.writeTextFile(
        `${dir}/conntrackd-${fw}.conf`,
        conntrackdConfig(fw, dir),
      );
    }
    await plug(p.ns("cl"), "eth0", "cl", "br-in", "10.221.1.10/24");
    await p.exec(p.ns("cl"), [
      "ip",
      "route",
      "add",
      "default",
      "via",
      INSIDE_VIP,
    ]);
    await plug(p.ns("sv"), "eth0", "sv", "br-out", `${SERVER}/24`);
    return p;
  }

  /** Stops everything and deletes the namespaces (and, at the end, the files). */
  async down(removeFiles = true): Promise<void> {
    this.#sampling = false;
    await this.#sampler;
    for (const p of this.#procs) p.signal("SIGKILL");
    await Promise.all(this.#procs.map((p) => p.exit(2000)));
    for (const n of ["a", "b", "cl", "sv", "sw"] as const) {
      const ns = this.ns(n);
      const pids = await sh(["ip", "netns", "pids", ns]).catch(() => "");
      for (const pid of pids.split("\n").filter((x) => x !== "")) {
        await sh(["kill", "-9", pid]).catch(() => {});
      }
      await sh(["ip", "netns", "del", ns]).catch(() => {});
    }
    if (removeFiles) {
      await Deno.remove(this.dir, { recursive: true }).catch(() => {});
    }
  }

  /** Runs a command in a namespace. */
  exec(ns: string, argv: string[]): Promise<string> {
    return sh(["ip", "netns", "exec", ns, ...argv]);
  }

  /** Starts a program in a namespace. */
  spawn(label: string, ns: string, argv: string[]): Proc {
    const p = new Proc(label, ["ip", "netns", "exec", ns, ...argv]);
    this.#procs.push(p);
    return p;
  }

  /** Starts conntrackd on a firewall (as its own service would). */
  async conntrackd(fw: Firewall): Promise<void> {
    await this.exec(this.ns(fw), [
      "conntrackd",
      "-C",
      `${this.dir}/conntrackd-${fw}.conf`,
      "-d",
    ]);
    const ctl = `${this.dir}/conntrackd-${fw}.ctl`;
    if (!await eventually(() => exists(ctl), 5000, 50)) {
      throw new Error(`conntrackd on ${fw} made no control socket`);
    }
  }

  /** Starts carpd on a firewall with its config (and more group keys). */
  carpd(fw: Firewall, extraGroup = ""): Promise<Proc> {
    return this.carpdWith(fw, carpConfig(fw, this.dir, extraGroup));
  }

  /** Starts Debian's keepalived on a firewall (the bench's peer). */
  async keepalived(fw: Firewall): Promise<Proc> {
    await this.keepalivedFiles(fw);
    const conf = `${this.dir}/keepalived-${fw}.conf`;
    return this.spawn(`keepalived ${fw}`, this.ns(fw), [
      "keepalived",
      "-n",
      "-l",
      "-P",
      "-f",
      conf,
      "-p",
      `${this.dir}/keepalived-${fw}.pid`,
      "-r",
      `${this.dir}/keepalived-vrrp-${fw}.pid`,
    ]);
  }

  /**
   * Writes a firewall's keepalived config and its copy of Debian's
   * `primary-backup.sh`; returns the config's path.
   */
  async keepalivedFiles(fw: Firewall): Promise<string> {
    const script = await Deno.readTextFile(PRIMARY_BACKUP_SH);
    await Deno.mkdir(`${this.dir}/${fw}`, { recursive: true });
    await Deno.writeTextFile(
      `${this.dir}/${fw}/primary-backup.sh`,
      script
        .replace(
          /^CONNTRACKD_CONFIG=.*$/m,
          `CONNTRACKD_CONFIG=${this.dir}/conntrackd-${fw}.conf`,
        )
        .replace(
          /^CONNTRACKD_LOCK=.*$/m,
          `CONNTRACKD_LOCK=${this.dir}/conntrackd-${fw}.lock`,
        ),
      { mode: 0o755 },
    );
    const conf = `${this.dir}/keepalived-${fw}.conf`;
    await Deno.writeTextFile(conf, keepalivedConfig(fw, this.dir));
    return conf;
  }

  /** Starts carpd on a firewall with a config text of the caller's. */
  async carpdWith(fw: Firewall, config: string): Promise<Proc> {
    const path = `${this.dir}/carp-${fw}.toml`;
    await Deno.writeTextFile(path, config, { mode: 0o600 });
    return this.spawn(`carpd ${fw}`, this.ns(fw), [CARPD, "run", "-c", path]);
  }

  /** `carpd <args>` against a firewall's daemon. */
  async ctl(fw: Firewall, ...args: string[]): Promise<string> {
    return await sh([
      CARPD,
      ...args,
      "--socket",
      `${this.dir}/carpd-${fw}.sock`,
    ]);
  }

  /** Starts the server's echo and waits for it to listen. */
  async server(): Promise<void> {
    const p = this.spawn("server", this.ns("sv"), [
      DENO,
      "run",
      "--allow-net",
      STREAM,
      "serve",
      String(STREAM_PORT),
    ]);
    if (await p.waitFor(/^listening/, 10_000) === null) {
      throw new Error(`the stream's server did not start: ${p.output}`);
    }
  }

  /** Starts the client's stream to the server, through the firewalls. */
  async stream(): Promise<Proc> {
    const p = this.spawn("stream", this.ns("cl"), [
      DENO,
      "run",
      "--allow-net",
      STREAM,
      "send",
      SERVER,
      String(STREAM_PORT),
    ]);
    if (await p.waitFor(/^echo /, 10_000) === null) {
      throw new Error(`the stream did not start: ${p.output}`);
    }
    return p;
  }

  /** A 10 ms ping from the client to the server, through the VIPs. */
  ping(): Proc {
    return this.spawn("ping", this.ns("cl"), [
      "ping",
      "-n",
      "-D",
      "-i",
      "0.01",
      "-W",
      "0.2",
      SERVER,
    ]);
  }

  /** Unplugs a firewall's leg at the switch (or plugs it back). */
  async cable(fw: Firewall, leg: "in" | "out", up: boolean): Promise<void> {
    await this.exec(this.ns("sw"), [
      "ip",
      "link",
      "set",
      `${fw}-${leg}`,
      up ? "up" : "down",
    ]);
  }

  /** Which firewalls hold each VIP now. */
  async holders(): Promise<VipSample> {
    const s: VipSample = { at: Date.now(), inside: [], outside: [] };
    for (const fw of ["a", "b"] as const) {
      const out = await this.exec(this.ns(fw), [
        "ip",
        "-4",
        "-o",
        "addr",
        "show",
      ]);
      if (out.includes(` ${INSIDE_VIP}/`)) s.inside.push(fw);
      if (out.includes(` ${OUTSIDE_VIP}/`)) s.outside.push(fw);
    }
    return s;
  }

  /** Samples the holders every `everyMs` until {@linkcode down}. */
  sample(everyMs = 100): void {
    this.#sampling = true;
    this.#sampler = (async () => {
      for (let i = 0; this.#sampling && i < 1_000_000; i++) {
        this.samples.push(await this.holders());
        await sleep(everyMs);
      }
    })();
  }

  /** Milliseconds within [from, to] the samples saw the VIPs on different boxes. */
  splitMs(from: number, to: number): number {
    const s = this.samples;
    let ms = 0;
    for (let k = 0; k + 1 < s.length; k++) {
      if (s[k]!.at < from || s[k]!.at > to || !splitSample(s[k]!)) continue;
      ms += s[k + 1]!.at - s[k]!.at;
    }
    return Math.round(ms);
  }

  /**
   * Waits until a firewall holds both VIPs (others may hold them too, as
   * after a daemon killed with its VIPs on).
   *
   * @returns Whether it did within `withinMs`.
   */
  holdsBoth(fw: Firewall, withinMs: number): Promise<boolean> {
    return eventually(
      async () => {
        const s = await this.holders();
        return s.inside.includes(fw) && s.outside.includes(fw);
      },
      withinMs,
      50,
    );
  }

  /** Waits until one firewall alone holds both VIPs; the ms it took. */
  async soleMaster(fw: Firewall, withinMs: number): Promise<number> {
    const from = performance.now();
    const ok = await eventually(
      async () => {
        const s = await this.holders();
        return s.inside.join() === fw && s.outside.join() === fw;
      },
      withinMs,
      20,
    );
    if (!ok) {
      throw new Error(
        `${fw} alone does not hold both VIPs after ${withinMs} ms: ${
          JSON.stringify(await this.holders())
        }`,
      );
    }
    return Math.round(performance.now() - from);
  }

  /** Packets of the stream a firewall's rules dropped. */
  async streamDrops(fw: Firewall): Promise<number> {
    const out = await this.exec(this.ns(fw), [
      "nft",
      "list",
      "counter",
      "inet",
      "fw",
      "stream_dropped",
    ]);
    const m = /packets (\d+)/.exec(out);
    if (m === null) throw new Error(`no counter in: ${out}`);
    return Number(m[1]);
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}

/** Ping replies' arrival times (epoch ms) from `ping -D` output lines. */
export function pingReplies(lines: readonly string[]): number[] {
  return lines.flatMap((l) => {
    const m = /^\[(\d+\.\d+)\] \d+ bytes from/.exec(l);
    return m ? [Number(m[1]) * 1000] : [];
  });
}

/** Echo arrival times (epoch ms) from the stream's output lines. */
export function streamEchoes(lines: readonly string[]): number[] {
  return lines.flatMap((l) => {
    const m = /^echo \d+ (\d+)$/.exec(l);
    return m ? [Number(m[1])] : [];
  });
}

/**
 * The longest gap between successive times within [from, to], counting
 * the silence from the last one to `to` (a stream that stopped).
 */
export function longestGap(
  times: readonly number[],
  from: number,
  to: number,
): number {
  let gap = 0;
  let last: number | null = null;
  for (const t of times) {
    if (t > to) break;
    if (t >= from && last !== null) gap = Math.max(gap, t - last);
    last = t;
  }
  if (last !== null) gap = Math.max(gap, to - Math.max(last, from));
  return Math.round(gap);
}
