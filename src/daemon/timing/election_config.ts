/**
 * What a vhid's protocol makes of its config, chosen once where the vhid
 * is built: its election (the state machine's rules), its admission of
 * peers' adverts, and the timers that follow from them.
 * @module
 */

import type { VhidConfig } from "../../config/mod.ts";
import {
  type Admission,
  admissionFor,
  advertIntervalMs,
  carpElection,
  type Election,
  type ElectionConfig,
  initialState,
  masterDownMs,
  type PeerAddress,
  vrrpElection,
} from "../../fsm/mod.ts";

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
 * A vhid's admission of its peers' adverts, by its protocol and options.
 *
 * @param c The vhid's config.
 * @returns A fresh admission.
 */
export function admissionOf(c: VhidConfig): Admission {
  return admissionFor({
    protocol: c.protocol,
    replayProtection: c.protocol === "carp" && c.replayProtection,
  });
}

/**
 * What a vhid's admission is built from: it is built afresh only when this
 * changes (the replay window then starts over).
 *
 * @param c The vhid's config.
 * @returns A key to compare.
 */
export function admissionKey(c: VhidConfig): string {
  return `${c.protocol} ${c.protocol === "carp" && c.replayProtection}`;
}

/**
 * The state machine's view of a vhid's config.
 *
 * @param c The vhid's config.
 * @param source The address peers know it by (its IPv4 source, or for an
 *   IPv6-only vhid its IPv6 one).
 * @param ownAddresses Every address its adverts go out from.
 * @param membership Its place in a group, if it is in one.
 * @returns The election settings.
 */
export function electionConfig(
  c: VhidConfig,
  source: PeerAddress,
  ownAddresses: readonly PeerAddress[] = [],
  membership: { gated: boolean } | null = null,
): ElectionConfig {
  return {
    ...(membership === null ? {} : { grouped: true, gated: membership.gated }),
    vhid: c.id,
    election: electionOf(c),
    preempt: c.preempt,
    source,
    ownAddresses,
    neutral: c.neutral,
    garpCount: c.garpCount,
    garpIntervalMs: c.garpIntervalMs,
    garpRefreshMs: c.garpRefreshMs,
    preemptDelayMs: c.preemptDelayMs,
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
