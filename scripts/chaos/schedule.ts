/**
 * The campaign's fault schedule: the simulator's own (`test/sim/faults.ts`,
 * the same kinds drawn the same way from the same seed), run {@linkcode PACE}
 * times faster, so that a campaign of minutes meets as many faults as the
 * simulator's hours do. Each fault keeps its duration; it starts at the
 * simulator's time divided by the pace. Compressed, two faults the
 * simulator kept apart may overlap on one box: the later one is dropped,
 * by the simulator's own rule (a box has one fault at a time, the network
 * one network fault at a time). What the simulator leaves open (how many
 * SIGHUPs a reload sends, which box a roll-out reloads first) is drawn from
 * the seed as well. Pure: the same seed, minutes and kinds give the same
 * schedule.
 *
 * A seed's faults can be read beside the simulator's: the campaign's fault
 * number N is fault N of `scripts/simulate.sh` with the seed, the nodes and
 * the kinds printed by {@linkcode simulatorCommand}.
 * @module
 */

import {
  drawFault,
  type Fault,
  FAULT_KINDS,
  type FaultKind,
  faultSchedule,
  formatTime,
  parseFaultKinds,
} from "../../test/sim/faults.ts";
import { randomSource } from "../../test/sim/virtual_clock.ts";

export { FAULT_KINDS, type FaultKind, parseFaultKinds };

/** How many times faster than the simulator's schedule a campaign runs. */
export const PACE = 4;

/** The boxes of the group. */
export const NODES = 3;

/** Faults that act on the network rather than on one box. */
const NETWORK: ReadonlySet<FaultKind> = new Set(["loss", "delay", "partition"]);

/** The two roll-out kinds: every box reloads, one after the other. */
const ROLLOUTS: ReadonlySet<FaultKind> = new Set([
  "vip-reload",
  "password-rollout",
]);

/** Which box a roll-out edits and reloads first. */
export type RolloutOrder = "master-first" | "backup-first";

/** One fault of the campaign. */
export interface ChaosFault {
  /** Its number: in the simulator's schedule (from 1), or in the tour. */
  n: number;
  /** The fault: kind, box, duration and value, as the simulator draws them. */
  sim: Fault;
  /** Whether it comes from the simulator's schedule (or a tour's). */
  fromSimulator: boolean;
  /** When it starts, ms after the campaign's start. */
  at: number;
  /** A reload: how many SIGHUPs (a storm when more than one). */
  hups: number;
  /** A reload storm: ms between two SIGHUPs. */
  hupGapMs: number;
  /** A roll-out: whether the vhid's MASTER reloads first or last. */
  order: RolloutOrder;
}

/** What the simulator leaves open about a fault, drawn from the seed. */
function details(
  random: () => number,
): Pick<ChaosFault, "hups" | "hupGapMs" | "order"> {
  const storm = random() < 0.5;
  const hups = storm ? 2 + Math.floor(random() * 19) : 1;
  const hupGapMs = Math.floor(random() * 200);
  const order: RolloutOrder = random() < 0.5 ? "master-first" : "backup-first";
  return { hups, hupGapMs, order };
}

/**
 * How long a fault keeps its boxes busy from its start, ms: its duration,
 * what applying it takes (a roll-out's reloads, a flood's process and the
 * backlog it leaves ucarp, a storm's SIGHUPs, a SIGTERM's release) and a
 * margin.
 */
function span(f: Pick<ChaosFault, "sim" | "hups" | "hupGapMs">): number {
  const s = f.sim;
  switch (s.kind) {
    case "vip-reload":
    case "password-rollout":
      return s.ms + s.value * NODES + 1000;
    case "flood":
      return 8000;
    case "reload":
      return f.hups * f.hupGapMs + 500;
    case "term":
      return Math.max(s.ms, 5000) + 500;
    default:
      return s.ms + 500;
  }
}

/**
 * Draws a campaign's schedule.
 *
 * @param seed The seed.
 * @param minutes How long faults are drawn for.
 * @param kinds The kinds drawn from.
 * @returns The faults, by time.
 */
export function chaosSchedule(
  seed: number,
  minutes: number,
  kinds: readonly FaultKind[],
): ChaosFault[] {
  const sim = faultSchedule(seed, simulatedHours(minutes), NODES, kinds);
  const random = randomSource(seed ^ 0xc4a05);
  const busyUntil = new Map<number, number>(); // box (network: -1) -> ms
  const out: ChaosFault[] = [];
  sim.forEach((f, i) => {
    // Drawn for every fault, kept or not, so that one fault's details never
    // depend on which others were dropped.
    const more = details(random);
    const at = Math.floor(f.at / PACE);
    // The simulator draws its last fault a little past its end.
    if (at >= minutes * 60_000) return;
    const c: ChaosFault = {
      n: i + 1,
      sim: f,
      fromSimulator: true,
      at,
      ...more,
    };
    // A roll-out takes every box (and the network): all must be free.
    const takes = ROLLOUTS.has(f.kind)
      ? Array.from({ length: NODES + 1 }, (_, n) => n - 1)
      : [f.node];
    if (takes.some((n) => (busyUntil.get(n) ?? 0) > at)) return;
    for (const n of takes) busyUntil.set(n, at + span(c));
    out.push(c);
  });
  return out;
}

/** A tour: the calm between one box fault's end and the next one's start. */
const TOUR_GAP_MS: readonly [number, number] = [1000, 4000];
/**
 * A tour's longest fault: four of vhid 1's master-down intervals, so what
 * a fault does shows, and the tour stays short enough for every test run.
 */
const TOUR_LONGEST_MS = 12_000;

/**
 * A tour: every kind once, in an order drawn from the seed, each fault's
 * duration (at most 12 s) and value drawn as the simulator draws them.
 * Box faults come
 * one after the other, a calm of 1 to 4 s between them; the network's
 * faults (loss, delay, partition) run alongside them, one at a time; a
 * roll-out waits until nothing else is going on. The short campaign that
 * `scripts/test.sh` runs, so that every kind meets the real daemons on
 * every run. Pure.
 *
 * @param seed The seed.
 * @param kinds The kinds, each toured once.
 * @returns The faults, by time.
 */
export function tourSchedule(
  seed: number,
  kinds: readonly FaultKind[],
): ChaosFault[] {
  const random = randomSource(seed ^ 0x70a2);
  const between = (a: number, b: number): number => a + random() * (b - a);
  const order = [...kinds];
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  let boxFree = 2000; // when the last box fault (or roll-out) is over
  let netFree = 2000; // when the last network fault is over
  const out: ChaosFault[] = [];
  order.forEach((kind, i) => {
    const network = NETWORK.has(kind);
    const node = network ? -1 : Math.floor(random() * NODES);
    const calm = Math.floor(between(...TOUR_GAP_MS));
    const at = network
      ? netFree
      : ROLLOUTS.has(kind)
      ? Math.max(boxFree, netFree) + calm
      : boxFree + calm;
    const drawn = drawFault(kind, node, at, between, random);
    const f = { ...drawn, ms: Math.min(drawn.ms, TOUR_LONGEST_MS) };
    const c = {
      n: i + 1,
      sim: f,
      fromSimulator: false,
      at,
      ...details(random),
    };
    const end = at + span(c);
    if (ROLLOUTS.has(kind)) netFree = boxFree = end;
    else if (network) netFree = end;
    else boxFree = end;
    out.push(c);
  });
  return out.sort((a, b) => a.at - b.at);
}

/**
 * When a schedule's last fault is over, ms after the campaign's start.
 *
 * @param schedule The faults.
 * @returns The time.
 */
export function scheduleEnd(schedule: readonly ChaosFault[]): number {
  return Math.max(0, ...schedule.map((f) => f.at + span(f)));
}

/**
 * The simulated hours whose schedule a campaign of `minutes` runs.
 *
 * @param minutes The campaign's length.
 * @returns Hours for `faultSchedule` and `scripts/simulate.sh --hours`.
 */
export function simulatedHours(minutes: number): number {
  return (minutes * PACE) / 60;
}

/**
 * The simulator's command line that draws the same schedule.
 *
 * @param seed The seed.
 * @param minutes The campaign's length.
 * @param kinds The kinds drawn from.
 * @returns The command.
 */
export function simulatorCommand(
  seed: number,
  minutes: number,
  kinds: readonly FaultKind[],
): string {
  const named = FAULT_KINDS.every((k) => kinds.includes(k))
    ? "all"
    : kinds.join(",");
  return `scripts/simulate.sh --seed ${seed} --hours ${
    Number(simulatedHours(minutes).toFixed(6))
  } --nodes ${NODES} --faults ${named}`;
}

/**
 * Whether a fault acts on the network rather than on one box.
 *
 * @param kind The kind.
 * @returns True for loss, delay and partition.
 */
export function isNetworkFault(kind: FaultKind): boolean {
  return NETWORK.has(kind);
}

/**
 * Whether a fault is a roll-out (every box edited and reloaded in turn).
 *
 * @param kind The kind.
 * @returns True for VIP-list and password roll-outs.
 */
export function isRollout(kind: FaultKind): boolean {
  return ROLLOUTS.has(kind);
}

/**
 * A fault as a line of the printed schedule: the campaign's time, its
 * number in the simulator's schedule and the simulator's own time, then
 * what it does (boxes numbered from 0, as the simulator's).
 *
 * @param f The fault.
 * @returns The line.
 */
export function describeChaosFault(f: ChaosFault): string {
  const s = f.sim;
  const who = s.node < 0 ? "network" : `box ${s.node}`;
  let what: string;
  switch (s.kind) {
    case "loss":
      what = `${who}: ${Math.round(s.value * 100)}% loss for ${s.ms} ms`;
      break;
    case "delay":
      what = `${who}: adverts ${s.value} ms late for ${s.ms} ms`;
      break;
    case "partition":
      what = `${who}: partition (split ${s.value}) for ${s.ms} ms`;
      break;
    case "flap":
      what = `${who}: ${linkName(s.value)} down for ${s.ms} ms`;
      break;
    case "recreate":
      what = `${who}: ${
        linkName(s.value)
      } deleted, re-created after ${s.ms} ms`;
      break;
    case "reload":
      what = f.hups === 1
        ? `${who}: reload`
        : `${who}: reload storm, ${f.hups} SIGHUPs ${f.hupGapMs} ms apart`;
      break;
    case "vip-reload":
    case "password-rollout":
      what = `${s.kind} box by box, ${f.order}, ${s.value} ms apart`;
      break;
    default:
      what = `${who}: ${s.kind}${s.ms > 0 ? ` for ${s.ms} ms` : ""}`;
  }
  const from = f.fromSimulator ? ` (sim ${formatTime(s.at)})` : "";
  return `${formatTime(f.at)} #${f.n}${from} ${what}`;
}

/**
 * The link a flap or re-creation hits: the simulator's leg 0 is the box's
 * eth0 (its cable: a cut at the switch, or the veth deleted), leg 1 the
 * macvlan sub-interface on it.
 *
 * @param value The fault's value.
 * @returns `eth0` or `mv0`.
 */
export function linkName(value: number): "eth0" | "mv0" {
  return value === 0 ? "eth0" : "mv0";
}
