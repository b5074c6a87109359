/**
 * How the daemons behave, apart from who holds what:
 * - no daemon exits by itself (a crash), and carpd exits 0 after SIGTERM;
 * - carpd logs no error that a fault does not explain;
 * - hooks run one at a time per vhid, in the order of its transitions
 *   (each notify goes on from where the previous one left), as in
 *   `test/sim/invariants.ts`.
 * @module
 */

import type { FaultKind } from "./schedule.ts";
import type { ExitRecord } from "./daemons.ts";
import type { Reporter } from "./observe.ts";

/** How long after a fault on a box an error it explains may still come. */
const EXPLAIN_WINDOW_MS = 10_000;

/**
 * Errors a fault explains: the line's pattern, the fault kinds (on the
 * same box, or the network's) that explain it, and why.
 */
const EXPLAINED: {
  pattern: RegExp;
  kinds: readonly FaultKind[];
  why: string;
}[] = [
  {
    // The simulator's one expected error: the interface went while the
    // vhid took over.
    pattern: /cannot add its VIPs: .*ENODEV/,
    kinds: ["recreate"],
    why: "its interface was deleted as it took over",
  },
];

/** A fault's time on a box (-1: the network), as the injector ran it. */
export interface FaultSpan {
  box: number;
  kind: FaultKind;
  from: number;
  /** When it ended; `null` while it lasts. */
  to: number | null;
}

/** Exits, errors and hooks. */
export class Conduct {
  readonly #r: Reporter;
  readonly #spans: FaultSpan[] = [];

  constructor(r: Reporter) {
    this.#r = r;
  }

  /** A fault started on a box (or the network, -1). */
  faultStarted(box: number, kind: FaultKind, t: number): FaultSpan {
    const span = { box, kind, from: t, to: null };
    this.#spans.push(span);
    return span;
  }

  /** A daemon exited. */
  exited(e: ExitRecord, t: number): void {
    const how = e.status.signal !== null
      ? `signal ${e.status.signal}`
      : `code ${e.status.code}`;
    if (e.expected === null) {
      this.#r.add(
        t,
        `box ${e.box}'s ${e.name} (pid ${e.pid}) exited by itself (${how})`,
      );
    } else if (
      e.expected === "term" && e.name === "carpd" && e.status.code !== 0
    ) {
      this.#r.add(
        t,
        `box ${e.box}'s carpd (pid ${e.pid}) exited with ${how} after SIGTERM`,
      );
    }
  }

  /** A line a daemon logged at `t`. */
  logged(box: number, name: string, text: string, t: number): void {
    if (name !== "carpd" || !/\[ERROR\]/.test(text)) return;
    const explained = EXPLAINED.find((x) =>
      x.pattern.test(text) &&
      this.#spans.some((s) =>
        (s.box === box || s.box === -1) && x.kinds.includes(s.kind) &&
        s.from <= t && (s.to === null || t - s.to <= EXPLAIN_WINDOW_MS)
      )
    );
    if (explained === undefined) {
      this.#r.add(t, `box ${box}'s carpd logged: ${text}`);
    }
  }

  /**
   * Checks the notify hooks' record of box `b` (its lines: `B|E hookpid
   * carpdpid vhid old new iface vips`).
   */
  hooks(b: number, record: string, t: number): void {
    const open = new Map<string, boolean>();
    const lastState = new Map<string, string>();
    for (const line of record.split("\n")) {
      const [mark, , carpd, vhid, from, to] = line.split(" ");
      if ((mark !== "B" && mark !== "E") || to === undefined) continue;
      const lane = `${carpd}/${vhid}`;
      if (mark === "E") {
        open.set(lane, false);
        continue;
      }
      if (open.get(lane) === true) {
        this.#r.add(
          t,
          `box ${b}: carpd ${carpd} ran a notify for vhid ${vhid} (${from} -> ${to}) before the previous one ended`,
        );
      }
      open.set(lane, true);
      const last = lastState.get(lane) ?? "INIT";
      if (from !== last) {
        this.#r.add(
          t,
          `box ${b}: carpd ${carpd}'s notify for vhid ${vhid} says ${from} -> ${to} after ${last}`,
        );
      }
      lastState.set(lane, to);
    }
  }
}
