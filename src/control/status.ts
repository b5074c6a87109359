/**
 * The contract of `carpd status --json` (version 1), and its rendering for
 * people. These types are the wire format: the daemon maps its own state
 * into them, and fields are only ever added. The README documents each.
 * @module
 */

/** The status format version; bumped only for incompatible changes. */
export const STATUS_VERSION = 1;

/** A demotion in force and why. */
export interface DemotionStatus {
  /** `check squid`, `interface eth0`, `send errors, EPERM`, `standby`. */
  reason: string;
  /** advskew it adds (CARP), or priority it takes away (VRRP). */
  advskew: number;
}

/** How often one kind of hook ran and failed. */
export interface HookCountsStatus {
  /** Runs finished. */
  runs: number;
  /** Runs that failed: non-zero exit, signal, timeout, or not started. */
  failures: number;
}

/** One state change, for the history. */
export interface TransitionStatus {
  /** When, as an ISO 8601 UTC time. */
  at: string;
  /** The state left. */
  from: string;
  /** The state entered. */
  to: string;
  /**
   * Why: `master down`, `preferred master 10.0.0.3`, `master bowing out`,
   * `demoted by check squid`, `link down on eth0`, `standby`, ...
   */
  reason: string;
}

/** What one vhid has done since it started. */
export interface VhidCountersStatus {
  /** Adverts the kernel accepted to send. */
  advertsSent: number;
  /** Valid adverts heard from peers. */
  advertsReceived: number;
  /** Packets the kernel refused to send, by errno name (`EPERM`). */
  sendErrors: Record<string, number>;
  /** Gratuitous ARPs sent. */
  garpsSent: number;
  /** State changes. */
  transitions: number;
  /** VIPs put back after someone else removed them while MASTER. */
  vipsRestored: number;
  /** VRRP adverts whose address list differs from this vhid's. */
  vipListMismatches: number;
  /** Hooks run, by kind: `up`, `down` (scripts), `notify`. */
  hooks: Record<string, HookCountsStatus>;
  /** Packets dropped, by reason (`bad_hmac`, `replay`, ...). */
  drops: Record<string, number>;
}

/** A peer heard as master. */
export interface PeerStatus {
  /** Its address. */
  address: string;
  /** The advbase it advertised (`null` for VRRP). */
  advbase: number | null;
  /** The advskew it advertised (`null` for VRRP). */
  advskew: number | null;
  /** The priority it advertised (VRRP; `null` for CARP). */
  priority: number | null;
  /** The advert interval it advertised, seconds (VRRP; `null` for CARP). */
  advertInterval: number | null;
  /**
   * VRRP over IPv4: its adverts by checksum dialect (`pseudo`, `plain`,
   * `pseudo_mcast`); empty otherwise.
   */
  checksums: Record<string, number>;
  /** Seconds since it was last heard. */
  secondsAgo: number;
}

/** One vhid. */
export interface VhidStatus {
  /** Virtual host id. */
  vhid: number;
  /** Its interface. */
  interface: string;
  /** `carp` or `vrrp`. */
  protocol: "carp" | "vrrp";
  /** As written in the config. */
  vips: string[];
  /** `INIT`, `BACKUP`, `MASTER` or `FAULT`. */
  state: string;
  /** Why it is in FAULT (empty otherwise), such as `waiting for eth0.10`. */
  faults: string[];
  /** CARP: seconds between adverts as configured (`null` for VRRP). */
  advbase: number | null;
  /** CARP: configured, and in force (with demotions and standby). */
  advskew: { configured: number; effective: number } | null;
  /** VRRP: configured, and in force (`null` for CARP). */
  priority: { configured: number; effective: number } | null;
  /** VRRP: seconds between adverts as master (`null` for CARP). */
  advertInterval: number | null;
  /** VRRP over IPv4: the checksum dialect sent (`null` otherwise). */
  checksum: "pseudo" | "plain" | null;
  /** VRRP: the protocol version, 2 or 3 (`null` for CARP). */
  vrrpVersion: 2 | 3 | null;
  /** The demotions in force, with their reasons. */
  demotions: DemotionStatus[];
  /** In standby (`carpd standby`). */
  standby: boolean;
  /** The master as seen from here (ourselves when MASTER), or `null`. */
  master: string | null;
  /** Our IPv4 address in adverts (IPv4 VIPs), or `null` without one. */
  source: string | null;
  /** Our link-local IPv6 address in adverts (IPv6 VIPs), or `null`. */
  source6: string | null;
  /** The `[[group]]` it is in, or `null`. */
  group?: string | null;
  /** Seconds since the last transition. */
  secondsSinceTransition: number;
  /** Peers heard as masters in the last ten minutes, with their timers. */
  peers: PeerStatus[];
  /** The latest one of its protocol timers has fired since start, ms. */
  worstTimerLatenessMs: number;
  /**
   * The longest gap between two adverts of one peer since start, ms (gaps
   * over ten of the peer's intervals are a peer that was silent, not late).
   */
  worstAdvertGapMs: number;
  /** What looks wrong in the vhid's settings, seen at run time. */
  warnings: string[];
  /** What it has done since it started. */
  counters: VhidCountersStatus;
  /** Its last state changes, oldest first (at most 16). */
  history: TransitionStatus[];
  /**
   * The roll-out window of its last password or VIP-list change, `null`
   * when none was opened since the vhid started.
   */
  rollout: RolloutStatus | null;
}

/** A vhid's roll-out window (see README, "Changing VIPs or passwords"). */
export interface RolloutStatus {
  /** Whether adverts still go out, and are accepted, under earlier keys. */
  open: boolean;
  /** When the window ends (ended), ISO 8601 UTC. */
  until: string;
  /** Earlier identities kept (sent and accepted while open). */
  earlierKeys: number;
  /** What changed: `password`, `10.0.0.2/24 added`... */
  changes: string[];
  /**
   * Masters heard since the window opened only under an earlier key: they
   * have not taken the change yet.
   */
  mastersOnEarlierKey: string[];
}

/** One `[[group]]` on this box. */
export interface GroupStatus {
  /** Its name. */
  name: string;
  /**
   * MASTER while any member is, else FAULT while any member is, else
   * BACKUP (INIT before its members start).
   */
  state: string;
  /**
   * Some members MASTER and some not: for a claim window at a takeover;
   * longer, no box reaches every leg (a partition).
   */
  split: boolean;
  /** Seconds the members have been split, 0 when they are not. */
  splitSeconds: number;
  /** Its members, `interface/id`. */
  members: string[];
  /** Group transitions since start. */
  transitions: number;
  /** Times its members were found split since start. */
  splits: number;
  /** The pre-master step (conntrackd's commit, `pre_master`), when it has one. */
  preMaster: {
    runs: number;
    failures: number;
    timeouts: number;
    /** How long the last one took, ms; `null` before the first. */
    lastMs: number | null;
  } | null;
  /** The group `notify` hook's runs. */
  notify: HookCountsStatus;
  /** conntrackd's calls, when carpd drives it. */
  conntrackd: HookCountsStatus & { lastError: string | null } | null;
}

/** One health check. */
export interface CheckStatus {
  /** The check's name. */
  name: string;
  /** Passing (debounced by fall and rise). */
  up: boolean;
  /** advskew it adds while failing. */
  demote: number;
  /** Runs since start. */
  runs: number;
  /** Runs that failed. */
  failures: number;
  /** Runs killed at their timeout. */
  timeouts: number;
  /** Exit code of the last run; `null` when killed or not run yet. */
  lastCode: number | null;
  /** The signal that ended the last run, if one did. */
  lastSignal: string | null;
  /** How long the last run took. */
  lastDurationMs: number;
  /** Whether any run has passed since carpd started. */
  everPassed: boolean;
  /** Why the check itself looks broken, or `null`. */
  hint: string | null;
}

/** One `[[track_interface]]`. */
export interface TrackedInterfaceStatus {
  /** The interface. */
  name: string;
  /** Up with carrier. */
  up: boolean;
  /** advskew it adds while down. */
  demote: number;
}

/** An interface carpd uses. */
export interface InterfaceStatus {
  /** The interface. */
  name: string;
  /** It exists now. */
  present: boolean;
  /** Up with carrier. */
  usable: boolean;
  /** Packets dropped before they could be matched to a vhid, by reason. */
  drops: Record<string, number>;
}

/** The daemon's scheduling policy. */
export interface SchedulingStatus {
  /** `[daemon] scheduling`: "auto", "realtime" or "normal". */
  mode: "auto" | "realtime" | "normal";
  /** Whether its threads run realtime (SCHED_RR) now. */
  realtime: boolean;
  /** Why realtime was asked for, or `null`. */
  reason: string | null;
  /** Why it could not be had, or `null`. */
  error: string | null;
}

/** The last reload. */
export interface ReloadStatus {
  /** Reloads asked for since start. */
  count: number;
  /** Whether the last one was taken whole; `null` before the first. */
  ok: boolean | null;
  /** Why the last one failed, or `null`. */
  error: string | null;
}

/** The whole status, `carpd status --json`. */
export interface Status {
  /** {@linkcode STATUS_VERSION}. */
  version: number;
  /** carpd's version. */
  carpd: string;
  /** The daemon's process id. */
  pid: number;
  /** Seconds since it started. */
  uptimeSeconds: number;
  /** The last reload. */
  reload: ReloadStatus;
  /** The latest a protocol timer has fired, in ms, since start. */
  worstTimerLatenessMs: number;
  /** Realtime scheduling: asked for, had, and why. */
  scheduling: SchedulingStatus;
  /** Times links and addresses were re-read after rtnetlink lost events. */
  linkResyncs: number;
  /** Every vhid, by id. */
  vhids: VhidStatus[];
  /** Every `[[group]]` (absent from daemons older than groups). */
  groups?: GroupStatus[];
  /** Every health check. */
  checks: CheckStatus[];
  /** Every `[[track_interface]]`. */
  trackedInterfaces: TrackedInterfaceStatus[];
  /** Every interface a vhid uses. */
  interfaces: InterfaceStatus[];
}

function countsText(counts: Record<string, number>): string {
  return Object.entries(counts).filter(([, n]) => n > 0)
    .map(([r, n]) => `${r}=${n}`).join(" ") || "none";
}

/**
 * Renders a status for people.
 *
 * @param s The status.
 * @returns Lines of text.
 */
export function formatStatus(s: Status): string[] {
  const out: string[] = [
    `carpd ${s.carpd}, pid ${s.pid}, up ${Math.round(s.uptimeSeconds)} s`,
  ];
  if (s.reload.ok === false) {
    out.push(`last reload FAILED: ${s.reload.error ?? "unknown"}`);
  }
  const sched = s.scheduling;
  out.push(
    sched.realtime
      ? `scheduling realtime: ${sched.reason}`
      : sched.error !== null
      ? `scheduling normal, realtime refused: ${sched.error}`
      : `scheduling normal (${sched.mode})`,
  );
  for (const g of s.groups ?? []) out.push(...groupLines(g));
  for (const v of s.vhids) {
    const [name, rank] = v.priority !== null
      ? ["priority", v.priority]
      : ["advskew", v.advskew];
    const skew = rank === null || rank.configured === rank.effective
      ? `${name} ${rank?.effective}`
      : `${name} ${rank.effective} (configured ${rank.configured})`;
    out.push(
      `${
        v.protocol === "vrrp" ? `VRRPv${v.vrrpVersion ?? 3} vrid` : "vhid"
      } ${v.vhid} on ${v.interface}: ${v.state}${
        v.standby ? " (standby)" : ""
      }, ${skew}, ` +
        `master ${v.master ?? "unknown"}, for ${
          Math.round(v.secondsSinceTransition)
        } s`,
    );
    for (const f of v.faults) out.push(`  fault: ${f}`);
    for (const t of v.history.slice(-3)) {
      out.push(`  ${t.at} ${t.from} -> ${t.to} (${t.reason})`);
    }
    for (const w of v.warnings) out.push(`  warning: ${w}`);
    out.push(
      `  timers up to ${v.worstTimerLatenessMs} ms late; peers' adverts up to ${v.worstAdvertGapMs} ms apart`,
    );
    const from = [v.source, v.source6].filter((a) => a !== null).join(" and ");
    out.push(`  vips ${v.vips.join(", ")}; from ${from || "none"}`);
    for (const d of v.demotions) {
      const sign = v.protocol === "vrrp" ? "-" : "+";
      out.push(`  demoted ${sign}${d.advskew}: ${d.reason}`);
    }
    const c = v.counters;
    out.push(
      `  adverts sent ${c.advertsSent}, received ${c.advertsReceived}, transitions ${c.transitions}, drops ${
        countsText(c.drops)
      }`,
    );
    const errors = countsText(c.sendErrors);
    if (errors !== "none" || c.vipsRestored > 0) {
      out.push(
        `  send errors ${errors}; VIPs restored ${c.vipsRestored}`,
      );
    }
    if (c.vipListMismatches > 0) {
      out.push(`  adverts with another address list ${c.vipListMismatches}`);
    }
    const r = v.rollout;
    if (r !== null && (r.open || r.mastersOnEarlierKey.length > 0)) {
      const stale = r.mastersOnEarlierKey.length === 0
        ? ""
        : `; masters still on an earlier key: ${
          r.mastersOnEarlierKey.join(", ")
        }`;
      out.push(
        `  roll-out (${r.changes.join(", ")}) ${
          r.open ? "open" : "closed"
        } until ${r.until}, ${r.earlierKeys} earlier key(s)${stale}`,
      );
    }
  }
  for (const c of s.checks) {
    const last = c.lastSignal !== null
      ? `by ${c.lastSignal}`
      : `${c.lastCode ?? "none"}`;
    out.push(
      `check ${c.name}: ${
        c.up ? "passing" : `failing (demotes ${c.demote})`
      }, runs ${c.runs}, failures ${c.failures}, timeouts ${c.timeouts}, last exit ${last} in ${c.lastDurationMs} ms`,
    );
    if (c.hint !== null) out.push(`  looks broken: ${c.hint}`);
  }
  for (const t of s.trackedInterfaces) {
    out.push(
      `track_interface ${t.name}: ${
        t.up ? "up" : `down (demotes ${t.demote})`
      }`,
    );
  }
  for (const i of s.interfaces) {
    const drops = countsText(i.drops);
    if (!i.present || drops !== "none") {
      out.push(
        `interface ${i.name}: ${
          i.present ? (i.usable ? "up" : "down") : "missing"
        }, drops for no vhid ${drops}`,
      );
    }
  }
  return out;
}

function groupLines(g: GroupStatus): string[] {
  const out = [
    `group ${g.name}: ${g.state}${
      g.split ? ` (SPLIT for ${g.splitSeconds} s)` : ""
    }, members ${g.members.join(", ")}, transitions ${g.transitions}`,
  ];
  const p = g.preMaster;
  if (p !== null) {
    out.push(
      `  pre-master step: runs ${p.runs}, failures ${p.failures}, timeouts ${p.timeouts}, last ${
        p.lastMs === null ? "never" : `${p.lastMs} ms`
      }`,
    );
  }
  const c = g.conntrackd;
  if (c !== null) {
    out.push(
      `  conntrackd: calls ${c.runs}, failures ${c.failures}${
        c.lastError === null ? "" : `, last error: ${c.lastError}`
      }`,
    );
  }
  if (g.notify.runs > 0) {
    out.push(`  notify: runs ${g.notify.runs}, failures ${g.notify.failures}`);
  }
  return out;
}
