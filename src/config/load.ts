/**
 * Loading `carp.toml`: TOML, then the schema, then the rules that span
 * fields, then password files. Every problem is reported with its key path,
 * the value found and what is allowed; all of them at once.
 * @module
 */

import { parse as parseToml, TomlError } from "smol-toml";
import type { z } from "zod";
import {
  CARP_MAX_PASSWORD_BYTES,
  formatIpv4,
  formatIpv6,
  type Ipv6,
  parseIpv4,
  parseIpv6,
} from "../carp/mod.ts";
import { ConfigError } from "./error.ts";
import {
  configSchema,
  type MetricsListen,
  parseMetricsListen,
  parseVipText,
  type RawConfig,
  type Vip,
} from "./schema.ts";

/**
 * The interval of the bow-out advert (advbase 255, advskew 255), in whole
 * seconds plus a tick: a master-down of 256 s or more would not be shorter.
 */
const BOW_OUT_SECONDS = 256;

/** One vhid, ready for the daemon. */
export interface VhidConfig {
  /** Virtual host id, 1-255. */
  id: number;
  /** Where adverts go and the VIPs are added. */
  interface: string;
  /** The virtual addresses, as configured. */
  vips: Vip[];
  /** Password bytes; never logged or shown. */
  key: Uint8Array;
  /** Where the key came from, for messages: "password" or the file path. */
  keySource: string;
  /** Our address in adverts; `null`: the interface's own, followed. */
  source: number | null;
  /** The protocol spoken: CARP (ucarp's) or VRRPv3 (RFC 9568). */
  protocol: "carp" | "vrrp";
  /** VRRP: 1-254, higher wins (100 for CARP vhids, unused). */
  priority: number;
  /** VRRP: centiseconds between adverts as master (100 for CARP, unused). */
  advertIntervalCs: number;
  /** VRRP over IPv4: the checksum dialect sent ("pseudo" for CARP, unused). */
  vrrpChecksum: "pseudo" | "plain";
  /** VRRP: 3 (RFC 9568) or 2 (RFC 3768, IPv4 only, whole seconds). */
  vrrpVersion: 2 | 3;
  /** VRRPv2: the clear-text password (auth type 1), or `null` for none. */
  authPass: string | null;
  /** CARP: seconds between adverts (0: every advskew/256 s). */
  advbase: number;
  /** CARP: 1/256 s added to advbase; lower wins. */
  advskew: number;
  /** CARP: adverts a backup may miss. */
  deadratio: number;
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
  /** carpd adds and removes the VIPs (false: the up/down scripts do, as with ucarp). */
  manageVips: boolean;
  /** Stay in the election when the link goes down (ucarp `-S`). */
  ignoreLinkState: boolean;
  /** Drop adverts whose counter is not above the sender's last (carpd-only groups). */
  replayProtection: boolean;
}

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
   * advertises faster than {@linkcode REALTIME_BELOW_MS} or timers run late,
   * `realtime` always, `normal` never.
   */
  scheduling: "auto" | "realtime" | "normal";
  /** The vhids. */
  vhids: VhidConfig[];
  /** Health checks. */
  checks: CheckConfig[];
  /** Tracked interfaces. */
  trackInterfaces: TrackInterfaceConfig[];
}

/** Reads a password file; injectable for tests. */
export type FileReader = (path: string) => Uint8Array;

/**
 * Loads and validates a config file.
 *
 * @param path The TOML file.
 * @returns The config.
 * @throws {ConfigError} Listing every problem.
 */
export function loadConfig(path: string): Config {
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (e) {
    throw new ConfigError(path, [`cannot read the file: ${describe(e)}`]);
  }
  return parseConfig(text, path, (p) => Deno.readFileSync(p));
}

/**
 * Validates config text.
 *
 * @param text TOML.
 * @param file Its name, for messages.
 * @param readFile Reads password files.
 * @returns The config.
 * @throws {ConfigError} Listing every problem.
 */
export function parseConfig(
  text: string,
  file: string,
  readFile: FileReader,
): Config {
  let doc: unknown;
  try {
    doc = parseToml(text);
  } catch (e) {
    if (e instanceof TomlError) {
      const first = e.message.split("\n")[0];
      throw new ConfigError(file, [
        `line ${e.line}, column ${e.column}: invalid TOML: ${first}`,
      ]);
    }
    throw e;
  }
  const parsed = configSchema.safeParse(doc, { reportInput: true });
  if (!parsed.success) {
    throw new ConfigError(file, parsed.error.issues.map(formatIssue));
  }
  const problems: string[] = [];
  const config = resolve(parsed.data, readFile, problems);
  if (problems.length > 0) throw new ConfigError(file, problems);
  return config;
}

function resolve(
  raw: RawConfig,
  readFile: FileReader,
  problems: string[],
): Config {
  const seen = new Map<string, number>();
  const vipOwner = new Map<string, string>();
  const vhids = raw.vhid.map((v, i): VhidConfig => {
    const at = `vhid[${i}]`;
    const vrrp = v.protocol === "vrrp";
    const key = vrrp
      ? { bytes: new Uint8Array(0), source: "" }
      : readKey(v, at, readFile, problems);
    refuseOtherProtocolKeys(v, at, problems);
    const advbase = v.advbase ?? 1;
    const advskew = v.advskew ?? 0;
    const deadratio = v.deadratio ?? 3;
    if (!vrrp && advbase === 0 && advskew === 0) {
      problems.push(
        `${at}.advskew: 0 is not allowed with advbase = 0; expected an integer from 1 to 254 (adverts every advskew/256 s)`,
      );
    }
    if (!vrrp && advbase * deadratio >= BOW_OUT_SECONDS) {
      problems.push(
        `${at}.deadratio: ${deadratio} is not allowed with advbase = ${advbase}; expected advbase x deadratio below ${BOW_OUT_SECONDS} s (a longer master-down cannot tell the 255/255 bow-out of a stopping master from a live one)`,
      );
    }
    const slot = `${v.interface}/${v.id}`;
    const first = seen.get(slot);
    if (first !== undefined) {
      problems.push(
        `${at}.id: ${v.id} is not allowed; vhid[${first}] already uses vhid ${v.id} on "${v.interface}"`,
      );
    } else seen.set(slot, i);
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
    if (vrrp && has4 && has6) {
      problems.push(
        `${at}.vips: ${
          JSON.stringify(v.vips)
        } is not allowed; a VRRP vhid carries one address family (RFC 9568 runs IPv4 and IPv6 as separate virtual routers): put the IPv6 VIPs in a [[vhid]] of their own`,
      );
    }
    const version = v.vrrp_version ?? 3;
    if (vrrp && version === 2) {
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
    } else if (vrrp && v.auth_pass !== undefined) {
      problems.push(
        `${at}.auth_pass: is not allowed with vrrp_version = 3; RFC 9568 has no authentication`,
      );
    }
    if (vrrp && v.mode === "broadcast") {
      problems.push(
        `${at}.mode: "broadcast" is not allowed with protocol = "vrrp"; expected "multicast" or "unicast"`,
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
      key: key.bytes,
      keySource: key.source,
      source: v.source === undefined ? null : parseIpv4(v.source),
      protocol: v.protocol,
      priority: v.priority ?? 100,
      advertIntervalCs: Math.round((v.advert_interval ?? 1) * 100),
      vrrpChecksum: v.vrrp_version === 2
        ? "plain"
        : v.vrrp_checksum ?? "pseudo",
      vrrpVersion: version,
      authPass: v.auth_pass ?? null,
      advbase,
      advskew,
      deadratio,
      preempt: v.preempt ?? vrrp,
      neutral: v.neutral,
      mode: v.mode,
      group: parseIpv4(v.group)!,
      peers,
      peers6,
      garpCount: v.garp_count,
      garpIntervalMs: v.garp_interval * 1000,
      upScript: v.up_script ?? null,
      downScript: v.down_script ?? null,
      xparam: v.xparam ?? null,
      notify: v.notify ?? null,
      scriptTimeoutMs: v.script_timeout * 1000,
      releaseVipsOnExit: v.release_vips_on_exit,
      manageVips: v.manage_vips,
      ignoreLinkState: v.ignore_link_state,
      replayProtection: v.replay_protection ?? false,
    };
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
    vhids,
    checks,
    trackInterfaces,
  };
}

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

function refuseOtherProtocolKeys(
  v: RawConfig["vhid"][number],
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

/** Where users are looked up (no NSS: service users live here). */
const PASSWD = "/etc/passwd";

function lookupUser(
  name: string,
  at: string,
  readFile: FileReader,
  problems: string[],
): { name: string; uid: number; gid: number } | null {
  let text: string;
  try {
    text = new TextDecoder().decode(readFile(PASSWD));
  } catch (e) {
    problems.push(`${at}: ${PASSWD} cannot be read: ${describe(e)}`);
    return null;
  }
  for (const line of text.split("\n")) {
    const [user, , uid, gid] = line.split(":");
    if (user === name && /^\d+$/.test(uid ?? "") && /^\d+$/.test(gid ?? "")) {
      return { name, uid: Number(uid), gid: Number(gid) };
    }
  }
  problems.push(
    `${at}: "${name}" is not allowed; expected a user listed in ${PASSWD}`,
  );
  return null;
}

function readKey(
  v: RawConfig["vhid"][number],
  at: string,
  readFile: FileReader,
  problems: string[],
): { bytes: Uint8Array; source: string } {
  const none = { bytes: new Uint8Array(0), source: "" };
  if ((v.password === undefined) === (v.password_file === undefined)) {
    problems.push(`${at}: set exactly one of password and password_file`);
    return none;
  }
  if (v.password !== undefined) {
    return { bytes: new TextEncoder().encode(v.password), source: "password" };
  }
  const path = v.password_file!;
  let content: Uint8Array;
  try {
    content = readFile(path);
  } catch (e) {
    problems.push(
      `${at}.password_file: "${path}" cannot be read: ${describe(e)}`,
    );
    return none;
  }
  // Like ucarp: the first line, only "\n" stripped.
  const nl = content.indexOf(0x0a);
  const bytes = content.slice(0, nl === -1 ? content.length : nl);
  if (bytes.length === 0 || bytes.length > CARP_MAX_PASSWORD_BYTES) {
    problems.push(
      `${at}.password_file: "${path}" holds a first line of ${bytes.length} bytes; expected 1 to ${CARP_MAX_PASSWORD_BYTES} bytes (ucarp's limit)`,
    );
  }
  return { bytes, source: path };
}

/**
 * Renders a zod issue as `path: value is not allowed; expected ...`.
 *
 * @param issue The issue.
 * @returns One line.
 */
function formatIssue(issue: z.core.$ZodIssue): string {
  const path = formatPath(issue.path);
  if (issue.code === "unrecognized_keys") {
    const where = path === "" ? "" : `${path}.`;
    return issue.keys.map((k) => `${where}${k}: unknown key`).join("\n  ");
  }
  const shown = "input" in issue && issue.input !== undefined
    ? `${showValue(issue.input, path)} is not allowed`
    : "is missing";
  return `${
    path === "" ? "(top level)" : path
  }: ${shown}; expected ${issue.message}`;
}

function formatPath(path: PropertyKey[]): string {
  let out = "";
  for (const p of path) {
    out += typeof p === "number"
      ? `[${p}]`
      : out === ""
      ? String(p)
      : `.${String(p)}`;
  }
  return out;
}

function showValue(value: unknown, path: string): string {
  if (/(^|\.)(password|auth_pass)$/.test(path)) {
    return "(the password, not shown)";
  }
  const s = JSON.stringify(value, (_, v) => typeof v === "bigint" ? `${v}` : v);
  return s === undefined
    ? String(value)
    : s.length > 60
    ? `${s.slice(0, 57)}...`
    : s;
}

function describe(e: unknown): string {
  if (e instanceof Deno.errors.NotFound) return "no such file";
  if (e instanceof Deno.errors.PermissionDenied) return "permission denied";
  return e instanceof Error ? e.message : String(e);
}
