/**
 * The whole daemon in a deterministic simulator: N boxes, each running the
 * real daemon composition (receiver, drivers, effects, health, hooks) on a
 * simulated kernel and LAN, all on one virtual clock; a seeded fault
 * schedule; the invariants (`invariants.ts`) checked after every step. The
 * same seed gives the same run, step for step, and the same summary line.
 */

import {
  describeFault,
  type Fault,
  type FaultKind,
  faultSchedule,
  formatTime,
} from "./faults.ts";
import { Invariants, SETTLE_MS } from "./invariants.ts";
import { Lan } from "./lan.ts";
import { GROUP_IDS, groupSpec, SimNode, type VhidSpec } from "./node.ts";
import { randomSource, VirtualClock } from "./virtual_clock.ts";

/** What to simulate. */
export interface SimOptions {
  seed: number;
  hours: number;
  nodes: number;
  /** The fault kinds drawn from. */
  kinds: readonly FaultKind[];
  /** Stop once this many violations were found (default 10). */
  stopAfter?: number;
  /** Every vhid's `rollout_window`, seconds (carpd's default when absent). */
  rolloutWindowS?: number;
  /**
   * vhids 1 (eth0) and 3 (eth1) in one `[[group]]` on every box (both then
   * preempt), judged by the group invariant as well.
   */
  groups?: boolean;
}

/** What came out. */
export interface SimResult {
  /** The summary line: simulated time, steps, faults, violations. */
  line: string;
  violations: string[];
  /** The faults that happened (up to the end, or the last violation). */
  faults: Fault[];
  /** Virtual ms simulated. */
  simulatedMs: number;
  steps: number;
  /** Each box's last log lines, for a failing run's report. */
  logs: string[][];
  /** Roll-outs on a settled group, watched whole (invariant 5). */
  rolloutsWatched: number;
}

/** A VIP each vhid's roll-outs add and take away again, by vhid id. */
const EXTRA_VIPS = ["10.0.0.101/24", "10.0.0.201/24", "2001:db8:1::101/64"];

/** The vhid a roll-out changes: any of the group's three. */
function rolledVhid(f: Fault): number {
  return (f.value % 3) + 1;
}

/**
 * Runs one simulation.
 *
 * @param o What to simulate.
 * @returns The summary and what was found.
 */
export async function simulate(o: SimOptions): Promise<SimResult> {
  const world = new World(o);
  return await world.run();
}

class World {
  readonly #o: SimOptions;
  readonly clock: VirtualClock;
  readonly lan: Lan;
  readonly nodes: SimNode[] = [];
  readonly #schedule: Fault[];
  readonly #invariants: Invariants;
  readonly #random: () => number;
  /** Faults active now (healing pending). */
  #active = 0;
  /** Network faults (loss, delay, partition) active now. */
  #network = 0;
  #quietSince: number | null = 0;
  #happened: Fault[] = [];
  #rollout = 0;

  constructor(o: SimOptions) {
    this.#o = o;
    this.clock = new VirtualClock(o.seed);
    this.#random = randomSource(o.seed ^ 0xfa17);
    this.lan = new Lan(this.clock, randomSource(o.seed ^ 0x1a4));
    for (let i = 0; i < o.nodes; i++) {
      const node = new SimNode(i, this.clock, this.lan, groupSpec());
      if (o.rolloutWindowS !== undefined) {
        node.vhidLines = [`rollout_window = ${o.rolloutWindowS}`];
      }
      node.grouped = o.groups === true ? GROUP_IDS : null;
      this.nodes.push(node);
    }
    this.#schedule = faultSchedule(o.seed, o.hours, o.nodes, o.kinds);
    this.#invariants = new Invariants(
      this.nodes,
      {
        now: () => this.clock.now(),
        calm: () => this.#network === 0,
        together: (a, b, ifname) =>
          (this.lan.partition.get(a.id) ?? 0) ===
            (this.lan.partition.get(b.id) ?? 0) &&
          (a.kernel.byName(ifname)?.up ?? false) &&
          (b.kernel.byName(ifname)?.up ?? false) &&
          !this.lan.firewalled.has(a.id) && !this.lan.firewalled.has(b.id),
      },
      groupSpec().map((v) => v.id),
      o.groups === true ? GROUP_IDS : null,
    );
  }

  async run(): Promise<SimResult> {
    const end = this.#o.hours * 3_600_000;
    const stopAfter = this.#o.stopAfter ?? 10;
    this.nodes.forEach((n, i) => this.clock.after(i * 7, () => void n.start()));
    for (const f of this.#schedule) {
      this.clock.at(f.at, () => this.#apply(f));
    }
    const violations = this.#invariants.violations;
    let stoppedAt = end;
    const steps = await this.clock.runUntil(end, 1e9, () => {
      this.#invariants.check(this.#quietSince);
      if (violations.length >= stopAfter) {
        stoppedAt = this.clock.now();
        return false;
      }
    });
    const simulated = Math.min(stoppedAt, end);
    const line = `simulated ${
      formatTime(simulated)
    } on ${this.#o.nodes} boxes, seed ${this.#o.seed}, steps ${steps}, faults ${this.#happened.length}, violations=${violations.length}`;
    return {
      line,
      violations: [...violations],
      faults: this.#happened,
      simulatedMs: simulated,
      steps,
      rolloutsWatched: this.#invariants.rolloutsWatched,
      logs: this.nodes.map((n) =>
        n.lines.map((l) => `${formatTime(l.at)} ${l.level} ${l.message}`)
      ),
    };
  }

  /** A fault starts; its end is scheduled. */
  #apply(f: Fault): void {
    this.#happened.push(f);
    this.#invariants.faultStarted();
    const network = f.node < 0 ? 1 : 0;
    const heal = this.#start(f);
    if (heal === null) return;
    this.#active++;
    this.#network += network;
    this.#quietSince = null;
    this.clock.after(f.ms, () => {
      heal();
      this.#active--;
      this.#network -= network;
      if (this.#active === 0) this.#quietSince = this.clock.now();
    });
  }

  /** Starts a fault; returns how it ends, or `null` for a moment's fault. */
  #start(f: Fault): (() => void) | null {
    const node = this.nodes[f.node];
    const lan = this.lan;
    switch (f.kind) {
      case "loss":
        lan.conditions = { ...lan.conditions, loss: f.value };
        return () => lan.conditions = { ...lan.conditions, loss: 0 };
      case "delay":
        lan.conditions = {
          ...lan.conditions,
          delayMs: f.value,
          jitterMs: f.value / 4,
        };
        return () =>
          lan.conditions = { ...lan.conditions, delayMs: 0.2, jitterMs: 0.3 };
      case "partition": {
        const n = this.nodes.length;
        let split = f.value % (2 ** n);
        if (split === 0 || split === 2 ** n - 1) split = 1;
        for (let i = 0; i < n; i++) lan.partition.set(i, (split >> i) & 1);
        return () => lan.partition.clear();
      }
      case "flap":
        node!.kernel.setUp(`eth${f.value}`, false);
        return () => node!.kernel.setUp(`eth${f.value}`, true);
      case "recreate":
        node!.kernel.deleteLink(`eth${f.value}`);
        return () => node!.createLink(`eth${f.value}`);
      case "crash":
        node!.crash();
        return () => void node!.start();
      case "term":
        node!.term();
        return () => this.#startWhenStopped(node!);
      case "stall":
        node!.pause(f.ms);
        return () => {};
      case "reload":
        node!.reload();
        return null;
      case "check":
        node!.checks.set("svc", false);
        return () => node!.checks.set("svc", true);
      case "standby":
        node!.daemon?.standby();
        return () => node!.daemon?.resume();
      case "firewall":
        lan.firewalled.add(node!.id);
        return () => lan.firewalled.delete(node!.id);
      case "flood":
        lan.inject(node!.id, "eth0", this.#garbage(200));
        return null;
      case "vip-reload": {
        const id = rolledVhid(f);
        const extra = EXTRA_VIPS[id - 1]!;
        this.#rollOut(f, id, (v) =>
          v.id !== id ? v : {
            ...v,
            vips: v.vips.includes(extra)
              ? v.vips.filter((x) => x !== extra)
              : [...v.vips, extra],
          });
        return null;
      }
      case "password-rollout": {
        const id = rolledVhid(f);
        this.#rollout++;
        this.#rollOut(
          f,
          id,
          (v) =>
            v.id !== id ? v : { ...v, password: `secret-${this.#rollout}` },
        );
        return null;
      }
      case "crash-edit": {
        // Killed; vhid 2 dropped from its config meanwhile; started again;
        // 30 s later vhid 2 is back in its config and it reloads.
        node!.crash();
        return () => {
          node!.spec = node!.spec.filter((v) => v.id !== 2);
          void node!.start();
          this.#busy(30_000, () => {
            // Back as the rest of the group has it (a roll-out may have
            // changed it since the start).
            node!.spec = groupSpec().map((g) =>
              node!.spec.find((v) => v.id === g.id) ??
                this.nodes.map((n) => n.spec.find((v) => v.id === g.id))
                  .find((v) => v !== undefined) ??
                g
            );
            node!.reload();
          });
        };
      }
    }
  }

  /** Something more happens after a while, and counts as a fault until then. */
  #busy(ms: number, then: () => void): void {
    this.#active++;
    this.#quietSince = null;
    this.clock.after(ms, () => {
      then();
      this.#active--;
      if (this.#active === 0) this.#quietSince = this.clock.now();
    });
  }

  /**
   * Applies a config change to every box, one after the other, reloading
   * each; the roll-out counts as a fault until the last box has reloaded.
   */
  #rollOut(f: Fault, id: number, edit: (v: VhidSpec) => VhidSpec): void {
    const settled = this.#quietSince !== null &&
      this.clock.now() - this.#quietSince >= SETTLE_MS;
    const spec = this.nodes.map((n) => n.spec.find((v) => v.id === id))
      .find((v) => v !== undefined);
    if (settled && spec !== undefined) {
      const after = edit(spec).vips;
      this.#invariants.rolloutStarted(
        id,
        spec.vips.filter((v) => after.includes(v)),
      );
    }
    this.#active++;
    this.#quietSince = null;
    // Box by box from the one the fault names: MASTER first or BACKUP first.
    const n = this.nodes.length;
    for (let k = 0; k < n; k++) {
      const node = this.nodes[(f.node + k) % n]!;
      this.clock.after(k * f.value, () => {
        node.spec = node.spec.map(edit);
        node.reload();
        if (k === n - 1) {
          this.#active--;
          if (this.#active === 0) this.#quietSince = this.clock.now();
          this.#invariants.rolloutEnded(id);
        }
      });
    }
  }

  /** SIGTERM's daemon may still be stopping when the box comes back. */
  #startWhenStopped(node: SimNode): void {
    if (node.life === "stopping") {
      this.clock.after(100, () => this.#startWhenStopped(node));
      return;
    }
    void node.start();
  }

  /** Packets of random bytes, some with a plausible IPv4 header. */
  #garbage(n: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (let i = 0; i < n; i++) {
      const p = new Uint8Array(20 + Math.floor(this.#random() * 60));
      for (let j = 0; j < p.length; j++) {
        p[j] = Math.floor(this.#random() * 256);
      }
      if (i % 2 === 0) {
        p[0] = 0x45;
        p[8] = 255;
        p[9] = 112;
      }
      out.push(p);
    }
    return out;
  }
}

/**
 * A failing run, for a person: the violations, then the faults that led to
 * them.
 *
 * @param r The result.
 * @returns The lines.
 */
export function report(r: SimResult): string[] {
  return [
    "violations:",
    ...r.violations.map((v) => `  ${v}`),
    "fault schedule up to there:",
    ...r.faults.map((f) => `  ${describeFault(f)}`),
    ...r.logs.flatMap((lines, i) => [
      `box ${i}'s last log lines:`,
      ...lines.slice(-40).map((l) => `  ${l}`),
    ]),
  ];
}
