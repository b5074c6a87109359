/**
 * The fault schedule: drawn up front from a seed, so the same seed always
 * replays the same faults at the same virtual times. Network faults (loss,
 * delay, partitions) come one at a time; each box has at most one fault of
 * its own at a time.
 */

import { randomSource } from "./virtual_clock.ts";

/** Every kind of fault. */
export const FAULT_KINDS = [
  "loss",
  "delay",
  "partition",
  "flap",
  "recreate",
  "crash",
  "term",
  "stall",
  "reload",
  "check",
  "standby",
  "firewall",
  "flood",
  "vip-reload",
  "password-rollout",
  "crash-edit",
] as const;

/** A kind of fault. */
export type FaultKind = typeof FAULT_KINDS[number];

/**
 * The kinds a `--faults` value names: `all`, or kinds separated by commas.
 *
 * @param text The value.
 * @returns The kinds.
 * @throws {Error} Naming an unknown kind and the known ones.
 */
export function parseFaultKinds(text: string): readonly FaultKind[] {
  if (text === "all") return FAULT_KINDS;
  const out = text.split(",").map((k) => k.trim());
  for (const k of out) {
    if (!(FAULT_KINDS as readonly string[]).includes(k)) {
      throw new Error(
        `unknown fault kind "${k}"; expected one of ${FAULT_KINDS.join(", ")}`,
      );
    }
  }
  return out as FaultKind[];
}

/** Faults that act on the network rather than on one box. */
const NETWORK: ReadonlySet<FaultKind> = new Set(["loss", "delay", "partition"]);

/** One fault. */
export interface Fault {
  /** When it starts, virtual ms. */
  at: number;
  kind: FaultKind;
  /** The box it hits (network faults: -1). */
  node: number;
  /** How long it lasts, ms (0: a moment). */
  ms: number;
  /** A number the kind needs (loss rate, delay, which leg...). */
  value: number;
}

/**
 * Draws a schedule.
 *
 * @param seed The seed.
 * @param hours Simulated hours.
 * @param nodes How many boxes.
 * @param kinds The kinds to draw from.
 * @returns The faults, by time.
 */
export function faultSchedule(
  seed: number,
  hours: number,
  nodes: number,
  kinds: readonly FaultKind[],
): Fault[] {
  const random = randomSource(seed ^ 0x5eed);
  const pick = <T>(xs: readonly T[]): T =>
    xs[Math.floor(random() * xs.length)]!;
  const between = (a: number, b: number): number => a + random() * (b - a);
  const end = hours * 3_600_000;
  const busyUntil = new Map<number, number>(); // node (or -1) -> until
  const out: Fault[] = [];
  // Mean gap 45 s: a few thousand faults a day.
  for (let t = 20_000; t < end - 30_000 && out.length < 1_000_000;) {
    t += Math.floor(-Math.log(1 - random()) * 45_000) + 1000;
    const kind = pick(kinds);
    const node = NETWORK.has(kind) ? -1 : Math.floor(random() * nodes);
    if ((busyUntil.get(node) ?? 0) > t) continue;
    const f = drawFault(kind, node, Math.floor(t), between, random);
    // A roll-out's boxes are all busy while it lasts.
    const span = f.ms +
      (kind === "vip-reload" || kind === "password-rollout"
        ? f.value * nodes
        : 0);
    if (kind === "vip-reload" || kind === "password-rollout") {
      for (let n = -1; n < nodes; n++) busyUntil.set(n, t + span + 1000);
    } else busyUntil.set(node, t + span + 500);
    out.push(f);
  }
  return out;
}

/**
 * Draws one fault of a kind: its duration and value, as a schedule does.
 *
 * @param kind The kind.
 * @param node The box (network faults: -1).
 * @param at When it starts.
 * @param between A number drawn between two bounds.
 * @param random A number drawn in [0, 1).
 * @returns The fault.
 */
export function drawFault(
  kind: FaultKind,
  node: number,
  at: number,
  between: (a: number, b: number) => number,
  random: () => number,
): Fault {
  const f = (ms: number, value = 0): Fault => ({
    at,
    kind,
    node,
    ms: Math.floor(ms),
    value,
  });
  switch (kind) {
    case "loss":
      return f(between(5_000, 60_000), Math.round(between(5, 60)) / 100);
    case "delay":
      return f(between(10_000, 60_000), Math.round(between(5, 300)));
    case "partition":
      return f(between(5_000, 40_000), Math.floor(random() * 1000));
    case "flap":
    case "recreate":
      return f(between(100, 8_000), random() < 0.5 ? 0 : 1);
    case "crash":
    case "term":
    case "crash-edit":
      return f(between(500, 10_000));
    case "stall":
      return f(between(50, 6_000));
    case "reload":
    case "flood":
      return f(0);
    case "check":
    case "standby":
    case "firewall":
      return f(between(3_000, 30_000));
    case "vip-reload":
    case "password-rollout":
      // value: ms between one box's reload and the next.
      return f(0, Math.round(between(500, 5_000)));
  }
}

/**
 * A fault as a line of the printed schedule.
 *
 * @param f The fault.
 * @returns The line.
 */
export function describeFault(f: Fault): string {
  const who = f.node < 0 ? "network" : `box ${f.node}`;
  const at = formatTime(f.at);
  switch (f.kind) {
    case "loss":
      return `${at} ${who}: ${f.value * 100}% loss for ${f.ms} ms`;
    case "delay":
      return `${at} ${who}: ${f.value} ms delay for ${f.ms} ms`;
    case "partition":
      return `${at} ${who}: partition (split ${f.value}) for ${f.ms} ms`;
    case "flap":
      return `${at} ${who}: eth${f.value} carrier down for ${f.ms} ms`;
    case "recreate":
      return `${at} ${who}: eth${f.value} deleted, re-created after ${f.ms} ms`;
    case "vip-reload":
    case "password-rollout":
      return `${at} ${f.kind} box by box, ${f.value} ms apart`;
    default:
      return `${at} ${who}: ${f.kind}${f.ms > 0 ? ` for ${f.ms} ms` : ""}`;
  }
}

/**
 * Virtual milliseconds as `1h02m03.456s`.
 *
 * @param ms The time.
 * @returns The text.
 */
export function formatTime(ms: number): string {
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor(ms / 60_000) % 60;
  const s = (ms % 60_000) / 1000;
  return `${h}h${String(m).padStart(2, "0")}m${s.toFixed(3).padStart(6, "0")}s`;
}
