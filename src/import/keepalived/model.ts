/**
 * What a keepalived conversion builds: the vrrp_scripts, vrrp_instances and
 * trackers as read, the state kept while reading them, and the converted
 * config that rendering writes out.
 * @module
 */

import type { KaNode, OrderedNote } from "./parser.ts";

/** What the `[[vhid]]` tables speak. */
export type Protocol = "vrrp" | "carp";

/** A vrrp_script as read. */
export interface Script {
  /** Its name. */
  name: string;
  /** The vrrp_script statement. */
  node: KaNode;
  /** argv, or null when the block has no usable `script`. */
  command: string[] | null;
  /** Seconds between runs. */
  interval: number;
  /** Seconds a run may take, or null for keepalived's default. */
  timeout: number | null;
  /** Failed runs before it counts as failing, or null for the default. */
  fall: number | null;
  /** Passed runs before it counts as passing, or null for the default. */
  rise: number | null;
  /** Its weight (0: fault while failing). */
  weight: number;
  /** `weight W reverse`: the weight applies while it passes. */
  reverse: boolean;
  /** Whether an instance tracks it. */
  used: boolean;
}

/** A vrrp_instance as read. */
export interface Instance {
  /** Its name. */
  name: string;
  /** The vrrp_instance statement. */
  node: KaNode;
  /** virtual_router_id. */
  id: number;
  /** interface. */
  iface: string;
  /** The VIPs carried over, as written. */
  vips: string[];
  /** The address family of its VIPs. */
  family: 4 | 6;
  /** keepalived's configured priority, 1-255. */
  priority: number;
  /** The priority line, when given. */
  priorityNode: KaNode | null;
  /** `state MASTER`, when given. */
  stateNode: KaNode | null;
  /** preempt_delay, seconds, and its note. */
  preemptDelay: Explained<number> | null;
  /** garp_master_refresh (or the global one), seconds. */
  garpRefresh: Explained<number> | null;
  /** Added by inverting positive tracker weights. */
  raise: number;
  /** advert_int, in seconds. */
  advertInt: number;
  /** The advert_int line, when given. */
  advertNode: KaNode | null;
  /** The VRRP version. */
  version: 2 | 3;
  /** Where the version came from, for its comment. */
  versionWhy: string;
  /** The password carried over, if any. */
  authPass: string | null;
  /** Where the password came from, for its comment. */
  authWhy: string;
  /** Whether a better backup takes over from a master. */
  preempt: boolean;
  /** The advert source and the keyword that set it. */
  source: { addr: string; kw: string } | null;
  /** unicast_peer addresses. */
  peers: string[];
  /** Another IPv4 multicast group, and where it came from. */
  group: { addr: string; why: string } | null;
  /** garp_count, and where it came from. */
  garpCount: { value: number; why: string } | null;
  /** garp_interval, and where it came from. */
  garpInterval: { value: number; why: string } | null;
  /** down_timer_adverts, kept for CARP's deadratio. */
  downTimerAdverts: number | null;
  /** dont_track_primary. */
  ignoreLinkState: boolean;
  /** up_script. */
  upScript: string | null;
  /** down_script. */
  downScript: string | null;
  /** The keyword up_script came from. */
  upWhy: string;
  /** The keyword down_script came from. */
  downWhy: string;
  /** notify's argv. */
  notify: string[] | null;
  /** Weighted trackers kept, for the priority-255 note. */
  weights: string[];
}

/** A track_script or track_interface entry carried over. */
export interface Tracker {
  /** Script or interface name. */
  name: string;
  /** Weight 0: its vhids go to FAULT while it fails. */
  fault: boolean;
  /** How much it lowers its vhids' priority while it fails. */
  demote: number;
  /** From a positive weight, inverted. */
  inverted: boolean;
  /** The ids of the vhids it acts on, one per tracking instance. */
  vhids: number[];
  /** The instances tracking it. */
  instances: Instance[];
  /** The statement its table is blamed on and sorted by. */
  node: KaNode;
}

/** A tracked vrrp_script: a `[[check]]`. */
export type Check = Tracker & { script: Script };

/** The global_defs settings every instance may inherit. */
export interface Globals {
  /** vrrp_version. */
  version: number | null;
  /** vrrp_garp_master_repeat. */
  garpRepeat: number | null;
  /** vrrp_garp_master_delay, in seconds. */
  garpDelay: number | null;
  /** vrrp_min_garp. */
  minGarp: boolean;
  /** vrrp_garp_master_refresh, seconds. */
  garpRefresh: number | null;
  /** vrrp_mcast_group4. */
  group4: string | null;
}

/** A carp.toml value and the comment that says where it came from. */
export interface Explained<T> {
  /** The value. */
  value: T;
  /** Its comment ("" for none). */
  why: string;
}

/** The keys of a VRRP `[[vhid]]` that its protocol decides. */
export interface VrrpKeys {
  /** VRRP. */
  protocol: "vrrp";
  /** priority. */
  priority: Explained<number>;
  /** advert_interval, in seconds. */
  advertInterval: Explained<number>;
}

/** The keys of a CARP `[[vhid]]` that its protocol decides. */
export interface CarpKeys {
  /** CARP. */
  protocol: "carp";
  /** password. */
  password: Explained<string>;
  /** advbase, in seconds. */
  advbase: Explained<number>;
  /** advskew. */
  advskew: Explained<number>;
}

/** One `[[vhid]]`: an instance and its protocol's keys. */
export interface Vhid {
  /** The instance. */
  instance: Instance;
  /** Its protocol's keys. */
  keys: VrrpKeys | CarpKeys;
}

/** A vrrp_sync_group as carried over. */
export interface SyncGroup {
  /** Its name. */
  name: string;
  /** Its member instances, by name. */
  members: string[];
  /** Its generic `notify`, carried over as the group's notify. */
  notify: string[] | null;
  /** Its notify scripts ran Debian's primary-backup.sh: carpd drives conntrackd. */
  conntrackd: boolean;
  /** The statement. */
  node: KaNode;
}

/** A converted config, ready to render. */
export interface Converted {
  /** The main config file. */
  path: string;
  /** What the vhids speak. */
  protocol: Protocol;
  /** In source order. */
  vhids: Vhid[];
  /** In the source order of their vrrp_script. */
  checks: Check[];
  /** The tracked interfaces, in order of first use. */
  tracks: Tracker[];
  /** The sync groups, each as a `[[group]]` of `interface/id` members. */
  groups: { group: SyncGroup; members: string[] }[];
  /** Everything not carried over as it was, in the order it was noted. */
  notes: OrderedNote[];
}

/** What conversion keeps while it goes through the statements. */
export interface Conversion {
  /** The main config file. */
  readonly path: string;
  /** What the vhids speak. */
  readonly protocol: Protocol;
  /** Every note so far, in the order taken. */
  readonly notes: OrderedNote[];
  /** The vrrp_scripts read so far, by name. */
  readonly scripts: Map<string, Script>;
  /** Every vrrp_script, found before the others are read. */
  readonly scriptNodes: Map<string, KaNode>;
  /** The instances read so far, in order. */
  readonly instances: Instance[];
  /** Every instance name read so far, with its statement. */
  readonly instanceNames: Map<string, KaNode>;
  /** Sync group members, and whether their group keeps tracker weights. */
  readonly synced: Map<string, { group: string; weights: boolean }>;
  /** The sync groups, in order. */
  readonly syncGroups: SyncGroup[];
  /** The checks so far. */
  readonly checks: Check[];
  /** The tracked interfaces so far. */
  readonly tracks: Tracker[];
  /** global_defs. */
  readonly globals: Globals;
}

/**
 * A conversion with nothing read yet.
 *
 * @param path The main config file.
 * @param protocol What the vhids speak.
 * @param notes The notes taken while reading the files (copied).
 * @returns The empty state.
 */
export function newConversion(
  path: string,
  protocol: Protocol,
  notes: readonly OrderedNote[],
): Conversion {
  return {
    path,
    protocol,
    notes: [...notes],
    scripts: new Map(),
    scriptNodes: new Map(),
    instances: [],
    instanceNames: new Map(),
    synced: new Map(),
    syncGroups: [],
    checks: [],
    tracks: [],
    globals: {
      version: null,
      garpRepeat: null,
      garpDelay: null,
      minGarp: false,
      garpRefresh: null,
      group4: null,
    },
  };
}

/**
 * The vhids a tracker names, each once.
 *
 * @param t The tracker.
 * @returns Its vhid ids in the order they were added, without repeats.
 */
export function trackedVhids(t: Tracker): number[] {
  return [...new Set(t.vhids)];
}
