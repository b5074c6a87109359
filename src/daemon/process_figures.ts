/**
 * The `process_*` figures of the running daemon: CPU time from getrusage,
 * descriptors from `/proc/self/fd` (which the unit's `ProcSubset=pid`
 * still shows) and RLIMIT_NOFILE.
 * @module
 */

import {
  cpuSeconds,
  descriptorLimit,
  openDescriptors,
} from "../../ffi/process.ts";
import type { ProcessFigures } from "../control/mod.ts";

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
    cpuSeconds: orZero(cpuSeconds),
    // Less the descriptor the listing itself holds open.
    openFds: Math.max(0, orZero(openDescriptors) - 1),
    maxFds: orZero(() => Math.min(descriptorLimit(), Number.MAX_SAFE_INTEGER)),
    startTimeSeconds: Math.round(STARTED_AT * 1000) / 1000,
  };
}

function orZero(read: () => number): number {
  try {
    return read();
  } catch {
    return 0;
  }
}
