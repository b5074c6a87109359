/**
 * A converted keepalived config as carp.toml text: a `[[vhid]]` per
 * instance, a `[[check]]` per tracked script, a `[[track_interface]]` per
 * tracked interface, each value commented with where it came from.
 * @module
 */

import { carpTomlText, tomlString, tomlValue } from "../mod.ts";
import {
  CHECK_INTERVAL,
  CHECK_TIMEOUT,
  clamp,
  KA_FALL_RISE,
} from "./limits.ts";
import {
  type CarpKeys,
  type Check,
  type Converted,
  type Instance,
  trackedVhids,
  type Tracker,
  type Vhid,
  type VrrpKeys,
} from "./model.ts";

/** Writes one `key = value` line, with a comment when there is one. */
type KeyWriter = (
  k: string,
  value: Parameters<typeof tomlValue>[0],
  comment?: string,
) => void;

/**
 * The carp.toml text of a converted config.
 *
 * @param conv The converted config.
 * @returns The TOML, header comments first.
 */
export function renderToml(conv: Converted): string {
  const header = [
    `# carp.toml converted from the keepalived config ${conv.path}`,
    `# (protocol = "${conv.protocol}"). Read the importer's notes before use, then`,
    "# validate with: carpd check -c /etc/carp/carp.toml",
  ];
  if (conv.protocol === "carp") {
    header.push(
      "# CARP does not talk to keepalived: switch every box of a group at once.",
    );
  }
  return carpTomlText(header, [
    ...conv.vhids.map(vhidTable),
    ...conv.checks.map(checkTable),
    ...conv.tracks.map(trackTable),
    ...conv.groups.map(groupTable),
  ]);
}

function vhidTable({ instance: v, keys }: Vhid): string[] {
  const out = [
    `# vrrp_instance ${v.name} (${v.node.file}:${v.node.line})`,
    "[[vhid]]",
  ];
  const kv: KeyWriter = (k, value, comment = "") => {
    out.push(line(`${k} = ${tomlValue(value)}`, comment));
  };
  if (keys.protocol === "vrrp") {
    kv("protocol", "vrrp");
    kv("vrrp_version", v.version, v.versionWhy);
  }
  kv("id", v.id);
  kv("interface", v.iface);
  kv("vips", v.vips);
  if (keys.protocol === "carp") carpKeys(v, keys, kv);
  else vrrpKeys(v, keys, kv);
  if (v.source !== null) kv("source", v.source.addr, v.source.kw);
  if (v.peers.length > 0) {
    kv("mode", "unicast", "unicast_peer");
    kv("peers", v.peers);
  }
  if (v.group !== null) kv("group", v.group.addr, v.group.why);
  if (v.garpCount !== null) {
    kv("garp_count", v.garpCount.value, v.garpCount.why);
  }
  if (v.garpInterval !== null) {
    kv("garp_interval", v.garpInterval.value, v.garpInterval.why);
  }
  if (v.garpRefresh !== null) {
    kv("garp_refresh", v.garpRefresh.value, v.garpRefresh.why);
  }
  if (v.preemptDelay !== null) {
    kv("preempt_delay", v.preemptDelay.value, v.preemptDelay.why);
  }
  if (v.ignoreLinkState) {
    kv("ignore_link_state", true, "dont_track_primary");
  }
  if (v.upScript !== null) {
    kv("up_script", v.upScript, `${v.upWhy}; run as: script <iface> <vip>`);
  }
  if (v.downScript !== null) {
    kv(
      "down_script",
      v.downScript,
      `${v.downWhy}; run as: script <iface> <vip>`,
    );
  }
  if (v.notify !== null) {
    kv(
      "notify",
      v.notify,
      "gets <vhid> <old> <new> <iface> <vips> appended",
    );
  }
  return out;
}

function vrrpKeys(v: Instance, keys: VrrpKeys, kv: KeyWriter): void {
  kv("priority", keys.priority.value, keys.priority.why);
  kv(
    "advert_interval",
    keys.advertInterval.value,
    keys.advertInterval.why,
  );
  if (v.authPass !== null) {
    kv("auth_pass", v.authPass, `${v.authWhy}: clear text, no protection`);
  }
  if (!v.preempt) kv("preempt", false, "nopreempt");
}

function carpKeys(v: Instance, keys: CarpKeys, kv: KeyWriter): void {
  kv("password", keys.password.value, keys.password.why);
  kv("advbase", keys.advbase.value, keys.advbase.why);
  kv("advskew", keys.advskew.value, keys.advskew.why);
  if (v.downTimerAdverts !== null) {
    kv("deadratio", v.downTimerAdverts, "down_timer_adverts");
  }
  kv("preempt", v.preempt, v.preempt ? "keepalived's default" : "nopreempt");
}

function checkTable(c: Check): string[] {
  const s = c.script;
  const out = [
    `# vrrp_script ${s.name} (${s.node.file}:${s.node.line})`,
    "[[check]]",
  ];
  out.push(line(`name = ${tomlString(c.name)}`));
  out.push(line(`command = ${tomlValue(s.command!)}`));
  const interval = clamp(s.interval, ...CHECK_INTERVAL);
  out.push(
    line(
      `interval = ${interval}`,
      s.interval === interval ? "" : `interval ${s.interval}, out of range`,
    ),
  );
  const timeout = clamp(s.timeout ?? s.interval, ...CHECK_TIMEOUT);
  out.push(
    line(
      `timeout = ${timeout}`,
      s.timeout === null
        ? "keepalived's default: the interval"
        : s.timeout === timeout
        ? ""
        : `timeout ${s.timeout}, out of range`,
    ),
  );
  out.push(
    line(
      `fall = ${clamp(s.fall ?? KA_FALL_RISE, 1, 100)}`,
      s.fall === null
        ? "keepalived's default"
        : s.fall > 100
        ? `fall ${s.fall}, capped`
        : "",
    ),
  );
  out.push(
    line(
      `rise = ${clamp(s.rise ?? KA_FALL_RISE, 1, 100)}`,
      s.rise === null
        ? "keepalived's default"
        : s.rise > 100
        ? `rise ${s.rise}, capped`
        : "",
    ),
  );
  trackerKeys(c, out, "failing");
  return out;
}

function trackTable(t: Tracker): string[] {
  const out = [
    `# track_interface ${t.name} (${t.node.file}:${t.node.line})`,
    "[[track_interface]]",
  ];
  out.push(line(`name = ${tomlString(t.name)}`));
  trackerKeys(t, out, "down");
  return out;
}

function trackerKeys(t: Tracker, out: string[], state: string): void {
  if (t.fault) {
    out.push(
      line(
        "fault = true",
        `weight 0: its vhids may not be MASTER while ${state}`,
      ),
    );
  } else {
    out.push(
      line(
        `demote = ${t.demote}`,
        t.inverted
          ? `weight +${t.demote}, inverted (see the priority)`
          : `weight -${t.demote}`,
      ),
    );
  }
  out.push(line(`vhids = ${tomlValue(trackedVhids(t))}`));
}

/** A `key = value` line, its comment lined up after it. */
function line(kv: string, comment = ""): string {
  return comment === "" ? kv : `${kv.padEnd(38)}  # ${comment}`;
}

function groupTable(
  { group: g, members }: Converted["groups"][number],
): string[] {
  const out = [
    `# vrrp_sync_group ${g.name} (${g.node.file}:${g.node.line})`,
    "[[group]]",
    `name = ${tomlValue(g.name)}`,
    `vhids = ${tomlValue(members)}`,
  ];
  if (g.conntrackd) {
    out.push(line("conntrackd = true", "primary-backup.sh: carpd drives it"));
  }
  if (g.notify !== null) {
    out.push(
      line(
        `notify = ${tomlValue(g.notify)}`,
        "gets <group> <old> <new> appended",
      ),
    );
  }
  return out;
}
