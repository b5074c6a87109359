/**
 * The CARP scenarios, where carpd meets ucarp as well as keepalived:
 * unplanned failover at default and fast timers, planned handover
 * (SIGTERM, carpd standby), over IPv4 and IPv6, and health-driven failover.
 * @module
 */

import { sh } from "../../test/integration/lab.ts";
import { pair, VIP } from "./daemons.ts";
import { healthFailover, pingGap, stopMaster } from "./outage.ts";
import { cutRun, notUcarp, sigtermRun } from "./runs.ts";
import type { Scenario } from "./scenario.ts";

/** The CARP scenarios by name. */
export const CARP_SCENARIOS = {
  unplanned: {
    title:
      "unplanned failover (cable cut right after an advert), default timers",
    unit: "ms outage",
    run: cutRun(),
  },
  fast: {
    title:
      "fast profile (carpd advbase 0 ~80 ms; keepalived VRRPv3 0.1 s), cable cut right after an advert",
    unit: "ms outage",
    run: notUcarp(cutRun({ fast: true })), // ucarp cannot advertise faster than 1 s
  },
  planned: {
    title: "planned handover: SIGTERM on the master (ucarp -z)",
    unit: "ms outage",
    run: async (impl, lab) => {
      const [a] = await pair(impl, lab);
      return await stopMaster(
        lab,
        VIP,
        impl === "ucarp"
          ? () =>
            sh([
              "pkill",
              "-TERM",
              "-f",
              `ucarp -i eth0 -s ${lab.address(1)} `,
            ])
          : () => a!.signal("SIGTERM"),
      );
    },
  },
  unplanned6: {
    title:
      "IPv6 VIP: unplanned failover (cable cut right after an advert), default timers (keepalived VRRPv3)",
    unit: "ms outage",
    run: notUcarp(cutRun({ ipv6: true })), // ucarp has no IPv6
  },
  planned6: {
    title: "IPv6 VIP: planned handover, SIGTERM on the master",
    unit: "ms outage",
    run: notUcarp(sigtermRun({ ipv6: true })),
  },
  standby: {
    title: "planned handover: carpd standby",
    unit: "ms outage",
    run: async (impl, lab) => {
      if (impl !== "carpd") return null;
      await pair(impl, lab);
      return await pingGap(lab, VIP, () => lab.ctl(1, "standby"), {
        before: "standby",
        pollMs: 10,
        timeoutMs: 5000,
        settleMs: 1000,
      });
    },
  },
  health: {
    title:
      "health-driven failover (check interval 1 s, fall 2): failure to backup holding the VIP",
    unit: "ms",
    run: notUcarp((impl, lab) => healthFailover(impl, lab)), // ucarp has no health checks
  },
} satisfies Record<string, Scenario>;
