/**
 * The injector: runs a campaign's schedule on the real group, each fault at
 * its time, healing it after its duration, as `test/sim/simulation.ts`
 * applies the same kinds to simulated boxes. The model (`world.ts`) is told
 * before anything breaks and after it is repaired. At the campaign's end
 * every fault still active heals at once and no new one starts.
 *
 * On a box busy with a fault (a crash-edit's box is chosen when it happens,
 * so the schedule cannot know it) a fault is skipped, and the timeline says
 * so.
 * @module
 */

import {
  type BoxSpec,
  EXTRA1,
  EXTRA2,
  SECOND2,
  type VhidId,
  vipsOf,
} from "./configs.ts";
import type { Conduct } from "./conduct.ts";
import type { Daemons } from "./daemons.ts";
import type { Delayer } from "./delayer.ts";
import { sendFlood } from "./flood.ts";
import type { Group } from "./group.ts";
import {
  type ChaosFault,
  describeChaosFault,
  isRollout,
  linkName,
  NODES,
} from "./schedule.ts";
import type { Timeline } from "./timeline.ts";
import type { World } from "./world.ts";

/** How long ucarp takes to work through a flood's backlog after it, ms. */
const UCARP_FLOOD_BACKLOG_MS = 3000;
/** After a crash-edit's restart, how long until the VIP is put back. */
const CRASH_EDIT_RESTORE_MS = 30_000;

/** A fault's end, run after its duration (or at once at the campaign's end). */
type Heal = () => Promise<void>;

/** What the injector works with. */
export interface InjectorOptions {
  group: Group;
  daemons: Daemons;
  world: World;
  timeline: Timeline;
  /** Campaign ms. */
  now: () => number;
  /** The campaign ms at which the schedule's time 0 falls. */
  offset: number;
  /** Told of each fault's span, to explain the errors it causes. */
  conduct: Conduct;
  /** Holds adverts back for the delay faults; `null`: none can. */
  delayer: Delayer | null;
  /** The box that is MASTER of a vhid now, from the latest sample. */
  masterOf: (vhid: VhidId) => number | null;
  /** A failure to apply a fault (the campaign's own, not carpd's). */
  failed: (t: number, text: string) => void;
}

/** The injector. */
export class Injector {
  readonly #o: InjectorOptions;
  readonly #busy = new Set<number>(); // boxes; -1 the network
  #ending = false;
  readonly #wakers = new Set<() => void>();
  #applied = 0;
  readonly #skipped: ChaosFault[] = [];
  #rollouts = 0;
  readonly #pending: Promise<void>[] = [];

  constructor(o: InjectorOptions) {
    this.#o = o;
  }

  /** How many faults were applied. */
  get applied(): number {
    return this.#applied;
  }

  /** The faults skipped because their box was busy with another. */
  get skipped(): readonly ChaosFault[] {
    return this.#skipped;
  }

  /**
   * Runs a schedule: resolves when every fault has ended (its heal done,
   * a crash-edit's VIP put back).
   */
  async run(schedule: readonly ChaosFault[]): Promise<void> {
    await Promise.all(schedule.map((f) => this.#one(f)));
    await Promise.all(this.#pending);
  }

  /** Ends the campaign: what is active heals now; nothing new starts. */
  end(): void {
    this.#ending = true;
    for (const wake of this.#wakers) wake();
    this.#wakers.clear();
  }

  async #one(f: ChaosFault): Promise<void> {
    await this.#sleepUntil(this.#o.offset + f.at);
    if (this.#ending) return;
    const o = this.#o;
    const s = f.sim;
    // A box has one fault at a time, the network one; a roll-out takes
    // every box that is free (a busy one is edited and reloaded all the same).
    const key = s.node < 0 ? -1 : s.node;
    if (!isRollout(s.kind) && this.#busy.has(key)) {
      o.timeline.add(
        o.now(),
        "fault",
        `skipped (busy): ${describeChaosFault(f)}`,
      );
      this.#skipped.push(f);
      return;
    }
    const claimed = isRollout(s.kind)
      ? [-1, 0, 1, 2].filter((k) => !this.#busy.has(k))
      : [key];
    for (const k of claimed) this.#busy.add(k);
    this.#applied++;
    o.world.faultStarts();
    o.timeline.add(o.now(), "fault", `start ${describeChaosFault(f)}`);
    const spans = claimed.map((box) =>
      o.conduct.faultStarted(box, s.kind, o.now())
    );
    try {
      const heal = await this.#start(f);
      if (heal !== null) {
        // Its end is the schedule's, however long applying it took.
        await this.#sleepUntil(o.offset + f.at + s.ms);
        await heal();
      }
      o.timeline.add(o.now(), "fault", `end   #${f.n} ${s.kind}`);
    } catch (e) {
      o.failed(
        o.now(),
        `could not apply fault #${f.n} (${s.kind}): ${
          e instanceof Error ? e.message : String(e)
        }`,
      );
    } finally {
      for (const k of claimed) this.#busy.delete(k);
      for (const span of spans) span.to = o.now();
      o.world.faultEnds();
    }
  }

  /** Starts a fault; returns how it ends, or `null` when it is over already. */
  async #start(f: ChaosFault): Promise<Heal | null> {
    const { group, daemons, world } = this.#o;
    const s = f.sim;
    const b = s.node;
    switch (s.kind) {
      case "loss":
        world.setNet({ loss: s.value });
        await this.#switch();
        return async () => {
          world.setNet({ loss: 0 });
          await this.#switch();
        };
      case "delay":
        return await this.#delay(s.value);
      case "partition": {
        world.setNet({ sides: partitionSides(s.value, NODES) });
        await this.#switch();
        return async () => {
          world.setNet({ sides: null });
          await this.#switch();
        };
      }
      case "flap":
        if (linkName(s.value) === "eth0") {
          world.set(b, { eth0: "cut" });
          await group.cut(b);
          return async () => {
            await group.plug(b);
            world.set(b, { eth0: "up" });
          };
        }
        world.set(b, { mv0: "down" });
        await group.setMacvlan(b, false);
        return async () => {
          await group.setMacvlan(b, true);
          world.set(b, { mv0: "up" });
        };
      case "recreate":
        if (linkName(s.value) === "eth0") {
          world.set(b, { eth0: "gone", mv0: "gone" });
          // ucarp exits when its interface goes (as ifupdown would start
          // it again with the interface, the heal does).
          daemons.ucarpLosesInterface(b);
          await group.deleteEth0(b);
          return async () => {
            await group.recreateEth0(b);
            world.set(b, { eth0: "up", mv0: "up" });
            daemons.start(b);
          };
        }
        world.set(b, { mv0: "gone" });
        await group.deleteMacvlan(b);
        return async () => {
          await group.createMacvlan(b);
          world.set(b, { mv0: "up" });
        };
      case "crash":
        daemons.kill(b);
        return () => Promise.resolve(daemons.start(b));
      case "term":
        await daemons.term(b);
        return () => Promise.resolve(daemons.start(b));
      case "stall":
        world.set(b, { stopped: true });
        daemons.pause(b, true);
        return () => {
          daemons.pause(b, false);
          world.set(b, { stopped: false });
          return Promise.resolve();
        };
      case "reload":
        await this.#reload(b, f.hups, f.hupGapMs);
        return null;
      case "check": {
        const service = daemons.paths(b).service;
        await Deno.remove(service).catch(() => {});
        return () => Deno.writeTextFile(service, "");
      }
      case "standby": {
        const error = await daemons.control(b, "standby");
        if (error !== null) this.#note(`box ${b}: standby refused: ${error}`);
        return async () => {
          const e = await daemons.control(b, "resume");
          if (e !== null) this.#note(`box ${b}: resume refused: ${e}`);
        };
      }
      case "firewall":
        world.set(b, { firewalled: true });
        await group.firewall(b, true);
        return async () => {
          await group.firewall(b, false);
          world.set(b, { firewalled: false });
        };
      case "flood":
        await this.#flood();
        return null;
      case "vip-reload":
        await this.#rollout(f, (vhid, spec) => {
          const extra = vhid === 1 ? EXTRA1 : EXTRA2;
          const list = vipsOf(spec, vhid);
          const next = list.includes(extra)
            ? list.filter((v) => v !== extra)
            : [...list, extra];
          if (vhid === 1) spec.vips1 = next;
          else spec.vips2 = next;
        });
        return null;
      case "password-rollout": {
        const password = `one-secret-${++this.#rollouts}`;
        await this.#rollout(f, (_vhid, spec) => {
          spec.password = password;
        });
        return null;
      }
      case "crash-edit":
        return await this.#crashEdit(b);
    }
  }

  /** SIGHUPs to a carpd that runs (one before its handler is in would kill it). */
  async #reload(b: number, hups: number, gapMs: number): Promise<void> {
    const { daemons, world } = this.#o;
    for (let i = 0; i < hups && !this.#ending; i++) {
      if (world.box(b).carpd !== "running") {
        this.#note(`box ${b}: no SIGHUP, carpd is ${world.box(b).carpd}`);
        return;
      }
      daemons.hup(b);
      if (i + 1 < hups) await this.#sleepUntil(this.#o.now() + gapMs);
    }
  }

  /**
   * Bad packets from the client, on the whole LAN (`inject.ts garbage`).
   * ucarp counts as swamped meanwhile, and while it works off the backlog.
   */
  async #flood(): Promise<void> {
    const { daemons, world } = this.#o;
    const ucarp = [0, 1, 2].filter((b) => daemons.isUcarp(b));
    for (const b of ucarp) world.set(b, { swamped: true });
    try {
      await this.#inject();
      if (ucarp.length > 0) {
        await this.#sleepUntil(this.#o.now() + UCARP_FLOOD_BACKLOG_MS);
      }
    } finally {
      for (const b of ucarp) world.set(b, { swamped: false });
    }
  }

  async #inject(): Promise<void> {
    const { group, daemons } = this.#o;
    const sent = await sendFlood(group, daemons.specs[0]!.password);
    this.#note(`flood sent ${sent}`);
  }

  /** Adverts between the boxes carried `ms` late (and jitter) for a while. */
  async #delay(ms: number): Promise<Heal | null> {
    const { world } = this.#o;
    const delayer = this.#o.delayer;
    if (delayer === null) {
      this.#note("delay not applied: no delayer on this machine");
      return null;
    }
    world.setNet({ delayMs: ms });
    try {
      await delayer.start(ms, ms / 4);
      await this.#switch();
    } catch (e) {
      world.setNet({ delayMs: 0 });
      await this.#switch().catch(() => {});
      await delayer.stop();
      throw e;
    }
    return async () => {
      world.setNet({ delayMs: 0 });
      await this.#switch();
      await delayer.stop();
    };
  }

  /**
   * The switch's rules from the network's condition. The model says a
   * network fault is on before the switch has it, and off after.
   */
  async #switch(): Promise<void> {
    const net = this.#o.world.net;
    await this.#o.group.setSwitch({
      loss: net.loss,
      sides: net.sides,
      delay: net.delayMs > 0,
    });
  }

  /**
   * A roll-out: every box's config edited and reloaded in turn, `value` ms
   * apart, the vhid's MASTER first or last. With ucarp on vhid 1 a VIP-list
   * roll-out edits vhid 2 (ucarp carries one VIP, and the HMAC covers the
   * list); ucarp takes a new password by restarting.
   */
  async #rollout(
    f: ChaosFault,
    edit: (vhid: VhidId, spec: BoxSpec) => void,
  ): Promise<void> {
    const { daemons } = this.#o;
    const ucarp = Array.from({ length: NODES }, (_, b) => b).some((b) =>
      daemons.isUcarp(b)
    );
    const vhid: VhidId = f.sim.kind === "vip-reload" && ucarp ? 2 : 1;
    const master = this.#o.masterOf(vhid);
    const rest = [0, 1, 2].filter((b) => b !== master);
    const drawn = master === null
      ? rest
      : f.order === "master-first"
      ? [master, ...rest]
      : [...rest, master];
    // ucarp has one key: the README has carpd's boxes go first, ucarp last.
    const order = vhid === 1
      ? [
        ...drawn.filter((b) => !daemons.isUcarp(b)),
        ...drawn.filter((b) => daemons.isUcarp(b)),
      ]
      : drawn;
    this.#note(
      `${f.sim.kind} on vhid ${vhid}: boxes ${order.join(", ")} (MASTER ${
        master ?? "unknown"
      })`,
    );
    for (let i = 0; i < order.length; i++) {
      const b = order[i]!;
      edit(vhid, daemons.specs[b]!);
      await daemons.writeConfig(b);
      if (vhid === 1 && daemons.isUcarp(b)) await daemons.restartUcarp(b);
      else if (this.#o.world.box(b).carpd === "running") daemons.hup(b);
      if (i + 1 < order.length) {
        await this.#sleepUntil(this.#o.now() + f.sim.value);
      }
    }
  }

  /**
   * kill -9 of vhid 2's MASTER (the drawn box when no other is free), its
   * config edited to drop vhid 2's second VIP meanwhile; restarted at the
   * fault's end, and the VIP put back (edit and reload) 30 s later.
   */
  async #crashEdit(drawn: number): Promise<Heal> {
    const { daemons, world } = this.#o;
    const master = this.#o.masterOf(2);
    const b = master !== null && !this.#busy.has(master) &&
        world.box(master).carpd === "running"
      ? master
      : drawn;
    if (b !== drawn) this.#busy.add(b);
    this.#note(
      `crash-edit hits box ${b} (vhid 2's MASTER: ${master ?? "none"})`,
    );
    daemons.kill(b, true);
    const spec = daemons.specs[b]!;
    spec.vips2 = spec.vips2.filter((v) => v !== SECOND2);
    await daemons.writeConfig(b);
    return () => {
      daemons.start(b);
      if (b !== drawn) this.#busy.delete(b);
      this.#o.world.faultStarts();
      this.#pending.push(
        this.#sleepUntil(this.#o.now() + CRASH_EDIT_RESTORE_MS).then(
          async () => {
            try {
              spec.vips2 = [
                ...spec.vips2.filter((v) => v !== SECOND2),
                SECOND2,
              ];
              await daemons.writeConfig(b);
              if (world.box(b).carpd === "running") daemons.hup(b);
              this.#note(
                `crash-edit: box ${b}'s ${SECOND2} is back in its config`,
              );
            } finally {
              this.#o.world.faultEnds();
            }
          },
        ),
      );
      return Promise.resolve();
    };
  }

  #note(text: string): void {
    this.#o.timeline.add(this.#o.now(), "note", text);
  }

  /** Sleeps until campaign ms `t`, or until the campaign ends. */
  #sleepUntil(t: number): Promise<void> {
    const ms = t - this.#o.now();
    if (this.#ending || ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.#wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.#wakers.add(wake);
    });
  }
}

/**
 * Which side of a partition each box is on, as the simulator splits them.
 *
 * @param value The fault's value.
 * @param nodes How many boxes.
 * @returns A side (0 or 1) per box.
 */
export function partitionSides(value: number, nodes: number): number[] {
  let split = value % (2 ** nodes);
  if (split === 0 || split === 2 ** nodes - 1) split = 1;
  return Array.from({ length: nodes }, (_, i) => (split >> i) & 1);
}
