/**
 * From the schema's output to the daemon's config: the rules that span
 * fields (unique ids per interface, unique VIPs, what each mode and
 * protocol allows), each vhid built as the member of its protocol, the
 * checks' users and vhid lists. Every problem is collected with its key
 * path, the value found and what is allowed.
 * @module
 */

import { resolveGroups } from "./groups.ts";
import { formatIpv4, formatIpv6, parseIpv4, parseIpv6 } from "../../net/mod.ts";
import { parseMetricsListen, parseVipText, type RawConfig } from "./schema.ts";
import { lookupUser, readKey } from "./secrets.ts";
import type {
  CarpVhidConfig,
  CheckConfig,
  Config,
  FileReader,
  VhidCommon,
  VhidConfig,
  VrrpVhidConfig,
} from "../mod.ts";

/**
 * The interval of the bow-out advert (advbase 255, advskew 255), in whole
 * seconds plus a tick: a master-down of 256 s or more would not be shorter.
 */
const BOW_OUT_SECONDS = 256;

type RawVhid = RawConfig["vhid"][number];

/** Keys of one protocol only, by the protocol they belong to. */
const PROTOCOL_KEYS = {
  carp: [
    "password",
    "password_file",
    "advbase",
    "advskew",
    "deadratio",
    "replay_protection",
  ],
  vrrp: [
    "priority",
    "advert_interval",
    "vrrp_checksum",
    "vrrp_version",
    "auth_pass",
  ],
} as const;

/**
 * Builds the config, collecting every problem.
 *
 * @param raw What the schema accepted.
 * @param readFile Reads password files and /etc/passwd.
 * @param problems Where problems go.
 * @returns The config (meaningful only when no problem was added).
 */
export function resolve(
  raw: RawConfig,
  readFile: FileReader,
  problems: string[],
): Config {
  const seen = new Map<string, number>();
  const vipOwner = new Map<string, string>();
  const vhids = raw.vhid.map((v, i): VhidConfig => {
    const at = `vhid[${i}]`;
    refuseOtherProtocolKeys(v, at, problems);
    const slot = `${v.interface}/${v.id}`;
    const first = seen.get(slot);
    if (first !== undefined) {
      problems.push(
        `${at}.id: ${v.id} is not allowed; vhid[${first}] already uses vhid ${v.id} on "${v.interface}"`,
      );
    } else seen.set(slot, i);
    const common = commonSettings(v, at, problems, vipOwner);
    return v.protocol === "vrrp"
      ? vrrpVhid(v, at, common, problems)
      : carpVhid(v, at, common, readFile, problems);
  });
  const ids = new Set(vhids.map((v) => v.id));
  const checkVhids = (
    list: number[] | undefined,
    at: string,
  ): number[] | null => {
    list?.forEach((id, j) => {
      if (!ids.has(id)) {
        problems.push(
          `${at}.vhids[${j}]: ${id} is not allowed; no [[vhid]] has id ${id}`,
        );
      }
    });
    return list ?? null;
  };
  const names = new Set<string>();
  const checks = raw.check.map((c, i): CheckConfig => {
    if (names.has(c.name)) {
      problems.push(
        `check[${i}].name: "${c.name}" is not allowed; another check has that name`,
      );
    }
    names.add(c.name);
    const user = c.user === undefined
      ? null
      : lookupUser(c.user, `check[${i}].user`, readFile, problems);
    return {
      name: c.name,
      command: c.command,
      intervalMs: c.interval * 1000,
      timeoutMs: c.timeout * 1000,
      fall: c.fall,
      rise: c.rise,
      demote: c.demote,
      fault: c.fault,
      vhids: checkVhids(c.vhids, `check[${i}]`),
      user,
    };
  });
  const trackInterfaces = raw.track_interface.map((t, i) => ({
    name: t.name,
    demote: t.demote,
    fault: t.fault,
    vhids: checkVhids(t.vhids, `track_interface[${i}]`),
  }));
  return {
    logLevel: raw.daemon.log_level,
    controlSocket: raw.daemon.control_socket,
    metrics: raw.daemon.metrics === undefined
      ? null
      : parseMetricsListen(raw.daemon.metrics),
    scheduling: raw.daemon.scheduling,
    startupDemote: raw.daemon.startup_demote === "checks"
      ? "checks"
      : raw.daemon.startup_demote * 1000,
    vhids,
    checks,
    trackInterfaces,
    groups: resolveGroups(raw.group, vhids, problems),
  };
}

/** What every vhid has, and the rules on VIPs, peers and modes. */
function commonSettings(
  v: RawVhid,
  at: string,
  problems: string[],
  vipOwner: Map<string, string>,
): VhidCommon {
  const vips = v.vips.map((s) => parseVipText(s)!);
  vips.forEach((vip, j) => {
    const key = vip.family === 4
      ? formatIpv4(vip.address)
      : formatIpv6(vip.address);
    const owner = vipOwner.get(key);
    if (owner !== undefined) {
      problems.push(
        `${at}.vips[${j}]: "${vip.text}" is not allowed; ${owner} already has it`,
      );
    } else vipOwner.set(key, `${at}.vips[${j}]`);
  });
  const peers = v.peers.map((p) => parseIpv4(p)).filter((p) => p !== null);
  const peers6 = v.peers.map((p) => parseIpv6(p)).filter((p) => p !== null);
  const has6 = vips.some((x) => x.family === 6);
  const has4 = vips.some((x) => x.family === 4);
  if (v.mode === "unicast" && v.peers.length === 0) {
    problems.push(
      `${at}.peers: [] is not allowed; mode = "unicast" needs at least one peer address`,
    );
  } else if (v.mode === "unicast" && has4 && peers.length === 0) {
    problems.push(
      `${at}.peers: ${
        JSON.stringify(v.peers)
      } is not allowed; IPv4 VIPs need an IPv4 peer to send their adverts to`,
    );
  } else if (v.mode === "unicast" && has6 && peers6.length === 0) {
    problems.push(
      `${at}.peers: ${
        JSON.stringify(v.peers)
      } is not allowed; IPv6 VIPs need an IPv6 peer to send their adverts to`,
    );
  }
  if (v.mode === "broadcast" && has6) {
    problems.push(
      `${at}.mode: "broadcast" is not allowed with IPv6 VIPs; expected "multicast" or "unicast" (broadcast mode is ucarp's, and IPv4 only)`,
    );
  }
  if (v.mode !== "unicast" && v.peers.length > 0) {
    problems.push(
      `${at}.peers: is only allowed with mode = "unicast" (mode is "${v.mode}")`,
    );
  }
  return {
    id: v.id,
    interface: v.interface,
    vips,
    source: v.source === undefined ? null : parseIpv4(v.source),
    preempt: v.preempt ?? v.protocol === "vrrp",
    neutral: v.neutral,
    mode: v.mode,
    group: parseIpv4(v.group)!,
    peers,
    peers6,
    garpCount: v.garp_count,
    garpIntervalMs: v.garp_interval * 1000,
    garpRefreshMs: v.garp_refresh * 1000,
    preemptDelayMs: v.preempt_delay * 1000,
    upScript: v.up_script ?? null,
    downScript: v.down_script ?? null,
    xparam: v.xparam ?? null,
    notify: v.notify ?? null,
    scriptTimeoutMs: v.script_timeout * 1000,
    releaseVipsOnExit: v.release_vips_on_exit,
    rolloutWindowMs: v.rollout_window * 1000,
    manageVips: v.manage_vips,
    ignoreLinkState: v.ignore_link_state,
  };
}

/** A CARP vhid: its key and timers. */
function carpVhid(
  v: RawVhid,
  at: string,
  common: VhidCommon,
  readFile: FileReader,
  problems: string[],
): CarpVhidConfig {
  const key = readKey(v, at, readFile, problems);
  const advbase = v.advbase ?? 1;
  const advskew = v.advskew ?? 0;
  const deadratio = v.deadratio ?? 3;
  if (advbase === 0 && advskew === 0) {
    problems.push(
      `${at}.advskew: 0 is not allowed with advbase = 0; expected an integer from 1 to 254 (adverts every advskew/256 s)`,
    );
  }
  if (advbase * deadratio >= BOW_OUT_SECONDS) {
    problems.push(
      `${at}.deadratio: ${deadratio} is not allowed with advbase = ${advbase}; expected advbase x deadratio below ${BOW_OUT_SECONDS} s (a longer master-down cannot tell the 255/255 bow-out of a stopping master from a live one)`,
    );
  }
  return {
    ...common,
    protocol: "carp",
    key: key.bytes,
    keySource: key.source,
    advbase,
    advskew,
    deadratio,
    replayProtection: v.replay_protection ?? false,
  };
}

/** A VRRP vhid: one family, v2's limits, its priority and interval. */
function vrrpVhid(
  v: RawVhid,
  at: string,
  common: VhidCommon,
  problems: string[],
): VrrpVhidConfig {
  const has6 = common.vips.some((x) => x.family === 6);
  const has4 = common.vips.some((x) => x.family === 4);
  if (has4 && has6) {
    problems.push(
      `${at}.vips: ${
        JSON.stringify(v.vips)
      } is not allowed; a VRRP vhid carries one address family (RFC 9568 runs IPv4 and IPv6 as separate virtual routers): put the IPv6 VIPs in a [[vhid]] of their own`,
    );
  }
  const version = v.vrrp_version ?? 3;
  if (version === 2) {
    if (has6) {
      problems.push(
        `${at}.vrrp_version: 2 is not allowed with IPv6 VIPs; expected 3 (VRRPv2 is IPv4 only)`,
      );
    }
    const interval = v.advert_interval ?? 1;
    if (!Number.isInteger(interval) || interval > 255) {
      problems.push(
        `${at}.advert_interval: ${interval} is not allowed with vrrp_version = 2; expected whole seconds from 1 to 255`,
      );
    }
    if (v.vrrp_checksum !== undefined) {
      problems.push(
        `${at}.vrrp_checksum: is not allowed with vrrp_version = 2; its checksum never covers a pseudo-header`,
      );
    }
  } else if (v.auth_pass !== undefined) {
    problems.push(
      `${at}.auth_pass: is not allowed with vrrp_version = 3; RFC 9568 has no authentication`,
    );
  }
  if (v.mode === "broadcast") {
    problems.push(
      `${at}.mode: "broadcast" is not allowed with protocol = "vrrp"; expected "multicast" or "unicast"`,
    );
  }
  return {
    ...common,
    protocol: "vrrp",
    priority: v.priority ?? 100,
    advertIntervalCs: Math.round((v.advert_interval ?? 1) * 100),
    vrrpChecksum: version === 2 ? "plain" : v.vrrp_checksum ?? "pseudo",
    vrrpVersion: version,
    authPass: v.auth_pass ?? null,
  };
}

function refuseOtherProtocolKeys(
  v: RawVhid,
  at: string,
  problems: string[],
): void {
  const other = v.protocol === "vrrp" ? "carp" : "vrrp";
  for (const k of PROTOCOL_KEYS[other]) {
    if (v[k] === undefined) continue;
    const why = k.startsWith("password")
      ? "VRRPv3 (RFC 9568) has no authentication"
      : `it is a ${other.toUpperCase()} setting`;
    problems.push(
      `${at}.${k}: is not allowed with protocol = "${v.protocol}"; ${why}`,
    );
  }
}
