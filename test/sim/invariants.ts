/**
 * What must hold at every step of a simulation:
 * 1. once the group has been free of faults for a while, each vhid has
 *    exactly one MASTER, it holds the vhid's VIPs, and no other box holds
 *    any of them;
 * 2. a box holds a VIP only while its vhid for it is MASTER or inside its
 *    make-before-break release (a live daemon's box; a stopped daemon's box
 *    holds none; a killed daemon's box is not judged until it restarts);
 * 3. no vhid is left without a box serving its VIPs for longer than a
 *    healthy box's master-down plus one advert interval; and when the box
 *    that served it let go while alive and well (a reload, a stop, a
 *    standby, a demotion: a planned handover) on a calm network, for no
 *    longer than a planned handover takes, while a healthy box beside it
 *    could have taken over;
 * 4. hooks run one at a time per vhid, in the order of its transitions
 *    (each notify goes on from where the previous one left);
 * 5. a change rolled out box by box (a VIP list, a password) on a group
 *    that had settled, in whatever order, leaves every VIP both configs
 *    carry on the box that held it, and on no other, at every step from
 *    the first reload until the group has settled after the last.
 * And no daemon logs an error, throws, or exits on its own.
 */

import {
  advertIntervalMs,
  masterDownMs,
  type VhidState,
} from "../../src/fsm/mod.ts";
import {
  formatIpv4,
  formatIpv6,
  parseIpv4,
  parseIpv6,
} from "../../src/net/mod.ts";
import { formatTime } from "./faults.ts";
import type { ProcessRecord } from "./host.ts";
import type { SimNode } from "./node.ts";

/** How long the group must be free of faults before it must have converged. */
export const SETTLE_MS = 15_000;
/**
 * A converged group may show two masters, or a VIP on a box that just
 * left, for a round trip (a preemption handing over); not for longer.
 */
const CONVERGE_GRACE_MS = 100;
/**
 * The longest a planned handover may leave a vhid unserved: the successor's
 * claim window or VRRP Skew_Time (under one interval), and delivery.
 */
export const PLANNED_GAP_MS = 1500;
/** Slack on the master-down bound (delivery delay, claim window). */
const GAP_SLACK_MS = 100;
/** Errors a daemon may log: none but those a fault explains. */
const EXPECTED_ERRORS = [
  /cannot add its VIPs: .*ENODEV/, // the interface went as it took over
];

/** A vhid as one box runs it now. */
interface Seen {
  node: SimNode;
  state: VhidState;
  vips: string[];
  link: string;
}

/** What the checker asks of the world. */
export interface WorldView {
  /** Virtual now. */
  now(): number;
  /** Whether no network fault (loss, delay, partition) is active. */
  calm(): boolean;
  /** Whether two boxes can hear each other on a leg. */
  together(a: SimNode, b: SimNode, ifname: string): boolean;
}

/** Why a vhid became unserved. */
interface Unserved {
  since: number;
  /** Let go by a box that stayed alive and well: a planned handover. */
  plannedBy: SimNode | null;
  /**
   * When that box bowed out (it held the VIPs for a successor until
   * `since`): only a box healthy then heard the bow-out.
   */
  bowedOutAt: number;
}

/** A roll-out being watched: who held its VIPs when it began. */
interface Rollout {
  id: number;
  /** The VIPs both configs carry, as the kernel lists them. */
  vips: string[];
  /** The box that held them when it began. */
  holder: SimNode | null;
  /** When the watch ends (set once the last box has reloaded). */
  until: number | null;
}

/**
 * How long a group's members may be MASTER on different boxes on a whole
 * network: two master-down intervals (a takeover on one leg, the claim on
 * the other; a box that comes back after both).
 */
export const GROUP_APART_MS = 8000;

/** The checker. */
export class Invariants {
  readonly #nodes: readonly SimNode[];
  readonly #world: WorldView;
  readonly violations: string[] = [];
  /** Per vhid: since when no box serves it, and why (`null` while one does). */
  readonly #unserved = new Map<number, Unserved | null>();
  /** Per vhid: the boxes that served it at the last step. */
  readonly #servers = new Map<number, SimNode[]>();
  /** Per box and vhid: since when it has been able to serve. */
  readonly #healthySince = new Map<string, number>();
  /** Per box and vhid: since when it has held its VIPs after a bow-out. */
  readonly #releasingSince = new Map<string, number>();
  /** Episodes already reported (one line each). */
  readonly #reported = new Set<string>();
  /** Processes checked so far, per box. */
  readonly #checked = new Map<number, number>();
  /** The last hook of each lane (box, vhid, daemon). */
  readonly #lastInLane = new Map<string, ProcessRecord>();
  /** Per box and vhid: the state its last notify left it in. */
  readonly #lastNotify = new Map<string, string>();
  /** Errors and failures already reported, per box. */
  readonly #errorsSeen = new Map<number, number>();
  /** Per vhid: since when the converged group has looked wrong. */
  readonly #wrongSince = new Map<number, number>();
  /** The vhid ids of the group. */
  readonly #ids: readonly number[];
  /** Roll-outs watched (invariant 5). */
  readonly #rollouts: Rollout[] = [];
  #completed = 0;

  /** The vhids of the boxes' `[[group]]`, or `null`. */
  readonly #group: readonly number[] | null;

  constructor(
    nodes: readonly SimNode[],
    world: WorldView,
    ids: number[],
    group: readonly number[] | null = null,
  ) {
    this.#nodes = nodes;
    this.#world = world;
    this.#ids = ids;
    this.#group = group;
  }

  /**
   * A roll-out begins on a settled group: from now on the VIPs both
   * configs carry must stay where they are (invariant 5).
   *
   * @param id The vhid it changes.
   * @param vips The VIPs both configs carry, as written.
   */
  rolloutStarted(id: number, vips: readonly string[]): void {
    const wanted = vips.map(canonical);
    const holder = this.#nodes.find((n) =>
      n.life === "running" &&
      (n.daemon?.vhids() ?? []).some((d) =>
        d.config.id === id && d.state.state === "MASTER" &&
        wanted.every((v) => n.kernel.has(d.config.interface, key(v)))
      )
    ) ?? null;
    this.#rollouts.push({ id, vips: wanted, holder, until: null });
  }

  /**
   * The last box of a roll-out has reloaded: the watch goes on until the
   * group has had time to settle.
   *
   * @param id The vhid it changed.
   */
  rolloutEnded(id: number): void {
    for (const r of this.#rollouts) {
      if (r.id === id && r.until === null) {
        r.until = this.#world.now() + SETTLE_MS;
      }
    }
  }

  /** Roll-outs watched whole: begun on a settled group, alone until done. */
  get rolloutsWatched(): number {
    return this.#completed;
  }

  /**
   * A fault began: a roll-out under way is no longer judged alone (a stop
   * or a cable cut moves a VIP for good reasons, another roll-out changes
   * what both configs carry).
   */
  faultStarted(): void {
    this.#rollouts.length = 0;
  }

  /**
   * Checks everything once.
   *
   * @param quietSince Since when no fault has been active, or `null`.
   */
  check(quietSince: number | null): void {
    const now = this.#world.now();
    const seen = this.#seen();
    this.#heldOnlyByMasters(now);
    for (const id of this.#ids) {
      const mine = seen.filter((s) => s.state.config.vhid === id);
      this.#gaps(now, id, mine);
      if (quietSince !== null && now - quietSince >= SETTLE_MS) {
        this.#converged(now, id, mine);
      }
    }
    this.#groupTogether(now, seen);
    this.#rolloutsHold(now);
    this.#hooks();
    this.#errors();
  }

  /**
   * Invariant 6: while every box hears every other on both legs (no
   * network fault, no link down, no stalled box), the group's members are
   * MASTER on one box, give or take {@linkcode GROUP_APART_MS} (each with
   * one master: invariant 4 judges the rest).
   */
  #groupTogether(now: number, seen: Seen[]): void {
    const group = this.#group;
    if (group === null) return;
    const masters = group.map((id) =>
      seen.filter((s) =>
        s.state.config.vhid === id && s.state.state === "MASTER"
      )
    );
    const live = this.#nodes.filter((n) => n.life === "running");
    const whole = this.#world.calm() && live.every((a) =>
      !a.paused &&
      live.every((b) =>
        this.#world.together(a, b, "eth0") && this.#world.together(a, b, "eth1")
      )
    );
    const apart = whole && masters.every((m) => m.length === 1) &&
      new Set(masters.map((m) => m[0]!.node.id)).size > 1;
    if (!apart) {
      this.#wrongSince.delete(-1);
      this.#reported.delete("group");
      return;
    }
    const since = this.#wrongSince.get(-1) ?? now;
    this.#wrongSince.set(-1, since);
    if (now - since > GROUP_APART_MS) {
      this.#report(
        "group",
        now,
        `the group's vhids ${group.join(", ")} MASTER on different boxes for ${
          Math.round((now - since) / 1000)
        } s on a whole network (${
          masters.map((m, i) => `vhid ${group[i]} on box ${m[0]!.node.id}`)
            .join(", ")
        })`,
      );
    }
  }

  /** Invariant 5. */
  #rolloutsHold(now: number): void {
    for (let i = this.#rollouts.length - 1; i >= 0; i--) {
      const r = this.#rollouts[i]!;
      if (r.until !== null && now > r.until) {
        this.#rollouts.splice(i, 1);
        this.#completed++;
        continue;
      }
      for (const vip of r.vips) {
        const on = this.#nodes.filter((n) =>
          n.kernel.held().some((h) => h.address === vip)
        );
        const holder = r.holder;
        if (on.length === 1 && on[0] === holder) continue;
        this.#report(
          `rollout:${r.id}:${vip}`,
          now,
          `vhid ${r.id} rolled out box by box: ${vip} is on ${
            on.length === 0 ? "no box" : `box ${on.map((n) => n.id)}`
          }, not on box ${holder?.id ?? "(none held it)"} alone`,
        );
      }
    }
  }

  #seen(): Seen[] {
    return this.#nodes.flatMap((node) => {
      if (node.life !== "running" && node.life !== "stopping") return [];
      return (node.daemon?.vhids() ?? []).map((d) => ({
        node,
        state: d.state,
        vips: d.config.vips.map((v) => canonical(v.text)),
        link: d.config.interface,
      }));
    });
  }

  /** Whether a box serves a vhid: MASTER or releasing, its VIPs on. */
  #serves(s: Seen): boolean {
    const holding = s.state.state === "MASTER" || s.state.releaseAt !== null;
    return holding && !s.node.paused &&
      s.vips.every((v) => s.node.kernel.has(s.link, key(v)));
  }

  /** Invariant 2. */
  #heldOnlyByMasters(now: number): void {
    for (const node of this.#nodes) {
      if (node.life === "crashed" || node.life === "starting") continue;
      const drivers = node.daemon?.vhids() ?? [];
      for (const { link, address } of node.kernel.held()) {
        if (isOwn(node, link, address)) continue;
        const owner = drivers.find((d) =>
          d.config.interface === link &&
          d.config.vips.some((v) => canonical(v.text) === address)
        );
        let why: string | null = null;
        if (node.life === "stopped") why = "its daemon stopped";
        else if (owner === undefined) why = "no vhid of its config has it";
        else if (
          owner.state.state !== "MASTER" && owner.state.releaseAt === null
        ) why = `vhid ${owner.config.id} is ${owner.state.state}`;
        if (why !== null) {
          this.#report(
            `held:${node.id}:${address}:${why}`,
            now,
            `box ${node.id} holds ${address} on ${link} but ${why}`,
          );
        }
      }
    }
  }

  /** Invariant 3. */
  #gaps(now: number, id: number, mine: Seen[]): void {
    const servers = mine.filter((s) => this.#serves(s)).map((s) => s.node);
    const before = this.#servers.get(id) ?? [];
    this.#servers.set(id, servers);
    let gap = this.#unserved.get(id) ?? null;
    if (servers.length > 0) {
      this.#unserved.set(id, null);
      this.#reported.delete(`gap:${id}`);
    } else if (gap === null) {
      // The last box to serve it let go: planned if it stays well.
      const left = before.find((n) =>
        (n.life === "running" || n.life === "stopping") && !n.paused &&
        mine.some((s) =>
          s.node === n &&
          (s.state.state === "BACKUP" || s.state.state === "INIT")
        )
      );
      gap = {
        since: now,
        plannedBy: left !== undefined && this.#world.calm() ? left : null,
        bowedOutAt: left === undefined
          ? now
          : this.#releasingSince.get(`${left.id}/${id}`) ?? now,
      };
      this.#unserved.set(id, gap);
    }
    // After the gap's start was judged: a box that lets go now was
    // releasing until the step before.
    for (const s of mine) {
      const k = `${s.node.id}/${id}`;
      if (s.state.state !== "MASTER" && s.state.releaseAt !== null) {
        if (!this.#releasingSince.has(k)) this.#releasingSince.set(k, now);
      } else this.#releasingSince.delete(k);
    }
    // A box that does not run the vhid now is healthy for it from scratch.
    for (const node of this.#nodes) {
      if (!mine.some((s) => s.node === node)) {
        this.#healthySince.delete(`${node.id}/${id}`);
      }
    }
    for (const s of mine) {
      const k = `${s.node.id}/${id}`;
      const healthy = !s.node.paused &&
        (s.state.state === "BACKUP" || s.state.state === "MASTER");
      if (!healthy) {
        this.#healthySince.delete(k);
        continue;
      }
      if (!this.#healthySince.has(k)) this.#healthySince.set(k, now);
      if (gap === null || servers.length > 0) continue;
      const from = Math.max(gap.since, this.#healthySince.get(k)!);
      const by = gap.plannedBy;
      const planned = by !== null && by !== s.node && from === gap.since &&
        this.#healthySince.get(k)! <= gap.bowedOutAt &&
        this.#world.calm() && this.#world.together(by, s.node, s.link);
      const bound = planned
        ? PLANNED_GAP_MS
        : masterDownMs(s.state) + advertIntervalMs(s.state) + GAP_SLACK_MS;
      if (now - from > bound) {
        this.#report(
          `gap:${id}`,
          now,
          `vhid ${id} has been served by no box for ${
            Math.round(now - gap.since)
          } ms though box ${s.node.id} could have taken over after ${
            Math.round(bound)
          } ms${planned ? ` (box ${by.id} let go of it while well)` : ""}`,
        );
      }
    }
  }

  /** Invariant 1. */
  #converged(now: number, id: number, mine: Seen[]): void {
    const masters = mine.filter((s) => s.state.state === "MASTER");
    const problems: string[] = [];
    if (masters.length !== 1) {
      problems.push(
        `${masters.length} masters (${masters.map((s) => s.node.id)})`,
      );
    }
    for (const s of masters) {
      if (!this.#serves(s)) {
        problems.push(`its master box ${s.node.id} lacks its VIPs`);
      }
    }
    const vips = new Set(mine.flatMap((s) => s.vips));
    for (const node of this.#nodes) {
      if (masters.some((s) => s.node === node)) continue;
      for (const { address } of node.kernel.held()) {
        if (vips.has(address)) problems.push(`box ${node.id} holds ${address}`);
      }
    }
    if (problems.length === 0) {
      this.#wrongSince.delete(id);
      this.#reported.delete(`converged:${id}`);
      return;
    }
    const since = this.#wrongSince.get(id) ?? now;
    this.#wrongSince.set(id, since);
    if (now - since > CONVERGE_GRACE_MS) {
      this.#report(
        `converged:${id}`,
        now,
        `vhid ${id} after ${SETTLE_MS} ms without faults: ${
          problems.join("; ")
        }`,
      );
    }
  }

  /** Invariant 4. */
  #hooks(): void {
    for (const node of this.#nodes) {
      const list = node.processes;
      let i = this.#checked.get(node.id) ?? 0;
      for (; i < list.length; i++) {
        const p = list[i]!;
        const lane = `${node.id} ${
          p.label.split(" ").slice(0, 2).join(" ")
        } ${p.generation}`;
        const before = this.#lastInLane.get(lane);
        this.#lastInLane.set(lane, p);
        if (
          before !== undefined && (before.end === null || before.end > p.start)
        ) {
          this.#report(
            `overlap:${node.id}:${i}`,
            p.start,
            `box ${node.id}: "${p.label}" started before "${before.label}" ended`,
          );
        }
        if (p.label.endsWith(" notify")) {
          const [id, from, to] = p.argv.slice(-5, -2);
          const k = `${node.id}/${id}/${p.generation}`;
          const last = this.#lastNotify.get(k) ?? "INIT";
          if (from !== last) {
            this.#report(
              `notify:${k}:${i}`,
              p.start,
              `box ${node.id}: notify for vhid ${id} says ${from} -> ${to} after ${last}`,
            );
          }
          this.#lastNotify.set(k, to!);
        }
      }
      this.#checked.set(node.id, i);
    }
  }

  #errors(): void {
    for (const node of this.#nodes) {
      const seen = this.#errorsSeen.get(node.id) ?? 0;
      const all = [
        ...node.errors.filter((e) =>
          !EXPECTED_ERRORS.some((x) => x.test(e.message))
        ).map((e) =>
          `box ${node.id} logged at ${formatTime(e.at)}: ${e.message}`
        ),
        ...node.failures.map((f) => `box ${node.id} failed: ${f}`),
      ];
      for (const line of all.slice(seen)) this.violations.push(line);
      this.#errorsSeen.set(node.id, all.length);
    }
  }

  #report(key: string, at: number, text: string): void {
    if (this.#reported.has(key)) return;
    this.#reported.add(key);
    this.violations.push(`${formatTime(at)} ${text}`);
  }
}

const canonicals = new Map<string, string>();

/** A VIP's address as the kernel's list shows it (no prefix, canonical). */
function canonical(text: string): string {
  let c = canonicals.get(text);
  if (c === undefined) {
    const bare = text.replace(/\/\d+$/, "");
    const v4 = parseIpv4(bare);
    c = v4 !== null ? formatIpv4(v4) : formatIpv6(parseIpv6(bare)!);
    canonicals.set(text, c);
  }
  return c;
}

const keys = new Map<string, number | string>();

/** The kernel's key of an address text. */
function key(text: string): number | string {
  let k = keys.get(text);
  if (k === undefined) keys.set(text, k = parseIpv4(text) ?? text);
  return k;
}

/** A box's own addresses are not VIPs. */
function isOwn(node: SimNode, link: string, address: string): boolean {
  return node.ownTexts(link).includes(address);
}
