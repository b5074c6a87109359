/**
 * The election interface: what one protocol decides for a vhid, as data.
 * The state machine (`machine.ts`) keeps the lifecycle every protocol
 * shares (faults, VIP retries, make before break, stop) and asks the vhid's
 * election for everything that differs: its rank, its intervals, what a
 * peer's advert means in each state, the advert to send and the bow-out.
 * There is one implementation per protocol, chosen once, when the vhid's
 * config is built: CARP (`carp_election.ts`) and VRRP, v2 and v3 as
 * parameters (`vrrp_election.ts`).
 * @module
 */

import type { PeerAddress } from "../net/mod.ts";

/**
 * Where an advert came from: an IPv4 address (a network-order number) or an
 * IPv6 one (its RFC 5952 text).
 */
export type { PeerAddress };

/** A CARP advert, as sent or heard. */
export interface CarpAdvertFields {
  /** The protocol. */
  protocol: "carp";
  /** Seconds; 255 in the bow-out. */
  advbase: number;
  /** 1/256 s; 255 in the bow-out. */
  advskew: number;
  /** The 64-bit replay counter. */
  counter: bigint;
  /**
   * OpenBSD's demotion count (its header's otherwise reserved byte): 0 or
   * absent from ucarp and carpd, which demote by advskew.
   */
  demote?: number;
}

/** A VRRP advert (v2 or v3), as sent or heard. */
export interface VrrpAdvertFields {
  /** The protocol. */
  protocol: "vrrp";
  /** 1-254; 0 in the bow-out ("the master is leaving"). */
  priority: number;
  /** The advertised interval, centiseconds. */
  intervalCs: number;
}

/** An advert as the election reads it: the same shape sent and heard. */
export type ElectionAdvert = CarpAdvertFields | VrrpAdvertFields;

/** The master last heard, for status and the protocol's timers. */
export interface HeardMaster {
  /** Its address. */
  source: PeerAddress;
  /** What it advertised. */
  advert: ElectionAdvert;
  /** When we heard it. */
  at: number;
}

/** What an election reads of a vhid's state. */
export interface ElectionView {
  /** Sum of the demotions in force (advskew added, priority taken off). */
  readonly demotion: number;
  /** Administrative standby: the least preferred rank short of leaving. */
  readonly standby: boolean;
  /** The next counter to send. */
  readonly counter: bigint;
  /** A BACKUP claiming mastership after a bow-out. */
  readonly claiming: boolean;
  /** The master heard last. */
  readonly heardMaster: HeardMaster | null;
  /**
   * The interval learnt from the master's adverts (centiseconds), for a
   * protocol whose backups adopt it; `null` until one is heard.
   */
  readonly activeIntervalCs: number | null;
  /** The settings every protocol has. */
  readonly config: {
    /** Our address in adverts (the tie-break, and our own adverts). */
    readonly source: PeerAddress;
    /** Take over from a less preferred master. */
    readonly preempt: boolean;
  };
}

/** What a MASTER does with a peer's advert. */
export type MasterDecision =
  /** Nothing. */
  | { do: "ignore" }
  /** Advertise at once and restart the cadence (another master leaves). */
  | { do: "answer" }
  /**
   * The peer is preferred: leave, and follow it (adopting its interval
   * when given); with `advertFirst`, send one more advert before leaving,
   * so the winner hears a worse master and re-asserts to the clients.
   */
  | { do: "yield"; advertFirst: boolean; adoptIntervalCs?: number }
  /** The peer is less preferred: re-assert (advert and ARP). */
  | { do: "reassert" };

/** What a BACKUP does with a peer's advert. */
export type BackupDecision =
  /** Nothing (the master heard is not replaced). */
  | { do: "ignore" }
  /** Follow this master: its master-down restarts (adopting its interval). */
  | { do: "follow"; adoptIntervalCs?: number }
  /**
   * The master bows out: claim mastership at once with an advert of our
   * own and take over unless a better claim comes within `windowMs`.
   */
  | { do: "claim"; windowMs: number }
  /** The master bows out: take over after `ms` unless a master is heard. */
  | { do: "wait"; ms: number }
  /** The master is less preferred and we preempt: MASTER now. */
  | { do: "preempt" }
  /**
   * The master is less preferred and we preempt when our own timer runs
   * out (it is not restarted).
   */
  | { do: "outlast" };

/** One protocol's rules for one vhid, its parameters bound. */
export interface Election {
  /** Which protocol, for status and messages (never for branching). */
  readonly protocol: "carp" | "vrrp";
  /**
   * How far from the most preferred this vhid stands now: higher is less
   * preferred (CARP: the effective advskew; VRRP: 255 minus the effective
   * priority).
   */
  rank(s: ElectionView): number;
  /** Milliseconds between our adverts as MASTER. */
  intervalMs(s: ElectionView): number;
  /** Milliseconds of silence after which a BACKUP takes over. */
  masterDownMs(s: ElectionView): number;
  /** The interval of the master a BACKUP follows, `null` when none is heard. */
  followedIntervalMs(s: ElectionView): number | null;
  /** After a bow-out, how long the VIPs stay on at most waiting for a successor. */
  releaseHoldMs(s: ElectionView): number;
  /** The longest a stopping vhid keeps its VIPs for a successor. */
  releaseStopMaxMs(s: ElectionView): number;
  /** How long a MASTER that handed over on a demotion waits for a successor. */
  handoverWindowMs(s: ElectionView): number;
  /** The advert of the vhid as it stands. */
  advert(s: ElectionView): ElectionAdvert;
  /** The advert that says this master is leaving. */
  bowOut(s: ElectionView): ElectionAdvert;
  /** The interval a heard advert announces, ms (0 for another protocol's). */
  peerIntervalMs(a: ElectionAdvert): number;
  /** Whether a heard advert is a bow-out (and thus no successor). */
  isBowOut(a: ElectionAdvert): boolean;
  /** The counter to send next after hearing `a` (it only moves forward). */
  counterAfter(s: ElectionView, a: ElectionAdvert): bigint;
  /** What a MASTER does with a peer's advert. */
  asMaster(
    s: ElectionView,
    source: PeerAddress,
    a: ElectionAdvert,
  ): MasterDecision;
  /** What a BACKUP does with a peer's advert. */
  asBackup(
    s: ElectionView,
    source: PeerAddress,
    a: ElectionAdvert,
  ): BackupDecision;
  /**
   * What a BACKUP does when the master it follows leaves (its bow-out):
   * claim, or wait for a better claim.
   */
  afterBowOut(s: ElectionView): BackupDecision;
  /** Whether a peer advertising `a` from `source` is preferred to this vhid. */
  prefers(s: ElectionView, source: PeerAddress, a: ElectionAdvert): boolean;
  /** How much a standby demotes, as status shows it. */
  standbyDemotion(): number;
  /**
   * A warning when a health demotion of `demotion` leaves this vhid no
   * less preferred than a peer heard advertising `peer`: that peer would
   * not take over. `null` when it would.
   */
  demotionWarning(
    s: ElectionView,
    peerText: string,
    peer: ElectionAdvert,
  ): string | null;
}
