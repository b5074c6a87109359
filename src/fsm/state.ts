/**
 * The state of one vhid, whatever its protocol: where it stands, its
 * faults, its timers, what it holds back after a bow-out. Immutable values;
 * `machine.ts` steps them. What the numbers mean for an election (rank,
 * intervals) is asked of the vhid's {@linkcode Election}.
 * @module
 */

import type {
  Election,
  ElectionView,
  HeardMaster,
  PeerAddress,
} from "./election.ts";
import { COUNTER_MASK } from "./counter.ts";

/** Where a vhid stands. */
export type StateName = "INIT" | "BACKUP" | "MASTER" | "FAULT";

/**
 * What keeps a vhid in FAULT: its interface is missing, its link is down,
 * it has no address to advertise from, its VIPs could not be added, or a
 * check (or tracked interface) with `fault = true` fails. A vhid is in
 * FAULT (once started) while any of them holds.
 */
export type FaultKind = "interface" | "link" | "source" | "vips" | "check";

/** The faults of a vhid, each with the sentence status and logs show. */
export type Faults = Readonly<Partial<Record<FaultKind, string>>>;

/** Fault kinds in the order status lists them. */
export const FAULT_KINDS: readonly FaultKind[] = [
  "interface",
  "link",
  "source",
  "vips",
  "check",
];

/** Why a transition happened. */
export type TransitionReason =
  | "start"
  | "master down"
  | "preemption"
  | "master bowing out"
  | "preferred master"
  | "step down"
  | "standby"
  | "link down"
  | "link up"
  | "interface missing"
  | "interface back"
  | "no source address"
  | "source address back"
  | "cannot add VIPs"
  | "retrying VIPs"
  | "check failing"
  | "check passing"
  | "demoted"
  | "no successor"
  | "group takeover"
  | "group preemption"
  | "stop";

/** The reason given when a fault starts, and when it ends. */
export const FAULT_REASONS: Record<
  FaultKind,
  { raised: TransitionReason; cleared: TransitionReason }
> = {
  interface: { raised: "interface missing", cleared: "interface back" },
  link: { raised: "link down", cleared: "link up" },
  source: { raised: "no source address", cleared: "source address back" },
  vips: { raised: "cannot add VIPs", cleared: "retrying VIPs" },
  check: { raised: "check failing", cleared: "check passing" },
};

/** First wait before adding VIPs again after a failure; it doubles. */
export const VIP_RETRY_FIRST_MS = 1000;
/** Longest wait between attempts to add the VIPs. */
export const VIP_RETRY_MAX_MS = 60_000;

/**
 * After a bow-out the VIPs stay on until this long after the first advert
 * of a successor (its claim): time for it to win the claim window, add the
 * VIPs and announce them, so clients move without losing a packet.
 */
export const RELEASE_GRACE_MS = 30;

/** Worse masters a MASTER keeps answering one by one (a race has two). */
export const REASSERT_PEERS_MAX = 8;

/** What the election of one vhid is configured with. */
export interface ElectionConfig {
  /** Virtual host id. */
  vhid: number;
  /** The protocol's rules, with their parameters. */
  election: Election;
  /** Take over from a less preferred master. */
  preempt: boolean;
  /**
   * Our source address, for the master tie-break and to know our own
   * adverts: the IPv4 one (a number), or for an IPv6-only vhid the IPv6 one
   * (its text).
   */
  source: PeerAddress;
  /**
   * Every address our adverts go out from, in any family (our own adverts
   * looped back are ignored); `source` counts without being listed.
   */
  ownAddresses?: readonly PeerAddress[];
  /** Skip the down hook on the first INIT -> BACKUP (ucarp `--neutral`). */
  neutral: boolean;
  /** Gratuitous ARPs sent on becoming master (at least 1). */
  garpCount: number;
  /** Milliseconds between them. */
  garpIntervalMs: number;
  /** Gratuitous ARPs again this often while MASTER (0 or absent: never). */
  garpRefreshMs?: number;
  /**
   * Wait this long before taking over from a live, less preferred master
   * (0 or absent: at once); never when no master is heard.
   */
  preemptDelayMs?: number;
  /**
   * A member of a group: its takeovers and preemptions are told to the
   * other members (`group_signal` actions), and theirs to it (`group`).
   */
  grouped?: boolean;
  /**
   * Its group has a pre-master step: on becoming MASTER it advertises at
   * once, then waits for the step (`pre_master`) before adding the VIPs.
   */
  gated?: boolean;
}

/** The whole state of one vhid. Treat as immutable. */
export interface VhidState extends ElectionView {
  /** Configuration. */
  readonly config: ElectionConfig;
  /** Current state. */
  readonly state: StateName;
  /** When the next advert is due (MASTER). */
  readonly advertAt: number | null;
  /** When the master is declared down (BACKUP). */
  readonly masterDownAt: number | null;
  /** Why a BACKUP becomes MASTER when `masterDownAt` comes. */
  readonly takeover: TransitionReason;
  /**
   * The `masterDownAt` granted as grace after this vhid itself was stalled
   * (see the `timer` event), so the grace is given once per silence.
   */
  readonly stallGraceUntil: number | null;
  /** When the next repeated gratuitous ARP is due. */
  readonly garpAt: number | null;
  /** Repeated gratuitous ARPs still to send. */
  readonly garpsLeft: number;
  /** When the next refresh of gratuitous ARPs is due (MASTER). */
  readonly garpRefreshAt: number | null;
  /**
   * When a BACKUP waiting out its preempt delay takes over from the live,
   * less preferred master it hears.
   */
  readonly preemptAt: number | null;
  /**
   * When we last re-asserted against each worse master (a few at most):
   * each claimant is answered at once, each at most once per interval.
   */
  readonly reassertedAt: ReadonlyMap<PeerAddress, number>;
  /** The master heard last, or `null`. */
  readonly heardMaster: HeardMaster | null;
  /** Why the vhid cannot serve now (FAULT once started). */
  readonly faults: Faults;
  /** Failed attempts to add the VIPs since they last went on. */
  readonly vipFailures: number;
  /** When to try the VIPs again (FAULT for `vips`). */
  readonly vipRetryAt: number | null;
  /**
   * After a bow-out, the VIPs are still on until this time (brought forward
   * when a successor is heard); `null` when nothing is held back.
   */
  readonly releaseAt: number | null;
}

/**
 * A vhid in INIT, before `start`.
 *
 * @param config Election settings.
 * @param initialCounter A random 64-bit value (the caller owns randomness).
 * @returns The state.
 */
export function initialState(
  config: ElectionConfig,
  initialCounter: bigint,
): VhidState {
  return {
    config,
    state: "INIT",
    demotion: 0,
    standby: false,
    counter: initialCounter & COUNTER_MASK,
    advertAt: null,
    masterDownAt: null,
    takeover: "master down",
    claiming: false,
    stallGraceUntil: null,
    garpAt: null,
    garpsLeft: 0,
    garpRefreshAt: null,
    preemptAt: null,
    reassertedAt: new Map(),
    heardMaster: null,
    faults: {},
    vipFailures: 0,
    vipRetryAt: null,
    releaseAt: null,
    activeIntervalCs: null,
  };
}

/**
 * The faults of a vhid as sentences, in a fixed order.
 *
 * @param s The vhid.
 * @returns One sentence per fault; empty when it can serve.
 */
export function faultList(s: VhidState): string[] {
  return FAULT_KINDS.flatMap((k) => {
    const d = s.faults[k];
    return d === undefined ? [] : [d];
  });
}

/**
 * Whether any fault holds.
 *
 * @param f The faults.
 * @returns `true` when the vhid cannot serve.
 */
export function hasFaults(f: Faults): boolean {
  return FAULT_KINDS.some((k) => f[k] !== undefined);
}

/**
 * How long to wait before adding the VIPs again after `failures` failures.
 *
 * @param failures Failures so far (at least 1).
 * @returns Milliseconds: 1 s, doubling, at most 60 s.
 */
export function vipRetryDelayMs(failures: number): number {
  return Math.min(
    VIP_RETRY_MAX_MS,
    VIP_RETRY_FIRST_MS * 2 ** Math.max(0, failures - 1),
  );
}

/**
 * How far from the most preferred a vhid stands now (higher is less
 * preferred), by its protocol's rules.
 *
 * @param s The vhid.
 * @returns The rank.
 */
export function effectiveRank(s: VhidState): number {
  return s.config.election.rank(s);
}

/**
 * Milliseconds between adverts as master.
 *
 * @param s The vhid.
 * @returns The interval.
 */
export function advertIntervalMs(s: VhidState): number {
  return s.config.election.intervalMs(s);
}

/**
 * Milliseconds of silence after which a backup takes over: CARP's
 * master-down, or VRRP's Master_Down_Interval from the master's interval.
 *
 * @param s The vhid.
 * @returns The master-down interval.
 */
export function masterDownMs(s: VhidState): number {
  return s.config.election.masterDownMs(s);
}

/**
 * The earliest pending timer.
 *
 * @param s The vhid.
 * @returns A time, or `null` when nothing is armed.
 */
export function nextDeadline(s: VhidState): number | null {
  let next: number | null = null;
  for (
    const t of [
      s.advertAt,
      s.masterDownAt,
      s.garpAt,
      s.vipRetryAt,
      s.releaseAt,
      s.garpRefreshAt,
      s.preemptAt,
    ]
  ) {
    if (t !== null && (next === null || t < next)) next = t;
  }
  return next;
}
