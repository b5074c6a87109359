/**
 * The sampler: every {@linkcode SAMPLE_MS}, who holds what (`ip -j addr` in
 * each box's namespace) and what each carpd says (`status` through its
 * control socket, the contract `carpd status --json` prints), with the
 * campaign's model of the boxes as it stood for the whole sample: a box
 * whose health changed while it was being sampled counts as unhealthy in
 * that sample.
 * @module
 */

import type { Status } from "../../src/control/mod.ts";
import type { BoxSpec } from "./configs.ts";
import type { Daemons } from "./daemons.ts";
import type { Addresses, Group } from "./group.ts";
import type { World, WorldView } from "./world.ts";

/** How often the group is sampled, ms. */
export const SAMPLE_MS = 100;
/** How long a status request may take before the sample goes without it. */
const STATUS_TIMEOUT_MS = 400;

/** One box in a sample. */
export interface BoxSample {
  /** Addresses by interface; `null` when they could not be read. */
  addrs: Addresses | null;
  /** carpd's status; `null` when it did not answer (or was not asked). */
  status: Status | null;
}

/** One sample. */
export interface Sample {
  /** Campaign ms when it started. */
  t: number;
  /** The model, as it held for the whole sample. */
  world: WorldView;
  boxes: BoxSample[];
  /** Each box's config as it stood when the sample started. */
  specs: BoxSpec[];
}

/** The sampler. */
export class Sampler {
  readonly #group: Group;
  readonly #daemons: Daemons;
  readonly #world: World;
  readonly #now: () => number;
  #count = 0;

  constructor(group: Group, daemons: Daemons, world: World, now: () => number) {
    this.#group = group;
    this.#daemons = daemons;
    this.#world = world;
    this.#now = now;
  }

  /** How many samples were taken. */
  get count(): number {
    return this.#count;
  }

  /**
   * Takes samples until `done()` says so (checked before each).
   *
   * @param done Whether to stop.
   * @param each Called with every sample, in order.
   */
  async run(done: () => boolean, each: (s: Sample) => void): Promise<void> {
    let next = this.#now();
    // Bounded by `done`, and by a count no campaign reaches (48 hours).
    for (let i = 0; i < 48 * 36_000 && !done(); i++) {
      const wait = next - this.#now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const s = await this.take();
      this.#count++;
      each(s);
      // Late (a slow status, a busy machine): the next sample goes at once.
      next = Math.max(next + SAMPLE_MS, this.#now());
    }
  }

  /** Takes one sample. */
  async take(): Promise<Sample> {
    const before = this.#world.view();
    const specs = this.#daemons.specs.map((p) => ({
      vips1: [...p.vips1],
      vips2: [...p.vips2],
      password: p.password,
      rolloutWindow: p.rolloutWindow,
    }));
    const boxes = await Promise.all(
      before.boxes.map(async (c, b): Promise<BoxSample> => {
        const ask = (c.carpd === "running" || c.carpd === "starting") &&
          !c.stopped;
        const [addrs, status] = await Promise.all([
          this.#group.addresses(b),
          ask ? this.#daemons.status(b, STATUS_TIMEOUT_MS) : null,
        ]);
        if (status !== null) this.#daemons.answered(b, status.pid);
        return { addrs, status };
      }),
    );
    const after = this.#world.view();
    return { t: before.t, world: steady(before, after), boxes, specs };
  }
}

/**
 * The model as it held from `before` to `after`: `after`, with a box's
 * health kept only if it held already at `before`.
 */
function steady(before: WorldView, after: WorldView): WorldView {
  const healthySince = new Map<string, number>();
  for (const [key, since] of after.healthySince) {
    if (before.healthySince.get(key) === since) healthySince.set(key, since);
  }
  return { ...after, t: before.t, healthySince };
}
