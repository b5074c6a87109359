/**
 * Who may hold a VIP, checked at every sample:
 * - a box holds a VIP only while its vhid is MASTER or inside its
 *   make-before-break release (a box whose daemon was killed or stopped is
 *   not judged until it runs again; a box whose carpd stopped gracefully
 *   holds none), and holds no address that no vhid of its config has;
 * - never two healthy boxes that hear each other hold a VIP at once for
 *   longer than a round trip ({@linkcode DOUBLE_HOLD_MS}), counted from
 *   when both had been healthy, on a network that lets their adverts
 *   through, for one advert interval (the time to hear each other).
 * @module
 */

import {
  advertIntervalMs,
  masterDownMs,
  type VhidId,
  VHIDS,
} from "./configs.ts";
import {
  configured,
  DOUBLE_HOLD_MS,
  EDIT_GRACE_MS,
  HELD_GRACE_MS,
  holders,
  holds,
  isOwn,
  releasing,
  type Reporter,
  timing,
  UCARP_LAG_MS,
  vhidOnLink,
  vhidStatus,
} from "./observe.ts";
import type { Sample } from "./sampler.ts";
import { togetherSince } from "./world.ts";

/** How long after a graceful stop the box must hold none of its VIPs. */
const STOPPED_GRACE_MS = 500;

/** A box holds a VIP only while it is MASTER (or releasing), and only its own vhids'. */
export class HeldOnlyByMasters {
  readonly #r: Reporter;
  readonly #ucarpBox: number | null;
  /** Per box and address: when its config last listed it. */
  readonly #lastOwned = new Map<string, number>();
  /** Per box and address: since when it is held while the vhid is not MASTER. */
  readonly #notMasterSince = new Map<string, number>();
  /** Per box and daemon: since when it runs. */
  readonly #runningSince = new Map<string, number>();
  /** Boxes whose carpd stopped gracefully, and when. */
  readonly #stopped = new Map<number, number>();

  constructor(r: Reporter, ucarpBox: number | null) {
    this.#r = r;
    this.#ucarpBox = ucarpBox;
  }

  /** Box `b`'s carpd exited after SIGTERM, with 0, at `t`. */
  stoppedGracefully(b: number, t: number): void {
    this.#stopped.set(b, t);
  }

  /** Checks one sample. */
  check(s: Sample): void {
    const seen = new Set<string>();
    s.world.boxes.forEach((c, b) => {
      for (const name of ["carpd", "ucarp"] as const) {
        const key = `${b}/${name}`;
        if (c[name] === "running") {
          if (!this.#runningSince.has(key)) this.#runningSince.set(key, s.t);
        } else this.#runningSince.delete(key);
      }
      this.#afterStop(s, b);
      const addrs = s.boxes[b]!.addrs;
      if (addrs === null || c.stopped) return;
      for (const [link, list] of addrs) {
        const vhid = vhidOnLink(link);
        if (vhid === null) continue;
        for (const a of list) {
          if (isOwn(b, a)) continue;
          const key = `${b}/${a}`;
          seen.add(key);
          this.#one(s, b, vhid, link, a, key);
        }
      }
    });
    for (const key of this.#notMasterSince.keys()) {
      if (!seen.has(key)) {
        this.#notMasterSince.delete(key);
        this.#r.close(`held:${key}`);
      }
    }
    for (const key of this.#lastOwned.keys()) {
      if (!seen.has(key)) this.#r.close(`orphan:${key}`);
    }
  }

  #one(
    s: Sample,
    b: number,
    vhid: VhidId,
    link: string,
    a: string,
    key: string,
  ): void {
    const ucarp = vhid === 1 && b === this.#ucarpBox;
    const since = this.#runningSince.get(`${b}/${ucarp ? "ucarp" : "carpd"}`);
    if (since === undefined) return; // killed or starting: judged once it runs
    if (configured(s.specs[b]!, vhid).includes(a)) {
      this.#lastOwned.set(key, s.t);
      this.#r.close(`orphan:${key}`);
    } else {
      const from = Math.max(this.#lastOwned.get(key) ?? -Infinity, since);
      if (s.t - from > EDIT_GRACE_MS) {
        this.#r.report(
          `orphan:${key}`,
          s.t,
          `box ${b} holds ${a} on ${link} but no vhid of its config has it`,
        );
      }
      return;
    }
    if (ucarp) return; // ucarp says nothing of its state
    const v = vhidStatus(s, b, vhid);
    if (v === undefined) return;
    if (v.state === "MASTER") {
      this.#notMasterSince.delete(key);
      this.#r.close(`held:${key}`);
      return;
    }
    const first = this.#notMasterSince.get(key) ?? s.t;
    this.#notMasterSince.set(key, first);
    const release = masterDownMs(vhid, b, timing(v)) + HELD_GRACE_MS;
    if (s.t - first <= HELD_GRACE_MS || releasing(v, release)) return;
    const last = v.history[v.history.length - 1];
    this.#r.report(
      `held:${key}`,
      s.t,
      `box ${b} holds ${a} on ${link} but vhid ${vhid} is ${v.state}${
        last === undefined
          ? ""
          : ` (since ${last.from} -> ${last.to} (${last.reason}) ${
            v.secondsSinceTransition.toFixed(1)
          } s ago)`
      }`,
    );
  }

  /** A box whose carpd stopped gracefully holds none of carpd's VIPs. */
  #afterStop(s: Sample, b: number): void {
    const at = this.#stopped.get(b);
    if (at === undefined || s.t < at + STOPPED_GRACE_MS) return;
    this.#stopped.delete(b);
    if (s.world.boxes[b]!.carpd !== "dead") return; // started again meanwhile
    for (const vhid of VHIDS) {
      if (vhid === 1 && b === this.#ucarpBox) continue;
      for (const a of configured(s.specs[b]!, vhid)) {
        if (holds(s, b, a) === true) {
          this.#r.add(
            s.t,
            `box ${b} holds ${a} ${
              Math.round(s.t - at)
            } ms after its carpd stopped (SIGTERM)`,
          );
        }
      }
    }
  }
}

/** Two boxes holding one VIP at once. */
interface Episode {
  address: string;
  vhid: VhidId;
  x: number;
  y: number;
  /** The first and the last sample that saw it. */
  first: number;
  last: number;
  /** Once too long: since when they had heard each other, the bound, when. */
  met: number;
  bound: number;
  over: number | null;
}

/** Never two healthy boxes that hear each other holding one VIP for long. */
export class NoDoubleHolders {
  readonly #r: Reporter;
  readonly #ucarpBox: number | null;
  /** Per VIP and pair of boxes: since when both hold it, until when, too long. */
  readonly #episodes = new Map<string, Episode>();

  constructor(r: Reporter, ucarpBox: number | null) {
    this.#r = r;
    this.#ucarpBox = ucarpBox;
  }

  /** Checks one sample. */
  check(s: Sample): void {
    const seen = new Set<string>();
    for (const vhid of VHIDS) {
      const vips = new Set(s.specs.flatMap((spec) => configured(spec, vhid)));
      for (const a of vips) {
        const all = holders(s, a);
        if (all === null) continue;
        const healthy = all.filter((b) =>
          s.world.healthySince.has(`${b}/${vhid}`)
        );
        for (let i = 0; i < healthy.length; i++) {
          for (let j = i + 1; j < healthy.length; j++) {
            const key = `${a}/${healthy[i]}/${healthy[j]}`;
            seen.add(key);
            this.#pair(s, vhid, a, healthy[i]!, healthy[j]!, key);
          }
        }
      }
    }
    for (const [key, e] of this.#episodes) {
      if (!seen.has(key)) {
        this.#episodes.delete(key);
        this.#end(e, "");
      }
    }
  }

  /** Reports the episodes still open at the campaign's end. */
  finish(): void {
    for (const e of this.#episodes.values()) {
      this.#end(e, " (still at the end)");
    }
    this.#episodes.clear();
  }

  /** An episode ended: reported, with its length, if it was too long. */
  #end(e: Episode, still: string): void {
    if (e.over === null) return;
    this.#r.add(
      e.over,
      `boxes ${e.x} and ${e.y} both held ${e.address} (vhid ${e.vhid}) for ${
        Math.round(e.last - e.first)
      } ms${still}, though both were healthy and had heard each other for ${
        Math.round(e.over - e.met)
      } ms (allowed: ${Math.round(e.bound)} ms after one advert interval)`,
    );
  }

  #pair(
    s: Sample,
    vhid: VhidId,
    a: string,
    x: number,
    y: number,
    key: string,
  ): void {
    const e = this.#episodes.get(key) ??
      {
        address: a,
        vhid,
        x,
        y,
        first: s.t,
        last: s.t,
        met: 0,
        bound: 0,
        over: null,
      };
    this.#episodes.set(key, e);
    e.last = s.t;
    const met = togetherSince(s.world, x, y, vhid);
    if (met === null || e.over !== null) return;
    const interval = Math.max(
      advertIntervalMs(vhid, x, timing(vhidStatus(s, x, vhid))),
      advertIntervalMs(vhid, y, timing(vhidStatus(s, y, vhid))),
    );
    const ucarp = vhid === 1 && (x === this.#ucarpBox || y === this.#ucarpBox);
    // ucarp re-asserts only at its next advert, and hears through libpcap.
    const bound = DOUBLE_HOLD_MS + (ucarp ? interval + UCARP_LAG_MS : 0);
    const from = Math.max(e.first, met + interval);
    if (s.t - from > bound) {
      e.over = s.t;
      e.met = met;
      e.bound = bound;
    }
  }
}
