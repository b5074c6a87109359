/**
 * The VRRPv3 scenarios, carpd against keepalived with the same settings
 * (ucarp speaks no VRRP): unplanned failover at 1 s and 0.1 s, planned
 * handover, and health-driven failover.
 * @module
 */

import { healthFailover } from "./outage.ts";
import { cutRun, notUcarp, sigtermRun } from "./runs.ts";
import type { Scenario } from "./scenario.ts";

/** The VRRPv3 scenarios by name. */
export const VRRP_SCENARIOS = {
  vrrp: {
    title:
      "VRRPv3, both at advert_interval 1 s, priorities 150/100: cable cut right after an advert",
    unit: "ms outage",
    run: notUcarp(cutRun({ vrrp: true })),
  },
  "vrrp-fast": {
    title: "VRRPv3 at advert_interval 0.1 s: cable cut right after an advert",
    unit: "ms outage",
    run: notUcarp(cutRun({ vrrp: true, fast: true })),
  },
  "vrrp-planned": {
    title: "VRRPv3 planned handover: SIGTERM on the master (priority 0)",
    unit: "ms outage",
    run: notUcarp(sigtermRun({ vrrp: true })),
  },
  "vrrp-health": {
    title:
      "VRRPv3 health-driven failover (check 1 s, fall 2, priority 150 - 60 < 100)",
    unit: "ms",
    run: notUcarp((impl, lab) => healthFailover(impl, lab, { vrrp: true })),
  },
} satisfies Record<string, Scenario>;
