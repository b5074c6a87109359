/**
 * The validated config as the daemon takes it: a vhid is a union by
 * protocol (what only CARP or only VRRP has lives in its own member), with
 * the settings every vhid has in common; health checks; tracked interfaces.
 * @module
 */

import type { Ipv6 } from "../net/mod.ts";

/** A virtual IPv4 address with the prefix length it is added with. */
export interface Vip4 {
  /** The address family. */
  family: 4;
  /** The address, a network-order number. */
  address: number;
  /** Prefix length, 32 when not given. */
  prefix: number;
  /** As written in the config (passed to up/down scripts, like ucarp). */
  text: string;
}

/** A virtual IPv6 address with the prefix length it is added with. */
export interface Vip6 {
  /** The address family. */
  family: 6;
  /** The 16 bytes. */
  address: Ipv6;
  /** Prefix length, 128 when not given. */
  prefix: number;
  /** As written in the config. */
  text: string;
}

/** A virtual address of either family. */
export type Vip = Vip4 | Vip6;

/** Where `GET /metrics` is served. */
export interface MetricsListen {
  /** IPv4 or IPv6 address, without brackets. */
  hostname: string;
  /** TCP port, 1-65535. */
  port: number;
}

/** What every vhid has, whatever its protocol. */
export interface VhidCommon {
  /** Virtual host id (VRRP: the VRID), 1-255. */
  id: number;
  /** Where adverts go and the VIPs are added. */
  interface: string;
  /** The virtual addresses, as configured. */
  vips: Vip[];
  /** Our address in adverts; `null`: the interface's own, followed. */
  source: number | null;
  /** Take over from a less preferred master. */
  preempt: boolean;
  /** No down script at start (ucarp `-n`). */
  neutral: boolean;
  /** How adverts travel. */
  mode: "multicast" | "broadcast" | "unicast";
  /** The multicast group (network-order number). */
  group: number;
  /** Unicast IPv4 peers (network-order numbers). */
  peers: number[];
  /** Unicast IPv6 peers. */
  peers6: Ipv6[];
  /** Gratuitous ARPs on becoming MASTER. */
  garpCount: number;
  /** Milliseconds between them. */
  garpIntervalMs: number;
  /** Run as `script <iface> <vip> [xparam]` on becoming MASTER. */
  upScript: string | null;
  /** Run the same way on leaving MASTER and at start. */
  downScript: string | null;
  /** Extra argument for the scripts. */
  xparam: string | null;
  /** argv run on every transition, with the transition appended. */
  notify: string[] | null;
  /** Scripts and hooks are killed after this long. */
  scriptTimeoutMs: number;
  /** Remove the VIPs when carpd stops. */
  releaseVipsOnExit: boolean;
  /**
   * After a reload changes the password or the VIP list, the earlier ones
   * are still sent and accepted this long (0: switch at once).
   */
  rolloutWindowMs: number;
  /** Gratuitous ARPs (unsolicited NAs) this often while MASTER; 0: never. */
  garpRefreshMs: number;
  /** Wait before taking over from a live, less preferred master; 0: none. */
  preemptDelayMs: number;
  /** carpd adds and removes the VIPs (false: the up/down scripts do, as with ucarp). */
  manageVips: boolean;
  /** Stay in the election when the link goes down (ucarp `-S`). */
  ignoreLinkState: boolean;
}

/** A CARP vhid (ucarp's protocol). */
export interface CarpVhidConfig extends VhidCommon {
  /** The protocol spoken. */
  protocol: "carp";
  /** Password bytes; never logged or shown. */
  key: Uint8Array;
  /** Where the key came from, for messages: "password" or the file path. */
  keySource: string;
  /** Seconds between adverts (0: every advskew/256 s). */
  advbase: number;
  /** 1/256 s added to advbase; lower wins. */
  advskew: number;
  /** Adverts a backup may miss. */
  deadratio: number;
  /** Drop adverts whose counter is not above the sender's last (carpd-only groups). */
  replayProtection: boolean;
}

/** A VRRP vhid: VRRPv3 (RFC 9568) or VRRPv2 (RFC 3768). */
export interface VrrpVhidConfig extends VhidCommon {
  /** The protocol spoken. */
  protocol: "vrrp";
  /** 1-254, higher wins. */
  priority: number;
  /** Centiseconds between adverts as master. */
  advertIntervalCs: number;
  /** Over IPv4: the checksum dialect sent (v2: always "plain"). */
  vrrpChecksum: "pseudo" | "plain";
  /** 3 (RFC 9568) or 2 (RFC 3768, IPv4 only, whole seconds). */
  vrrpVersion: 2 | 3;
  /** VRRPv2: the clear-text password (auth type 1), or `null` for none. */
  authPass: string | null;
}

/** One vhid, ready for the daemon. */
export type VhidConfig = CarpVhidConfig | VrrpVhidConfig;

/** One health check. */
export interface CheckConfig {
  /** Unique name, for logs and status. */
  name: string;
  /** Program and arguments, run without a shell. */
  command: string[];
  /** Milliseconds from one run's start to the next. */
  intervalMs: number;
  /** A run is killed (and fails) after this long. */
  timeoutMs: number;
  /** Failures in a row that take the check down. */
  fall: number;
  /** Successes in a row that bring it back. */
  rise: number;
  /** advskew added to its vhids while it is down. */
  demote: number;
  /** While it is down its vhids may not be MASTER (FAULT). */
  fault: boolean;
  /** The vhids it demotes, or `null` for all. */
  vhids: number[] | null;
  /** Runs as this user and its primary group; `null`: as carpd (root). */
  user: { name: string; uid: number; gid: number } | null;
}

/** One tracked interface. */
export interface TrackInterfaceConfig {
  /** The interface. */
  name: string;
  /** advskew added while it is down. */
  demote: number;
  /** While it is down its vhids may not be MASTER (FAULT). */
  fault: boolean;
  /** The vhids it demotes, or `null` for all. */
  vhids: number[] | null;
}

/** One `[[group]]`: vhids that are MASTER together or not at all. */
export interface GroupConfig {
  /** Its name (status, metrics, hooks). */
  name: string;
  /** Its members by key, `interface/id`. */
  members: string[];
  /** Awaited on becoming MASTER, before the VIPs are added. */
  preMaster: string[] | null;
  /** How long the pre-master step may take before the VIPs go on anyway. */
  preMasterTimeoutMs: number;
  /** Run once per group transition, with the name, old and new state. */
  notify: string[] | null;
  /**
   * conntrackd as carpd calls it (the program and its options, such as
   * `-C file`; carpd appends the action), or `null`.
   */
  conntrackd: string[] | null;
  /** Timeout of `notify` and of each conntrackd call after the VIPs. */
  scriptTimeoutMs: number;
}

/** The whole validated config. */
export interface Config {
  /** Lowest level logged. */
  logLevel: "error" | "warning" | "info" | "debug";
  /** Path of the control socket. */
  controlSocket: string;
  /** Where `GET /metrics` is served; `null`: nowhere. */
  metrics: MetricsListen | null;
  /**
   * Realtime scheduling for the daemon's threads: `auto` when a vhid
   * advertises fast or timers run late, `realtime` always, `normal` never.
   */
  scheduling: "auto" | "realtime" | "normal";
  /**
   * Every vhid is demoted while the box starts: for this many ms, or until
   * every check has passed once; 0: not at all.
   */
  startupDemote: number | "checks";
  /** The vhids. */
  vhids: VhidConfig[];
  /** Health checks. */
  checks: CheckConfig[];
  /** Tracked interfaces. */
  trackInterfaces: TrackInterfaceConfig[];
  /** `[[group]]` tables. */
  groups: GroupConfig[];
}

/** Reads a password file; injectable for tests. */
export type FileReader = (path: string) => Uint8Array;
