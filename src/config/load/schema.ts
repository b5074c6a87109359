/**
 * The shape of `carp.toml`, with defaults, as zod schemas. Every field
 * carries the sentence a user sees when the value is wrong.
 * @module
 */

import { z } from "zod";
import { CARP_MAX_PASSWORD_BYTES } from "../../carp/mod.ts";
import { isMulticast6, parseIpv4, parseIpv6 } from "../../net/mod.ts";
import type { MetricsListen, Vip } from "../mod.ts";

function intRange(min: number, max: number): z.ZodInt {
  return z.int({ error: `an integer from ${min} to ${max}` }).min(min).max(max);
}

function seconds(min: number, max: number): z.ZodNumber {
  return z.number({ error: `a number of seconds from ${min} to ${max}` })
    .min(min).max(max);
}

const text = z.string({ error: "a string" });
const nonEmpty = z.string({ error: "a non-empty string" }).min(1);
const ifname = z.string({ error: "an interface name" }).regex(
  /^[A-Za-z0-9_.:@-]{1,15}$/,
  { error: "an interface name of 1 to 15 characters" },
);
const ipv4 = text.refine((s) => parseIpv4(s) !== null, {
  error: "an IPv4 address such as 192.168.1.2",
});
const vip = text.refine((s) => parseVipText(s) !== null, {
  error:
    "an IPv4 or IPv6 address with an optional prefix length, such as 192.168.1.135/24 or 2001:db8::10/64",
});
const peer = text.refine(
  (s) => parseIpv4(s) !== null || parseIpv6(s) !== null,
  {
    error: "an IPv4 or IPv6 address",
  },
);
const argv = z.array(nonEmpty, {
  error: "a list of strings (program and arguments)",
})
  .min(1, { error: "a list with at least the program" });

/**
 * Parses `a.b.c.d[/len]` or an IPv6 address with an optional `/len`. IPv6
 * multicast, unspecified and loopback addresses are no VIPs.
 *
 * @param s The text.
 * @returns The VIP, or `null`.
 */
export function parseVipText(s: string): Vip | null {
  const [addr, len, extra] = s.split("/");
  if (addr === undefined || extra !== undefined) return null;
  if (len !== undefined && !/^\d{1,3}$/.test(len)) return null;
  const v4 = parseIpv4(addr);
  if (v4 !== null) {
    if (len !== undefined && Number(len) > 32) return null;
    return { family: 4, address: v4, prefix: Number(len ?? 32), text: s };
  }
  const v6 = parseIpv6(addr);
  if (
    v6 === null || isMulticast6(v6) ||
    v6.every((b, i) => b === (i === 15 ? b : 0)) && v6[15]! <= 1
  ) {
    return null;
  }
  if (len !== undefined && Number(len) > 128) return null;
  return { family: 6, address: v6, prefix: Number(len ?? 128), text: s };
}

const passwordText = text.refine(
  (s) => new TextEncoder().encode(s).length <= CARP_MAX_PASSWORD_BYTES,
  {
    error:
      `a password of 1 to ${CARP_MAX_PASSWORD_BYTES} bytes (ucarp's limit)`,
  },
).refine((s) => s.length > 0, { error: "a non-empty password" });

/** One `[[vhid]]` table. */
export const vhidSchema = z.strictObject({
  id: intRange(1, 255),
  interface: ifname,
  vips: z.array(vip, { error: "a list of addresses" }).min(1, {
    error: "a list of at least one address",
  }),
  password: passwordText.optional(),
  password_file: nonEmpty.optional(),
  source: ipv4.optional(),
  protocol: z.enum(["carp", "vrrp"], { error: `"carp" or "vrrp"` }).default(
    "carp",
  ),
  // CARP only; defaults (1, 0, 3) are applied once the protocol is known.
  advbase: intRange(0, 255).optional(),
  // 255 is the bow-out: a master advertising it would be taken for leaving.
  advskew: intRange(0, 254).optional(),
  deadratio: intRange(1, 255).optional(),
  // VRRP only: 255 is the address owner's, which carpd never is.
  priority: intRange(1, 254).optional(),
  advert_interval: seconds(0.01, 40.95).refine(
    (x) => Math.abs(x * 100 - Math.round(x * 100)) < 1e-6,
    { error: "a number of seconds from 0.01 to 40.95 in steps of 0.01" },
  ).optional(),
  vrrp_version: z.union([z.literal(2), z.literal(3)], {
    error: "2 (RFC 3768, keepalived's default) or 3 (RFC 9568)",
  }).optional(),
  // VRRPv2 simple text authentication (keepalived auth_type PASS).
  auth_pass: text.refine(
    (s) => s.length > 0 && new TextEncoder().encode(s).length <= 8,
    { error: "a password of 1 to 8 bytes (VRRPv2's limit)" },
  ).optional(),
  vrrp_checksum: z.enum(["pseudo", "plain"], {
    error: `"pseudo" (keepalived, FRR) or "plain" (RFC 9568, Cisco, Juniper)`,
  }).optional(),
  // false for CARP (ucarp's default), true for VRRP (the RFC's).
  preempt: z.boolean({ error: "true or false" }).optional(),
  neutral: z.boolean({ error: "true or false" }).default(false),
  mode: z.enum(["multicast", "broadcast", "unicast"], {
    error: `"multicast", "broadcast" or "unicast"`,
  }).default("multicast"),
  group: text.refine((s) => {
    const a = parseIpv4(s);
    return a !== null && a >>> 28 === 0xe;
  }, { error: "a multicast address from 224.0.0.0 to 239.255.255.255" })
    .default("224.0.0.18"),
  peers: z.array(peer, { error: "a list of IPv4 or IPv6 addresses" }).default(
    [],
  ),
  garp_count: intRange(1, 100).default(2),
  garp_interval: seconds(0.01, 60).default(1),
  // Gratuitous ARPs (neighbour advertisements) every so often while MASTER.
  garp_refresh: seconds(0, 86400).default(0),
  // Before taking over from a live, less preferred master.
  preempt_delay: seconds(0, 1000).default(0),
  up_script: nonEmpty.optional(),
  down_script: nonEmpty.optional(),
  xparam: text.optional(),
  notify: argv.optional(),
  script_timeout: seconds(0.1, 3600).default(30),
  release_vips_on_exit: z.boolean({ error: "true or false" }).default(true),
  rollout_window: seconds(0, 86400).default(600),
  replay_protection: z.boolean({ error: "true or false" }).optional(),
  manage_vips: z.boolean({ error: "true or false" }).default(true),
  ignore_link_state: z.boolean({ error: "true or false" }).default(false),
});

/** One `[[check]]` table. */
export const checkSchema = z.strictObject({
  name: nonEmpty,
  command: argv,
  interval: seconds(0.1, 86400).default(3),
  timeout: seconds(0.1, 3600).default(2),
  fall: intRange(1, 100).default(2),
  rise: intRange(1, 100).default(2),
  demote: intRange(1, 254).default(100),
  // While failing, its vhids may not be MASTER (keepalived's weight 0).
  fault: z.boolean({ error: "true or false" }).default(false),
  vhids: z.array(intRange(1, 255), { error: "a list of vhid ids" }).optional(),
  user: z.string({ error: "a user name" }).regex(
    /^[A-Za-z0-9_][A-Za-z0-9_.-]*\$?$/,
    {
      error: "a user name such as proxy",
    },
  ).optional(),
});

/** One `[[track_interface]]` table. */
export const trackInterfaceSchema = z.strictObject({
  name: ifname,
  demote: intRange(1, 254).default(240),
  fault: z.boolean({ error: "true or false" }).default(false),
  vhids: z.array(intRange(1, 255), { error: "a list of vhid ids" }).optional(),
});

/** One `[[group]]` table. */
export const groupSchema = z.strictObject({
  name: z.string({ error: "a group name" }).regex(/^[A-Za-z0-9_.-]{1,64}$/, {
    error: "a name of 1 to 64 letters, digits, '_', '.' or '-'",
  }),
  vhids: z.array(
    z.union([
      intRange(1, 255),
      text.regex(/^[A-Za-z0-9_.:@-]{1,15}\/\d{1,3}$/),
    ], { error: `a vhid id, or "interface/id" such as "eth1/3"` }),
    { error: "a list of vhids" },
  ).min(1, { error: "a list of at least one vhid" }),
  pre_master: argv.optional(),
  pre_master_timeout: seconds(0.1, 600).default(10),
  notify: argv.optional(),
  conntrackd: z.union([z.boolean(), argv], {
    error:
      `true (Debian's conntrackd with its default config) or a list such as ["/usr/sbin/conntrackd", "-C", "/etc/conntrackd/conntrackd.conf"]`,
  }).optional(),
  script_timeout: seconds(0.1, 3600).default(30),
});

/**
 * Parses `a.b.c.d:port` or `[ipv6]:port`.
 *
 * @param s The text.
 * @returns The address, or `null`.
 */
export function parseMetricsListen(s: string): MetricsListen | null {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|(\d+\.\d+\.\d+\.\d+)):(\d{1,5})$/.exec(s);
  if (m === null) return null;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return null;
  if (m[1] !== undefined) {
    return parseIpv6(m[1]) === null ? null : { hostname: m[1], port };
  }
  return parseIpv4(m[2]!) === null ? null : { hostname: m[2]!, port };
}

/** The `[daemon]` table. */
export const daemonSchema = z.strictObject({
  log_level: z.enum(["error", "warning", "info", "debug"], {
    error: `"error", "warning", "info" or "debug"`,
  }).default("info"),
  control_socket: nonEmpty.default("/run/carp/carp.sock"),
  metrics: text.refine((s) => parseMetricsListen(s) !== null, {
    error:
      "an address and port to serve metrics on, such as 127.0.0.1:9650 or [::1]:9650",
  }).optional(),
  scheduling: z.enum(["auto", "realtime", "normal"], {
    error: `"auto", "realtime" or "normal"`,
  }).default("auto"),
  // Every vhid demoted while the box starts: seconds, or until every check
  // has passed once.
  startup_demote: z.union([seconds(0, 3600), z.literal("checks")], {
    error: `a number of seconds from 0 to 3600, or "checks"`,
  }).default(0),
});

/** The whole file. */
export const configSchema = z.strictObject({
  daemon: daemonSchema.default(daemonSchema.parse({})),
  vhid: z.array(vhidSchema, { error: "a list of [[vhid]] tables" }).min(1, {
    error: "at least one [[vhid]] table",
  }),
  check: z.array(checkSchema, { error: "a list of [[check]] tables" }).default(
    [],
  ),
  track_interface: z.array(trackInterfaceSchema, {
    error: "a list of [[track_interface]] tables",
  }).default([]),
  group: z.array(groupSchema, { error: "a list of [[group]] tables" })
    .default([]),
});

/** The file as parsed, before password files are read. */
export type RawConfig = z.infer<typeof configSchema>;
