/**
 * VRRP's election (RFC 9568 section 6, `../shared/research/vrrp_ipv6.md`
 * section 1.7) behind the {@linkcode Election} interface, v3 and v2 (RFC
 * 3768) as a parameter: priorities (higher wins, the greater address on a
 * tie), Skew_Time and Master_Down_Interval, a backup adopting the master's
 * interval (v3 only), priority 0 as the bow-out. Timers are kept in
 * milliseconds with sub-millisecond precision, as keepalived keeps them
 * (FRR truncates to centiseconds; carpd does not).
 * @module
 */

import { compareIpv6, parseIpv6 } from "../net/mod.ts";
import { VRRP_PRIORITY_BOW_OUT } from "../vrrp/mod.ts";
import type {
  BackupDecision,
  Election,
  ElectionAdvert,
  ElectionView,
  MasterDecision,
  PeerAddress,
  VrrpAdvertFields,
} from "./election.ts";

/** The lowest priority a demotion or standby leaves a VRRP vhid with. */
export const MIN_DEMOTED_PRIORITY = 1;

/** What a VRRP vhid is configured with. */
export interface VrrpParams {
  /** Priority, 1-254; higher wins. */
  priority: number;
  /** Advertisement_Interval, centiseconds (1-4095; whole seconds for v2). */
  intervalCs: number;
  /**
   * 2 for VRRPv2 (RFC 3768): the skew is `(256 - priority) / 256` s
   * whatever the interval, and backups keep their own interval (v2 drops
   * adverts with another). 3 for RFC 9568.
   */
  version: 2 | 3;
}

/** VRRP's rules with a vhid's parameters. */
export interface VrrpElection extends Election {
  /** VRRP. */
  readonly protocol: "vrrp";
  /** The parameters. */
  readonly params: VrrpParams;
}

/**
 * A VRRP priority as the rank the shared lifecycle compares (lower wins,
 * as CARP's advskew), and back: the one mapping between the two.
 *
 * @param n A priority (or a rank).
 * @returns The rank (or the priority).
 */
export function priorityRank(n: number): number {
  return 255 - n;
}

/**
 * Skew_Time: how much longer a backup of lower priority waits.
 *
 * @param priority The backup's (effective) priority, 1-254.
 * @param intervalCs The master's advertised interval, centiseconds.
 * @returns `((256 - priority) x interval) / 256`, in milliseconds.
 */
export function skewMs(priority: number, intervalCs: number): number {
  return (256 - priority) * intervalCs * 10 / 256;
}

/**
 * The VRRP tie-break between masters of equal priority: the one with the
 * greater primary address wins, compared as unsigned numbers in network
 * byte order (IPv6 link-locals byte by byte).
 *
 * @param remote The other master's address (network-order number, or
 *   IPv6 text).
 * @param local Ours, in the same family.
 * @returns Whether the other master keeps mastership.
 */
export function vrrpRemoteWinsTie(
  remote: PeerAddress,
  local: PeerAddress,
): boolean {
  if (typeof remote === "number" && typeof local === "number") {
    return remote >>> 0 > local >>> 0;
  }
  if (typeof remote === "string" && typeof local === "string") {
    const a = parseIpv6(remote);
    const b = parseIpv6(local);
    return a !== null && b !== null && compareIpv6(a, b) > 0;
  }
  return false;
}

/**
 * The priority in force: configured minus demotions, at least 1; 1 while
 * in standby.
 *
 * @param p The vhid's parameters.
 * @param s Its state.
 * @returns The priority to advertise and compare with.
 */
export function vrrpPriority(p: VrrpParams, s: ElectionView): number {
  if (s.standby) return MIN_DEMOTED_PRIORITY;
  return Math.max(MIN_DEMOTED_PRIORITY, p.priority - Math.max(0, s.demotion));
}

/**
 * VRRP's election for one vhid.
 *
 * @param params Priority, interval and version.
 * @returns The rules.
 */
export function vrrpElection(params: VrrpParams): VrrpElection {
  const p = { ...params };
  const priority = (s: ElectionView): number => vrrpPriority(p, s);
  /** The master's interval a backup times out on. */
  const activeCs = (s: ElectionView): number =>
    s.activeIntervalCs ?? p.intervalCs;
  /** Skew_Time: v3's formula, or v2's in whole seconds. */
  const skew = (s: ElectionView): number =>
    skewMs(priority(s), p.version === 2 ? 100 : activeCs(s));
  const masterDownMs = (s: ElectionView): number =>
    3 * activeCs(s) * 10 + skew(s);
  const intervalMs = (): number => p.intervalCs * 10;
  const advert = (prio: number): VrrpAdvertFields => ({
    protocol: "vrrp",
    priority: prio,
    intervalCs: p.intervalCs,
  });
  const afterBowOut = (s: ElectionView): BackupDecision => ({
    do: "wait",
    ms: skew(s),
  });
  const prefers = (
    s: ElectionView,
    source: PeerAddress,
    a: ElectionAdvert,
  ): boolean => {
    if (a.protocol !== "vrrp") return false;
    const mine = priority(s);
    return a.priority > mine ||
      (a.priority === mine && vrrpRemoteWinsTie(source, s.config.source));
  };
  // A v3 backup follows the master's interval; v2 keeps its own.
  const adopt = (a: VrrpAdvertFields): { adoptIntervalCs?: number } =>
    p.version === 2 ? {} : { adoptIntervalCs: a.intervalCs };
  return {
    protocol: "vrrp",
    params: p,
    rank: (s) => priorityRank(priority(s)),
    intervalMs,
    masterDownMs,
    followedIntervalMs: (s) => s.heardMaster === null ? null : activeCs(s) * 10,
    releaseHoldMs: masterDownMs,
    // A backup waits up to one interval (its Skew_Time) after the
    // priority-0 advert, so a long interval waits longer.
    releaseStopMaxMs: (s) =>
      Math.min(Math.max(1000, intervalMs() + 200), masterDownMs(s)),
    // A backup takes over one Skew_Time (under one interval) after the
    // priority-0 advert; two intervals leave it room.
    handoverWindowMs: (s) => Math.min(2 * intervalMs() + 100, masterDownMs(s)),
    advert: (s) => advert(priority(s)),
    bowOut: () => advert(VRRP_PRIORITY_BOW_OUT),
    peerIntervalMs: (a) => a.protocol === "vrrp" ? a.intervalCs * 10 : 0,
    isBowOut: (a) =>
      a.protocol !== "vrrp" || a.priority === VRRP_PRIORITY_BOW_OUT,
    counterAfter: (s) => s.counter,
    asMaster(s, source, a): MasterDecision {
      if (a.protocol !== "vrrp") return { do: "ignore" };
      // Another master leaving: tell the backups we are here.
      if (a.priority === VRRP_PRIORITY_BOW_OUT) return { do: "answer" };
      return prefers(s, source, a)
        ? { do: "yield", advertFirst: false, ...adopt(a) }
        : { do: "reassert" };
    },
    asBackup(s, _source, a): BackupDecision {
      if (a.protocol !== "vrrp") return { do: "ignore" };
      if (a.priority === VRRP_PRIORITY_BOW_OUT) return afterBowOut(s);
      if (!s.config.preempt || a.priority >= priority(s)) {
        return { do: "follow", ...adopt(a) };
      }
      // A preempting backup ignores a worse master: its own timer runs
      // out and it takes over (RFC 9568 section 6.4.2).
      return { do: "outlast" };
    },
    afterBowOut,
    prefers,
    standbyDemotion: () => p.priority - MIN_DEMOTED_PRIORITY,
    demotionWarning(s, peerText, a): string | null {
      const mine = priority(s);
      if (a.protocol !== "vrrp" || a.priority > mine) return null;
      return `demoted to priority ${mine}, no lower than ${peerText} (priority ${a.priority}): raise demote above ${
        p.priority - a.priority
      } so it can take over`;
    },
  };
}
