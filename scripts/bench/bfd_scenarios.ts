/**
 * The BFD-class scenarios, carpd at advbase 0 advskew 1/2 against
 * keepalived at advert_int 0.01 (ucarp cannot go below 1 s): failover on an
 * idle and on a loaded machine, and false failovers under load.
 * @module
 */

import { type Lab, type Proc, sleep } from "../../test/integration/lab.ts";
import { type Impl, pair, VIP } from "./daemons.ts";
import { loadMachine } from "./load.ts";
import { cableCut } from "./outage.ts";
import { cutRun, notUcarp } from "./runs.ts";
import type { Scenario } from "./scenario.ts";

/** Times the backup became MASTER (from its log or its counters). */
async function takeovers(impl: Impl, lab: Lab, backup: Proc): Promise<number> {
  if (impl === "keepalived") {
    return backup.lines.filter((l) => /Entering MASTER STATE/.test(l)).length;
  }
  const v = (await lab.status(2)).vhids[0]!;
  return v.history.filter((t) => t.to === "MASTER").length;
}

/** The BFD-class scenarios by name. */
export const BFD_SCENARIOS = {
  bfd: {
    title:
      "BFD-class profile: carpd advbase 0, advskew 1/2 (adverts every 3.9 ms, master-down 23 ms) vs keepalived advert_int 0.01 (Master_Down_Interval 36 ms); cable cut, 2 ms pings",
    unit: "ms outage",
    run: notUcarp(cutRun({ bfd: true }, 0.002)),
  },
  "bfd-loaded": {
    title:
      "BFD-class profile with both cores saturated and a 10,000 pps flood of bad packets: cable cut, 2 ms pings",
    unit: "ms outage",
    run: notUcarp(async (impl, lab) => {
      await pair(impl, lab, { bfd: true });
      const stop = loadMachine(lab, 30);
      try {
        await sleep(3000);
        return await cableCut(lab, VIP, false, 0.002);
      } finally {
        stop();
      }
    }),
  },
  "bfd-false": {
    title:
      "BFD-class profile, false failovers with both cores saturated and a 10,000 pps flood (10 min; --quick: 1 min)",
    unit: "takeovers by the backup",
    once: true,
    run: notUcarp(async (impl, lab, quick) => {
      const seconds = quick ? 60 : 600;
      const [, backup] = await pair(impl, lab, { bfd: true });
      const before = await takeovers(impl, lab, backup!);
      const stop = loadMachine(lab, seconds + 5);
      try {
        await sleep(seconds * 1000);
      } finally {
        stop();
      }
      return (await takeovers(impl, lab, backup!)) - before;
    }),
  },
} satisfies Record<string, Scenario>;
