/**
 * What the campaign has done to the group, as the invariants need it: for
 * each box whether its daemons run or are stopped, whether its links are up
 * and its adverts leave; for the network whether it is calm (no loss, delay
 * or partition) and which boxes hear each other; whether any fault is active.
 * The injector marks a box unhealthy before it breaks something and healthy
 * again only once it has repaired it, so the model never calls a box
 * healthy that is not.
 *
 * A box is healthy for a vhid when the daemon that runs the vhid on it runs
 * (carpd answering its control socket, or ucarp), is not stopped (SIGSTOP),
 * the vhid's link is up and its adverts are not dropped by an injected
 * firewall rule (and, for ucarp, it is not swamped by a flood).
 * @module
 */

import { linkOf, type VhidId, VHIDS } from "./configs.ts";

/** Where a daemon is in its life. */
export type DaemonLife = "starting" | "running" | "stopping" | "dead";

/** One box's condition. */
export interface BoxCondition {
  /** carpd. */
  carpd: DaemonLife;
  /** ucarp on the ucarp box (vhid 1); `null` elsewhere. */
  ucarp: DaemonLife | null;
  /** Its daemons are stopped (SIGSTOP). */
  stopped: boolean;
  /** eth0: up, cable cut, or deleted. */
  eth0: "up" | "cut" | "gone";
  /** mv0: up, set down, or deleted. */
  mv0: "up" | "down" | "gone";
  /** Its outgoing adverts are dropped. */
  firewalled: boolean;
  /**
   * ucarp is busy with a flood of bad packets: it reads every packet
   * through libpcap and logs each bad one, so it answers late during a
   * flood and for a while after (carpd is judged through floods).
   */
  swamped: boolean;
}

/** The network's condition. */
export interface NetCondition {
  loss: number;
  /** Each box's side of a partition, or `null`. */
  sides: number[] | null;
  /** Adverts held back by this many ms, 0 for none. */
  delayMs: number;
}

/** A frozen copy of the model at one moment. */
export interface WorldView {
  /** Campaign ms. */
  t: number;
  boxes: readonly Readonly<BoxCondition>[];
  net: Readonly<NetCondition>;
  /** Per box and vhid (`"0/1"`): since when it has been healthy, or absent. */
  healthySince: ReadonlyMap<string, number>;
  /** Since when the network has been calm, or `null` while it is not. */
  calmSince: number | null;
  /**
   * Per pair of boxes (`"0/2"`, lower first): since when the network has
   * carried their adverts to each other (no loss, no delay, the same side
   * of a partition); absent while it does not.
   */
  linkedSince: ReadonlyMap<string, number>;
  /** Since when no fault has been active, or `null` while one is. */
  quietSince: number | null;
  /** Boxes whose carpd was asked to stop (SIGTERM) and may still be releasing. */
  terminating: ReadonlySet<number>;
}

/** The live model. */
export class World {
  readonly #now: () => number;
  readonly #boxes: BoxCondition[];
  #net: NetCondition = { loss: 0, sides: null, delayMs: 0 };
  readonly #healthySince = new Map<string, number>();
  #calmSince: number | null;
  readonly #linkedSince = new Map<string, number>();
  #quietSince: number | null;
  #active = 0;
  readonly #terminating = new Set<number>();

  /**
   * @param boxes How many boxes.
   * @param ucarpBox The box that runs ucarp, or `null`.
   * @param now Campaign ms.
   */
  constructor(boxes: number, ucarpBox: number | null, now: () => number) {
    this.#now = now;
    this.#boxes = Array.from({ length: boxes }, (_, b) => ({
      carpd: "dead",
      ucarp: b === ucarpBox ? "dead" : null,
      stopped: false,
      eth0: "up",
      mv0: "up",
      firewalled: false,
      swamped: false,
    }));
    this.#calmSince = now();
    this.#quietSince = now();
    this.#relink();
  }

  /** A box's condition now. */
  box(b: number): Readonly<BoxCondition> {
    return this.#boxes[b]!;
  }

  /** Changes a box's condition. */
  set(b: number, patch: Partial<BoxCondition>): void {
    Object.assign(this.#boxes[b]!, patch);
    this.#refresh();
  }

  /** Changes the network's condition. */
  setNet(patch: Partial<NetCondition>): void {
    Object.assign(this.#net, patch);
    const calm = this.#net.loss === 0 && this.#net.sides === null &&
      this.#net.delayMs === 0;
    if (!calm) this.#calmSince = null;
    else if (this.#calmSince === null) this.#calmSince = this.#now();
    this.#relink();
  }

  /** Pairs the network joins keep their time; others lose or gain one. */
  #relink(): void {
    const boxes = this.#boxes.length;
    for (let a = 0; a < boxes; a++) {
      for (let b = a + 1; b < boxes; b++) {
        const key = `${a}/${b}`;
        if (!linked(this.#net, a, b)) this.#linkedSince.delete(key);
        else if (!this.#linkedSince.has(key)) {
          this.#linkedSince.set(key, this.#now());
        }
      }
    }
  }

  /** The network now. */
  get net(): Readonly<NetCondition> {
    return this.#net;
  }

  /** Marks box `b`'s carpd as asked to stop, or done stopping. */
  terminating(b: number, on: boolean): void {
    if (on) this.#terminating.add(b);
    else this.#terminating.delete(b);
  }

  /** A fault starts. */
  faultStarts(): void {
    this.#active++;
    this.#quietSince = null;
  }

  /** A fault ends. */
  faultEnds(): void {
    this.#active = Math.max(0, this.#active - 1);
    if (this.#active === 0) this.#quietSince = this.#now();
  }

  /** How many faults are active. */
  get active(): number {
    return this.#active;
  }

  /** Whether box `b` is healthy for a vhid now. */
  healthy(b: number, vhid: VhidId): boolean {
    return isHealthy(this.#boxes[b]!, vhid);
  }

  /** A frozen copy. */
  view(): WorldView {
    return {
      t: this.#now(),
      boxes: this.#boxes.map((c) => ({ ...c })),
      net: { ...this.#net, sides: this.#net.sides?.slice() ?? null },
      healthySince: new Map(this.#healthySince),
      calmSince: this.#calmSince,
      linkedSince: new Map(this.#linkedSince),
      quietSince: this.#quietSince,
      terminating: new Set(this.#terminating),
    };
  }

  #refresh(): void {
    const now = this.#now();
    this.#boxes.forEach((c, b) => {
      for (const vhid of VHIDS) {
        const key = `${b}/${vhid}`;
        if (!isHealthy(c, vhid)) this.#healthySince.delete(key);
        else if (!this.#healthySince.has(key)) {
          this.#healthySince.set(key, now);
        }
      }
    });
  }
}

/** Whether a box in this condition is healthy for a vhid. */
export function isHealthy(c: Readonly<BoxCondition>, vhid: VhidId): boolean {
  const ucarp = vhid === 1 && c.ucarp !== null;
  if (ucarp && c.swamped) return false;
  const daemon = ucarp ? c.ucarp : c.carpd;
  const linkUp = c.eth0 === "up" && (linkOf(vhid) === "eth0" || c.mv0 === "up");
  return daemon === "running" && !c.stopped && linkUp && !c.firewalled;
}

/**
 * Whether two boxes hear each other's adverts in a view: a calm network
 * (a partition only separates the boxes on different sides).
 */
export function together(w: WorldView, a: number, b: number): boolean {
  return linked(w.net, a, b);
}

function linked(net: Readonly<NetCondition>, a: number, b: number): boolean {
  if (net.loss > 0 || net.delayMs > 0) return false;
  return net.sides === null || net.sides[a] === net.sides[b];
}

/**
 * Since when two boxes have heard each other (both healthy for the vhid,
 * on a network that lets their adverts through), or `null`.
 */
export function togetherSince(
  w: WorldView,
  a: number,
  b: number,
  vhid: VhidId,
): number | null {
  const ha = w.healthySince.get(`${a}/${vhid}`);
  const hb = w.healthySince.get(`${b}/${vhid}`);
  const linkedAt = w.linkedSince.get(a < b ? `${a}/${b}` : `${b}/${a}`);
  if (ha === undefined || hb === undefined || linkedAt === undefined) {
    return null;
  }
  // Loss ended, a partition healed: what they did before does not count.
  return Math.max(ha, hb, linkedAt);
}
