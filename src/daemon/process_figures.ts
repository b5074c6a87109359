/**
 * The `process_*` figures of the running daemon, from `/proc/self` (which
 * the unit's `ProcSubset=pid` still shows).
 * @module
 */

import type { ProcessFigures } from "../control/mod.ts";

/** Clock ticks per second in `/proc/<pid>/stat` (USER_HZ, 100 on Linux). */
const USER_HZ = 100;

/** When this process started, seconds since the epoch. */
const STARTED_AT = performance.timeOrigin / 1000;

/**
 * Reads the figures now; a figure that cannot be read is 0.
 *
 * @returns Memory, CPU time, descriptors and start time.
 */
export function readProcessFigures(): ProcessFigures {
  return {
    residentBytes: Deno.memoryUsage().rss,
    cpuSeconds: cpuSeconds(),
    openFds: openFds(),
    maxFds: maxFds(),
    startTimeSeconds: Math.round(STARTED_AT * 1000) / 1000,
  };
}

function cpuSeconds(): number {
  try {
    const stat = Deno.readTextFileSync("/proc/self/stat");
    // Fields after the command name, which may hold spaces: state is the
    // first, utime the 12th and stime the 13th.
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) / USER_HZ;
  } catch {
    return 0;
  }
}

function openFds(): number {
  try {
    let n = 0;
    for (const _ of Deno.readDirSync("/proc/self/fd")) n++;
    return n;
  } catch {
    return 0;
  }
}

function maxFds(): number {
  try {
    const limits = Deno.readTextFileSync("/proc/self/limits");
    const m = /^Max open files\s+(\d+)/m.exec(limits);
    return m === null ? 0 : Number(m[1]);
  } catch {
    return 0;
  }
}
