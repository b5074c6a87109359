/**
 * The campaign's timeline, for post-mortems: the schedule, every fault as
 * it starts and ends, each sample that differs from the one before, every line the
 * daemons log, and every violation, in the order they happened, with the
 * campaign's time. Kept in memory (to print what surrounds a violation)
 * and written to a file as it goes.
 * @module
 */

import { formatTime } from "../../test/sim/faults.ts";

/** What a record is. */
export type RecordKind =
  | "schedule"
  | "fault"
  | "sample"
  | "log"
  | "violation"
  | "note";

/** One record. */
export interface TimelineRecord {
  /** Campaign ms (negative before the first fault may start). */
  t: number;
  kind: RecordKind;
  text: string;
}

/** Records kept in memory at most (the file has them all). */
const KEPT = 200_000;

/** The timeline. */
export class Timeline {
  readonly path: string;
  readonly #file: Deno.FsFile;
  readonly #records: TimelineRecord[] = [];
  readonly #encoder = new TextEncoder();

  private constructor(path: string, file: Deno.FsFile) {
    this.path = path;
    this.#file = file;
  }

  /**
   * Opens (truncates) the file.
   *
   * @param path Where the timeline goes.
   * @returns The timeline.
   */
  static async open(path: string): Promise<Timeline> {
    const file = await Deno.open(path, {
      write: true,
      create: true,
      truncate: true,
    });
    return new Timeline(path, file);
  }

  /** Adds a record (and writes it). */
  add(t: number, kind: RecordKind, text: string): void {
    const r = { t, kind, text };
    this.#records.push(r);
    if (this.#records.length > KEPT) {
      this.#records.splice(0, KEPT / 10);
    }
    this.#file.writeSync(this.#encoder.encode(formatRecord(r) + "\n"));
  }

  /**
   * The records around a moment: every fault and violation from `beforeMs`
   * before it, and the samples and log lines of the last `recentMs` before
   * it and `afterMs` after it (at most `limit` lines, the latest kept).
   */
  around(
    t: number,
    beforeMs: number,
    recentMs: number,
    afterMs: number,
    limit = 120,
  ): string[] {
    const picked = this.#records.filter((r) =>
      r.t <= t + afterMs && (
        (r.t >= t - beforeMs && (r.kind === "fault" || r.kind === "note")) ||
        r.t >= t - recentMs
      )
    );
    return picked.slice(-limit).map(formatRecord);
  }

  /** Closes the file. */
  close(): void {
    try {
      this.#file.close();
    } catch {
      // closed already
    }
  }
}

/**
 * A record as a line: `+0h01m02.345s fault   ...`.
 *
 * @param r The record.
 * @returns The line.
 */
export function formatRecord(r: TimelineRecord): string {
  const at = r.t < 0 ? `-${formatTime(-r.t)}` : `+${formatTime(r.t)}`;
  return `${at} ${r.kind.padEnd(9)} ${r.text}`;
}
