/**
 * A vhid's config as the state machine sees it, and the timers that follow
 * from it.
 * @module
 */

import type { VhidConfig } from "../config/mod.ts";
import {
  advertIntervalMs,
  carpElection,
  type Election,
  type ElectionConfig,
  initialState,
  masterDownMs,
  type PeerAddress,
  vrrpElection,
} from "../fsm/mod.ts";

/**
 * A vhid's election: its protocol's rules with its parameters, chosen once
 * for the vhid.
 *
 * @param c The vhid's config.
 * @returns The rules.
 */
export function electionOf(c: VhidConfig): Election {
  return c.protocol === "carp"
    ? carpElection({
      advbase: c.advbase,
      advskew: c.advskew,
      deadratio: c.deadratio,
    })
    : vrrpElection({
      priority: c.priority,
      intervalCs: c.advertIntervalCs,
      version: c.vrrpVersion,
    });
}

/**
 * The state machine's view of a vhid's config.
 *
 * @param c The vhid's config.
 * @param source The address peers know it by (its IPv4 source, or for an
 *   IPv6-only vhid its IPv6 one).
 * @param ownAddresses Every address its adverts go out from.
 * @returns The election settings.
 */
export function electionConfig(
  c: VhidConfig,
  source: PeerAddress,
  ownAddresses: readonly PeerAddress[] = [],
): ElectionConfig {
  return {
    vhid: c.id,
    election: electionOf(c),
    preempt: c.preempt,
    source,
    ownAddresses,
    neutral: c.neutral,
    garpCount: c.garpCount,
    garpIntervalMs: c.garpIntervalMs,
  };
}

/**
 * A vhid's advert interval as configured (no demotions), from the state
 * machine's own rules.
 *
 * @param v The vhid.
 * @returns Milliseconds between its adverts as master.
 */
export function configuredIntervalMs(v: VhidConfig): number {
  return advertIntervalMs(initialState(electionConfig(v, 0), 0n));
}

/**
 * A vhid's master-down interval as configured (no demotions), from the
 * state machine's own rules.
 *
 * @param v The vhid.
 * @returns Milliseconds of silence after which its backup takes over.
 */
export function configuredMasterDownMs(v: VhidConfig): number {
  return masterDownMs(initialState(electionConfig(v, 0), 0n));
}
