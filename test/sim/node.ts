/**
 * A simulated box running the real daemon: its kernel (two legs, eth0 and
 * eth1, cabled to two segments), its config (the group's vhids with this
 * box's preferences, edited by roll-outs), and the daemon's life on it:
 * started, stopped with SIGTERM, killed with -9 and restarted, reloaded,
 * paused as a VM is, its checks failing.
 */

import { parseConfig } from "../../src/config/load/mod.ts";
import { Daemon } from "../../src/daemon/daemon.ts";
import type { PrefixedAddress } from "../../src/daemon/platform.ts";
import { createLogger, type LogLevel } from "../../src/log.ts";
import {
  formatIpv4,
  formatIpv6,
  parseIpv4,
  parseIpv6,
} from "../../src/net/mod.ts";
import {
  type BoxView,
  Incarnation,
  type ProcessRecord,
  simPlatform,
} from "./host.ts";
import { SimKernel } from "./kernel.ts";
import type { Attachment, Lan } from "./lan.ts";
import type { VirtualClock } from "./virtual_clock.ts";

/** A vhid of the simulated group. */
export interface VhidSpec {
  id: number;
  protocol: "carp" | "vrrp";
  interface: "eth0" | "eth1";
  /** The VIPs every box has; roll-outs change them box by box. */
  vips: string[];
  password: string;
  preempt: boolean;
}

/** Where a box's daemon is in its life. */
export type Life = "starting" | "running" | "stopping" | "stopped" | "crashed";

/** The group's vhids, as every box starts with them. */
export function groupSpec(): VhidSpec[] {
  return [
    {
      id: 1,
      protocol: "carp",
      interface: "eth0",
      vips: ["10.0.0.100/24"],
      password: "one-secret",
      preempt: true,
    },
    {
      id: 2,
      protocol: "vrrp",
      interface: "eth0",
      vips: ["10.0.0.200/24"],
      password: "",
      preempt: true,
    },
    {
      id: 3,
      protocol: "carp",
      interface: "eth1",
      vips: ["10.1.0.100/24", "2001:db8:1::100/64"],
      password: "three-secret",
      preempt: false,
    },
  ];
}

/** The vhids a grouped simulation puts in one `[[group]]`. */
export const GROUP_IDS: readonly number[] = [1, 3];

/** A log line kept for the report. */
export interface LogLine {
  at: number;
  level: LogLevel;
  message: string;
}

const KEPT_LINES = 300;

/** One box. */
export class SimNode implements BoxView {
  readonly id: number;
  readonly kernel: SimKernel;
  readonly #world: VirtualClock;
  readonly #lan: Lan;
  /** Its vhids now (roll-outs edit them). */
  spec: VhidSpec[];
  life: Life = "stopped";
  pausedUntil = 0;
  daemon: Daemon | null = null;
  #inc: Incarnation | null = null;
  readonly checks = new Map<string, boolean>([["svc", true]]);
  readonly processes: ProcessRecord[] = [];
  readonly lines: LogLine[] = [];
  readonly errors: LogLine[] = [];
  /** Exceptions where there should be none, and fatal exits. */
  readonly failures: string[] = [];
  /** When the daemon last finished starting. */
  startedAt = 0;
  /** How many daemons the box has started. */
  generation = 0;

  constructor(id: number, world: VirtualClock, lan: Lan, spec: VhidSpec[]) {
    this.id = id;
    this.#world = world;
    this.#lan = lan;
    this.spec = spec;
    this.kernel = new SimKernel({ next: 100 });
    lan.cable(id, "eth0", "lan0");
    lan.cable(id, "eth1", "lan1");
    this.createLink("eth0");
    this.createLink("eth1");
  }

  /** This box's own addresses on a leg. */
  #own(ifname: string): PrefixedAddress[] {
    const n = this.id + 1;
    return ifname === "eth0"
      ? [
        { family: 4, address: parseIpv4(`10.0.0.${n}`)!, prefix: 24 },
        { family: 6, address: parseIpv6(`fe80::${n}`)!, prefix: 64 },
      ]
      : [
        { family: 4, address: parseIpv4(`10.1.0.${n}`)!, prefix: 24 },
        { family: 6, address: parseIpv6(`fe80::1:${n}`)!, prefix: 64 },
      ];
  }

  readonly #ownTexts = new Map<string, readonly string[]>();

  /** This box's own addresses on a leg, as text. */
  ownTexts(ifname: string): readonly string[] {
    let texts = this.#ownTexts.get(ifname);
    if (texts === undefined) {
      texts = this.#own(ifname).map((a) =>
        a.family === 4 ? formatIpv4(a.address) : formatIpv6(a.address)
      );
      this.#ownTexts.set(ifname, texts);
    }
    return texts;
  }

  /** Creates a leg (again): a new index, its own addresses, no VIP. */
  createLink(ifname: string): void {
    this.kernel.createLink(
      ifname,
      new Uint8Array([2, 0, 0, this.id, ifname === "eth0" ? 0 : 1, 1]),
      this.#own(ifname),
    );
  }

  attachment(ifname: string): Attachment {
    return {
      box: this.id,
      ifname,
      up: () => this.kernel.byName(ifname)?.up ?? false,
      holds: (a) => this.kernel.has(ifname, a),
    };
  }

  checkPasses(name: string): boolean {
    return this.checks.get(name) ?? true;
  }

  failure(e: unknown): void {
    this.failures.push(
      `${this.#world.now()} ms: ${e instanceof Error ? e.stack : String(e)}`,
    );
  }

  /** Lines every vhid of its config gets besides the group's. */
  vhidLines: string[] = [];
  /** The vhids of its `[[group]]` (they all preempt), or `null`. */
  grouped: readonly number[] | null = null;

  /** The config file as this box has it now. */
  toml(): string {
    const i = this.id;
    const out = [
      "[daemon]",
      'log_level = "info"',
      'control_socket = "/run/carp/sim.sock"',
      "",
    ];
    const grouped = this.grouped ?? [];
    for (const spec of this.spec) {
      const v = grouped.includes(spec.id) ? { ...spec, preempt: true } : spec;
      out.push(
        "[[vhid]]",
        `id = ${v.id}`,
        `interface = "${v.interface}"`,
        `vips = ${JSON.stringify(v.vips)}`,
        `preempt = ${v.preempt}`,
        'notify = ["sim-notify"]',
        ...this.vhidLines,
      );
      if (v.protocol === "carp") {
        out.push(
          `password = "${v.password}"`,
          "advbase = 1",
          `advskew = ${v.preempt ? 10 + 20 * i : Math.max(0, 100 - 30 * i)}`,
          'up_script = "sim-up"',
          'down_script = "sim-down"',
        );
      } else {
        out.push(
          'protocol = "vrrp"',
          `priority = ${200 - 20 * i}`,
          "advert_interval = 1",
        );
      }
      out.push("");
    }
    out.push(
      "[[check]]",
      'name = "svc"',
      'command = ["sim-check", "svc"]',
      "interval = 1",
      "timeout = 1",
      "fall = 2",
      "rise = 2",
      "demote = 100",
      "vhids = [1]",
      "",
      "[[track_interface]]",
      'name = "eth1"',
      "demote = 50",
      "vhids = [1]",
    );
    const members = grouped.filter((id) => this.spec.some((v) => v.id === id));
    if (members.length > 0) {
      out.push(
        "",
        "[[group]]",
        'name = "g"',
        `vhids = ${JSON.stringify(members)}`,
        'notify = ["sim-notify"]',
      );
    }
    return out.join("\n") + "\n";
  }

  /** Starts the daemon (after a stop, a crash, or at boot). */
  async start(): Promise<void> {
    if (this.life === "starting" || this.life === "running") return;
    const inc = new Incarnation();
    this.#inc = inc;
    this.generation++;
    this.life = "starting";
    const log = createLogger({
      level: "info",
      journald: false,
      rawSink: (level, message) => {
        if (!inc.alive) return;
        const line = { at: this.#world.now(), level, message };
        this.lines.push(line);
        if (this.lines.length > KEPT_LINES) this.lines.shift();
        if (level === "error") this.errors.push(line);
      },
    });
    const load = () =>
      parseConfig(this.toml(), "sim.toml", () => new Uint8Array());
    try {
      const daemon = await Daemon.start({
        load,
        label: "sim.toml",
        config: load(),
        log,
        pid: 1000 + this.id,
        platform: (_log, _limiter, observer) =>
          simPlatform(this.#world, this.#lan, this.kernel, this, inc, observer),
      });
      if (!inc.alive) return;
      this.daemon = daemon;
      this.life = "running";
      this.startedAt = this.#world.now();
      daemon.run().then((code) => {
        if (!inc.alive) return;
        if (code !== 0) this.failures.push(`daemon exited ${code}`);
        inc.alive = false;
        this.daemon = null;
        this.life = "stopped";
        this.#closeSockets(inc);
      });
    } catch (e) {
      this.failure(e);
      this.life = "stopped";
    }
  }

  /** kill -9: nothing more of this daemon runs; its VIPs stay on the box. */
  crash(): void {
    const inc = this.#inc;
    if (inc === null || this.life === "stopped" || this.life === "crashed") {
      return;
    }
    inc.alive = false;
    this.#closeSockets(inc);
    this.daemon = null;
    this.life = "crashed";
  }

  /** SIGTERM. */
  term(): void {
    if (this.life !== "running" || this.daemon === null) return;
    this.life = "stopping";
    void this.daemon.stop("SIGTERM");
  }

  /** SIGHUP. */
  reload(): void {
    if (this.life === "running") void this.daemon?.reload();
  }

  /** Pauses the whole box (a VM stopped) for a while. */
  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.#world.now() + ms);
  }

  /** Whether the box runs nothing now. */
  get paused(): boolean {
    return this.pausedUntil > this.#world.now();
  }

  #closeSockets(inc: Incarnation): void {
    for (const s of inc.sockets) s.close();
    inc.sockets.length = 0;
  }
}
