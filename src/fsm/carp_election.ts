/**
 * CARP's election (`../shared/research/ucarp.md` section 3) behind the
 * {@linkcode Election} interface: the rank is the advert interval
 * `advbase + advskew/256` s (smaller wins, ucarp's x86 tie-break on equal
 * ones), master-down is `advbase x deadratio + advskew/256` s, and the
 * bow-out is advbase 255, advskew 255. Where carpd departs from ucarp on
 * purpose: a change of rank is advertised at once, and after a bow-out
 * every backup claims mastership with an advert of its own and takes the
 * VIPs only if no better claim comes within {@linkcode CLAIM_WINDOW_MS}, so
 * the most preferred backup takes over alone.
 * @module
 */

import { CARP_BOW_OUT } from "../carp/mod.ts";
import {
  intervalTicks,
  masterDownTicks,
  remoteWinsTie,
  ticksToMs,
} from "./carp_timing.ts";
import type {
  BackupDecision,
  CarpAdvertFields,
  Election,
  ElectionAdvert,
  ElectionView,
  MasterDecision,
  PeerAddress,
} from "./election.ts";
import { nextCounter } from "./counter.ts";

/**
 * After a bow-out, every backup claims mastership at once with an advert
 * of its own priority, and waits this long for a better claim before it
 * takes the VIPs: the most preferred backup takes over alone, whatever the
 * skews, and the others never add a VIP or run an up script.
 */
export const CLAIM_WINDOW_MS = 8;

/**
 * How long a MASTER that handed over on a demotion waits for a successor
 * before it takes mastership back (ucarp backups may take up to a second to
 * see the bow-out); never longer than its master-down interval.
 */
export const HANDOVER_WINDOW_MS = 1200;

/**
 * The longest a stopping daemon keeps its VIPs waiting for a successor
 * (never longer than its master-down interval).
 */
export const RELEASE_STOP_MAX_MS = 1000;

/** Largest advskew a demotion can produce; 255 is kept for the bow-out. */
export const MAX_DEMOTED_ADVSKEW = 254;

/** What a CARP vhid is configured with. */
export interface CarpParams {
  /** Seconds, 0-255; 0 means adverts every advskew/256 s. */
  advbase: number;
  /** 1/256 s, 0-254 (at least 1 when advbase is 0). */
  advskew: number;
  /** Adverts a backup may miss before taking over. */
  deadratio: number;
}

/** CARP's rules with a vhid's parameters. */
export interface CarpElection extends Election {
  /** CARP. */
  readonly protocol: "carp";
  /** The parameters. */
  readonly params: CarpParams;
}

/**
 * The advskew in force: configured plus demotions, capped at 254; 254 while
 * in standby.
 *
 * @param p The vhid's parameters.
 * @param s Its state.
 * @returns The advskew to advertise and compare with.
 */
export function carpAdvskew(p: CarpParams, s: ElectionView): number {
  const base = p.advskew;
  if (s.standby) return Math.max(base, MAX_DEMOTED_ADVSKEW);
  if (s.demotion <= 0) return base;
  return Math.max(base, Math.min(MAX_DEMOTED_ADVSKEW, base + s.demotion));
}

/**
 * CARP's election for one vhid.
 *
 * @param params advbase, advskew, deadratio.
 * @returns The rules.
 */
export function carpElection(params: CarpParams): CarpElection {
  const p = { ...params };
  const skew = (s: ElectionView): number => carpAdvskew(p, s);
  const mine = (s: ElectionView): number => intervalTicks(p.advbase, skew(s));
  const masterDownMs = (s: ElectionView): number =>
    ticksToMs(masterDownTicks(p.advbase, skew(s), p.deadratio));
  // ucarp's tie-break. A dual-stack vhid sends each advert over both
  // families; only same-family copies decide ties, since comparing an IPv4
  // address with a link-local could make two masters each yield.
  const preferred = (
    s: ElectionView,
    source: PeerAddress,
    theirs: number,
  ): boolean =>
    theirs < mine(s) ||
    (theirs === mine(s) && typeof source === typeof s.config.source &&
      remoteWinsTie(source, s.config.source));
  return {
    protocol: "carp",
    params: p,
    rank: skew,
    intervalMs: (s) => ticksToMs(mine(s)),
    masterDownMs,
    followedIntervalMs(s): number | null {
      const a = s.heardMaster?.advert;
      if (a?.protocol !== "carp") return null;
      return ticksToMs(intervalTicks(a.advbase, a.advskew));
    },
    releaseHoldMs: (s) => Math.max(CLAIM_WINDOW_MS, masterDownMs(s)),
    releaseStopMaxMs: (s) => Math.min(RELEASE_STOP_MAX_MS, masterDownMs(s)),
    handoverWindowMs: (s) => Math.min(HANDOVER_WINDOW_MS, masterDownMs(s)),
    advert: (s) => carpAdvert(p.advbase, skew(s), s.counter),
    bowOut: (s) => carpAdvert(CARP_BOW_OUT, CARP_BOW_OUT, s.counter),
    peerIntervalMs: (a) =>
      a.protocol === "carp"
        ? ticksToMs(intervalTicks(a.advbase, a.advskew))
        : 0,
    isBowOut: (a) => a.protocol !== "carp" || a.advskew === CARP_BOW_OUT,
    counterAfter(s, a): bigint {
      if (a.protocol !== "carp") return s.counter;
      const next = nextCounter(a.counter);
      return next > s.counter ? next : s.counter;
    },
    asMaster(s, source, a): MasterDecision {
      if (a.protocol !== "carp") return { do: "ignore" };
      // OpenBSD: a claimant with a higher demote count than ours (0) is
      // never yielded to.
      if ((a.demote ?? 0) > 0) return { do: "reassert" };
      return preferred(s, source, intervalTicks(a.advbase, a.advskew))
        ? { do: "yield", advertFirst: true }
        : { do: "reassert" };
    },
    asBackup(s, source, a): BackupDecision {
      if (a.protocol !== "carp") return { do: "ignore" };
      const theirs = intervalTicks(a.advbase, a.advskew);
      const bowOut = theirs > masterDownTicks(p.advbase, skew(s), p.deadratio);
      if (s.claiming) {
        // Another claim, or the leaving master: only a better master or
        // claim makes us give way. Anything the leaving master sent before
        // its bow-out and that was overtaken on the way is no successor.
        const better = preferred(s, source, theirs);
        if (bowOut || !better || s.heardMaster?.source === source) {
          return { do: "ignore" };
        }
        return { do: "follow" };
      }
      // ucarp tests preemption first; both rules lead to MASTER, so testing
      // the bow-out first only gives the log a truer reason.
      if (bowOut) return { do: "claim", windowMs: CLAIM_WINDOW_MS };
      if (s.config.preempt && theirs > mine(s)) return { do: "preempt" };
      // OpenBSD: a master advertising a higher demote count than ours (0)
      // is taken over, preempting or not.
      if ((a.demote ?? 0) > 0) return { do: "preempt" };
      return { do: "follow" };
    },
    afterBowOut: () => ({ do: "claim", windowMs: CLAIM_WINDOW_MS }),
    prefers: (s, source, a) =>
      a.protocol === "carp" && !((a.demote ?? 0) > 0) &&
      preferred(s, source, intervalTicks(a.advbase, a.advskew)),
    standbyDemotion: () => MAX_DEMOTED_ADVSKEW,
    demotionWarning(s, peerText, a): string | null {
      const advskew = skew(s);
      if (
        a.protocol !== "carp" || a.advbase !== p.advbase || a.advskew < advskew
      ) return null;
      return `demoted to advskew ${advskew}, no worse than ${peerText} (advskew ${a.advskew}): raise demote above ${
        a.advskew - p.advskew
      } so it can take over`;
    },
  };
}

function carpAdvert(
  advbase: number,
  advskew: number,
  counter: bigint,
): CarpAdvertFields {
  return { protocol: "carp", advbase, advskew, counter };
}

/**
 * Whether a heard advert is CARP's (narrowing for callers).
 *
 * @param a An advert.
 * @returns `true` for a CARP advert.
 */
export function isCarpAdvert(a: ElectionAdvert): a is CarpAdvertFields {
  return a.protocol === "carp";
}
