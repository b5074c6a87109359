/**
 * The runs several scenarios share: a cable cut or a SIGTERM on the master
 * of a pair, and ucarp sitting out what it cannot do.
 * @module
 */

import { type Options, pair, vipOf } from "./daemons.ts";
import { cableCut, stopMaster } from "./outage.ts";
import type { Run } from "./scenario.ts";

/**
 * `run`, with ucarp left out (n/a in the report).
 *
 * @param run The run of the others.
 * @returns A run that resolves to null for ucarp.
 */
export function notUcarp(run: Run): Run {
  return (impl, lab, quick) =>
    impl === "ucarp" ? Promise.resolve(null) : run(impl, lab, quick);
}

/**
 * A pair set up with `o`, then a cable cut on the master right after one of
 * its adverts.
 *
 * @param o What the pair is made of.
 * @param pingEveryS Seconds between the client's pings (10 ms unless told).
 * @returns The run; it resolves to the client's longest ping gap, in ms.
 */
export function cutRun(o: Options = {}, pingEveryS?: number): Run {
  return async (impl, lab) => {
    await pair(impl, lab, o);
    return await cableCut(lab, vipOf(o, 1), o.ipv6, pingEveryS);
  };
}

/**
 * A pair set up with `o`, then a SIGTERM on the master.
 *
 * @param o What the pair is made of.
 * @returns The run; it resolves to the client's longest ping gap, in ms.
 */
export function sigtermRun(o: Options): Run {
  return async (impl, lab) => {
    const [a] = await pair(impl, lab, o);
    return await stopMaster(lab, vipOf(o, 1), () => a!.signal("SIGTERM"));
  };
}
