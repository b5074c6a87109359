/**
 * Every scenario of the bench by name, in the order a full run goes through
 * them (the order of the report and of the JSON).
 * @module
 */

import { BFD_SCENARIOS } from "./bfd_scenarios.ts";
import { CARP_SCENARIOS } from "./carp_scenarios.ts";
import type { Scenario } from "./scenario.ts";
import { VRRP_SCENARIOS } from "./vrrp_scenarios.ts";

const ALL = { ...CARP_SCENARIOS, ...VRRP_SCENARIOS, ...BFD_SCENARIOS };

/** A full run's order; a new scenario goes here too. */
const ORDER: (keyof typeof ALL)[] = [
  "unplanned",
  "fast",
  "planned",
  "unplanned6",
  "planned6",
  "standby",
  "health",
  "vrrp",
  "vrrp-fast",
  "vrrp-planned",
  "bfd",
  "bfd-loaded",
  "bfd-false",
  "vrrp-health",
];

/** Every scenario by name, in the order of a full run. */
export const SCENARIOS: Record<string, Scenario> = Object.fromEntries(
  ORDER.map((name) => [name, ALL[name]]),
);
