/**
 * A deterministic in-memory CARP LAN: N nodes run the real state machine for
 * any number of vhids, adverts travel with delay, jitter and loss, and links
 * can be partitioned. Time is simulated, so minutes run in milliseconds.
 */

import {
  type ElectionConfig,
  initialState,
  type StateName,
  step,
  type VhidAction,
  type VhidEvent,
  type VhidState,
} from "../../src/fsm/mod.ts";
import { randomSource } from "./virtual_clock.ts";

/** Network behaviour. */
export interface LanOptions {
  /** One-way delay in ms. */
  delayMs: number;
  /** Extra uniform random delay in ms. */
  jitterMs: number;
  /** Probability that one delivery is lost. */
  loss: number;
  /** Seed of the deterministic random source. */
  seed: number;
}

/** A transition seen in the simulation. */
export interface SimTransition {
  time: number;
  node: number;
  vhid: number;
  from: StateName;
  to: StateName;
}

/** An advert put on the wire. */
export interface SimAdvert {
  time: number;
  node: number;
  vhid: number;
  advbase: number;
  advskew: number;
}

interface Pending {
  time: number;
  seq: number;
  node: number;
  vhid: number;
  /** A timer generation, or the advert delivered. */
  timer?: number;
  event?: VhidEvent;
}

/** Binary min-heap on (time, seq). */
class EventQueue {
  #items: Pending[] = [];

  get size(): number {
    return this.#items.length;
  }

  peekTime(): number {
    return this.#items[0]?.time ?? Infinity;
  }

  push(p: Pending): void {
    const a = this.#items;
    let i = a.length;
    a.push(p);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(p, a[parent]!)) break;
      a[i] = a[parent]!;
      i = parent;
    }
    a[i] = p;
  }

  pop(): Pending | undefined {
    const a = this.#items;
    const top = a[0];
    const last = a.pop();
    if (a.length === 0 || last === undefined) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= a.length) break;
      const r = l + 1;
      const m = r < a.length && before(a[r]!, a[l]!) ? r : l;
      if (!before(a[m]!, last)) break;
      a[i] = a[m]!;
      i = m;
    }
    a[i] = last;
    return top;
  }
}

function before(x: Pending, y: Pending): boolean {
  return x.time < y.time || (x.time === y.time && x.seq < y.seq);
}

interface SimVhid {
  state: VhidState;
  /** When the state machine wants its next timer event. */
  deadline: number | null;
  /** Generation of the one queued timer entry that counts. */
  generation: number;
  /** Time of that entry, or `null` when none is queued. */
  queuedAt: number | null;
}

interface SimNode {
  alive: boolean;
  group: number;
  vhids: Map<number, SimVhid>;
}

/** The simulated LAN and its nodes. */
export class Cluster {
  #watched: number | null = null;
  #mostMasters = 0;
  #firstDouble: number | null = null;
  now = 0;
  readonly transitions: SimTransition[] = [];
  readonly adverts: SimAdvert[] = [];
  /** Keep every advert in {@linkcode adverts} (off for big runs). */
  recordAdverts = true;
  readonly #nodes: SimNode[] = [];
  readonly #configs: ElectionConfig[][];
  readonly #queue = new EventQueue();
  readonly #lan: LanOptions;
  readonly #random: () => number;
  #seq = 0;
  #processed = 0;

  /**
   * @param configs One list of vhid configs per node.
   * @param lan Network behaviour.
   */
  constructor(configs: ElectionConfig[][], lan: Partial<LanOptions> = {}) {
    this.#lan = { delayMs: 1, jitterMs: 0, loss: 0, seed: 1, ...lan };
    this.#random = randomSource(this.#lan.seed);
    this.#configs = configs;
    for (let n = 0; n < configs.length; n++) {
      this.#nodes.push({ alive: false, group: 0, vhids: new Map() });
    }
  }

  /** Events handled so far. */
  get processed(): number {
    return this.#processed;
  }

  /** Starts (or restarts) a node: every vhid from INIT. */
  start(node: number): void {
    const n = this.#nodes[node]!;
    n.alive = true;
    n.vhids.clear();
    for (const c of this.#configs[node]!) {
      const counter = BigInt(Math.floor(this.#random() * 2 ** 32));
      n.vhids.set(c.vhid, {
        state: initialState(c, counter),
        deadline: null,
        generation: 0,
        queuedAt: null,
      });
      this.#feed(node, c.vhid, { type: "start" });
    }
  }

  /** Starts every node. */
  startAll(): void {
    this.#nodes.forEach((_, i) => this.start(i));
  }

  /** Kills a node silently (power cut: no bow-out). */
  kill(node: number): void {
    this.#nodes[node]!.alive = false;
  }

  /** Feeds an event to every vhid of a node (stop, standby, demotion...). */
  signal(node: number, event: VhidEvent, vhid?: number): void {
    const n = this.#nodes[node]!;
    for (const id of n.vhids.keys()) {
      if (vhid === undefined || vhid === id) this.#feed(node, id, event);
    }
  }

  /** Puts nodes in partition groups; nodes hear only their own group. */
  partition(groups: number[][]): void {
    groups.forEach((g, i) => g.forEach((n) => this.#nodes[n]!.group = i + 1));
  }

  /** Removes every partition. */
  heal(): void {
    for (const n of this.#nodes) n.group = 0;
  }

  /**
   * From now on, checks after every event that at most one node is MASTER
   * for `vhid`; {@linkcode mostMasters} says the most seen at once.
   */
  watchMasters(vhid: number): void {
    this.#watched = vhid;
    this.#mostMasters = this.masters(vhid).length;
    this.#firstDouble = null;
  }

  /** The most nodes MASTER at once since {@linkcode watchMasters}. */
  get mostMasters(): number {
    return this.#mostMasters;
  }

  /** When two nodes were first MASTER at once while watched, or `null`. */
  get firstDouble(): number | null {
    return this.#firstDouble;
  }

  /** Runs the simulation up to time `t`. */
  runUntil(t: number): void {
    while (this.#queue.peekTime() <= t) {
      const p = this.#queue.pop()!;
      this.now = p.time;
      const node = this.#nodes[p.node]!;
      if (!node.alive) continue;
      const v = node.vhids.get(p.vhid);
      if (v === undefined) continue;
      this.#processed++;
      if (p.timer !== undefined) {
        if (p.timer !== v.generation) continue; // superseded
        v.queuedAt = null;
        if (v.deadline !== null && v.deadline <= this.now) {
          this.#feed(p.node, p.vhid, { type: "timer" });
        } else {
          this.#arm(p.node, p.vhid, v);
        }
      } else if (p.event !== undefined) {
        this.#feed(p.node, p.vhid, p.event);
      }
      if (this.#watched !== null) {
        const n = this.masters(this.#watched).length;
        if (n > this.#mostMasters) this.#mostMasters = n;
        if (n > 1 && this.#firstDouble === null) this.#firstDouble = this.now;
      }
    }
    this.now = t;
  }

  /** Runs for `ms` more milliseconds. */
  runFor(ms: number): void {
    this.runUntil(this.now + ms);
  }

  /** The state of one vhid on one node. */
  stateOf(node: number, vhid: number): StateName {
    const n = this.#nodes[node]!;
    return n.alive ? n.vhids.get(vhid)?.state.state ?? "INIT" : "INIT";
  }

  /** Nodes currently MASTER for a vhid. */
  masters(vhid: number): number[] {
    return this.#nodes.flatMap((_, i) =>
      this.stateOf(i, vhid) === "MASTER" ? [i] : []
    );
  }

  /** Last advert a node sent for a vhid at or before now. */
  lastAdvert(node: number, vhid: number): SimAdvert | undefined {
    return this.adverts.findLast((a) => a.node === node && a.vhid === vhid);
  }

  #feed(node: number, vhid: number, event: VhidEvent): void {
    const v = this.#nodes[node]!.vhids.get(vhid)!;
    const r = step(v.state, event, this.now);
    v.state = r.state;
    for (const a of r.actions) this.#act(node, vhid, a);
    v.deadline = r.deadline;
    this.#arm(node, vhid, v);
  }

  /**
   * Queues a timer entry unless one already fires at or before the deadline
   * (it re-arms when it finds the deadline moved later). Backups move their
   * deadline on every advert, so this keeps the queue small.
   */
  #arm(node: number, vhid: number, v: SimVhid): void {
    if (v.deadline === null) return;
    if (v.queuedAt !== null && v.queuedAt <= v.deadline) return;
    v.generation++;
    v.queuedAt = Math.max(v.deadline, this.now);
    this.#push({ time: v.queuedAt, node, vhid, timer: v.generation });
  }

  #act(node: number, vhid: number, a: VhidAction): void {
    if (a.type === "transition") {
      this.transitions.push({
        time: this.now,
        node,
        vhid,
        from: a.from,
        to: a.to,
      });
    } else if (a.type === "send_advert" && a.advert.protocol === "carp") {
      if (this.recordAdverts) {
        this.adverts.push({
          time: this.now,
          node,
          vhid,
          advbase: a.advert.advbase,
          advskew: a.advert.advskew,
        });
      }
      this.#broadcast(node, vhid, a);
    }
  }

  #broadcast(
    from: number,
    vhid: number,
    a: Extract<VhidAction, { type: "send_advert" }>,
  ): void {
    const sender = this.#nodes[from]!;
    const source = sender.vhids.get(vhid)!.state.config.source;
    this.#nodes.forEach((n, to) => {
      if (to === from || !n.alive || n.group !== sender.group) return;
      if (this.#lan.loss > 0 && this.#random() < this.#lan.loss) return;
      const delay = this.#lan.delayMs + this.#random() * this.#lan.jitterMs;
      this.#push({
        time: this.now + delay,
        node: to,
        vhid,
        event: { type: "advert", source, advert: a.advert },
      });
    });
  }

  #push(p: Omit<Pending, "seq">): void {
    (p as Pending).seq = this.#seq++;
    this.#queue.push(p as Pending);
  }
}
