/**
 * The status contract rendered in the Prometheus text exposition format
 * (version 0.0.4), for `GET /metrics`. Pure: the daemon hands in its status
 * and the process figures.
 * @module
 */

import type { GroupStatus, Status, VhidStatus } from "./status.ts";

/** The `Content-Type` of the exposition. */
export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** The process figures every exporter has (`process_*`). */
export interface ProcessFigures {
  /** Resident memory, bytes. */
  residentBytes: number;
  /** User and system CPU time, seconds. */
  cpuSeconds: number;
  /** Open file descriptors. */
  openFds: number;
  /** The most file descriptors it may open. */
  maxFds: number;
  /** When the process started, seconds since the epoch. */
  startTimeSeconds: number;
}

/** The value of `carpd_vhid_state` for each state. */
export const STATE_VALUES: Readonly<Record<string, number>> = {
  INIT: 0,
  BACKUP: 1,
  MASTER: 2,
  FAULT: 3,
};

type Labels = Record<string, string>;
type Kind = "gauge" | "counter";

/**
 * Escapes a label value: backslash, double quote and line feed.
 *
 * @param value The raw value.
 * @returns The value as it goes between the quotes.
 */
export function escapeLabel(value: string): string {
  return value.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll(
    "\n",
    "\\n",
  );
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return String(v);
}

/** Families in the order they were declared, each with its samples. */
class Exposition {
  readonly #families = new Map<
    string,
    { kind: Kind; help: string; lines: string[] }
  >();

  family(name: string, kind: Kind, help: string): void {
    this.#families.set(name, { kind, help, lines: [] });
  }

  sample(name: string, labels: Labels, value: number): void {
    const f = this.#families.get(name)!;
    const pairs = Object.entries(labels).map(([k, v]) =>
      `${k}="${escapeLabel(v)}"`
    );
    const set = pairs.length === 0 ? "" : `{${pairs.join(",")}}`;
    f.lines.push(`${name}${set} ${formatValue(value)}`);
  }

  text(): string {
    const out: string[] = [];
    for (const [name, f] of this.#families) {
      out.push(`# HELP ${name} ${f.help}`, `# TYPE ${name} ${f.kind}`);
      out.push(...f.lines);
    }
    return out.join("\n") + "\n";
  }
}

function vhidLabels(v: VhidStatus): Labels {
  return {
    vhid: String(v.vhid),
    interface: v.interface,
    protocol: v.protocol,
    ...(v.group ? { group: v.group } : {}),
  };
}

/** The `[[group]]` families: state, splits, the pre-master step, hooks. */
function groupMetrics(e: Exposition, groups: readonly GroupStatus[]): void {
  const counters: [string, string, (g: GroupStatus) => number | null][] = [
    [
      "carpd_group_transitions_total",
      "Group transitions.",
      (g) => g.transitions,
    ],
    [
      "carpd_group_splits_total",
      "Times the members were found split (some MASTER, some not).",
      (g) => g.splits,
    ],
    [
      "carpd_group_pre_master_runs_total",
      "Pre-master steps run (conntrackd's commit, pre_master).",
      (g) => g.preMaster?.runs ?? null,
    ],
    [
      "carpd_group_pre_master_failures_total",
      "Pre-master steps with a command that failed or timed out.",
      (g) => g.preMaster?.failures ?? null,
    ],
    [
      "carpd_group_pre_master_timeouts_total",
      "Pre-master steps that took their whole timeout (VIPs added anyway).",
      (g) => g.preMaster?.timeouts ?? null,
    ],
    [
      "carpd_group_notify_runs_total",
      "Group notify runs.",
      (g) => g.notify.runs,
    ],
    [
      "carpd_group_notify_failures_total",
      "Group notify runs that failed.",
      (g) => g.notify.failures,
    ],
    [
      "carpd_group_conntrackd_calls_total",
      "conntrackd calls made by carpd.",
      (g) => g.conntrackd?.runs ?? null,
    ],
    [
      "carpd_group_conntrackd_failures_total",
      "conntrackd calls that failed (conntrackd missing, an error, a timeout).",
      (g) => g.conntrackd?.failures ?? null,
    ],
  ];
  e.family(
    "carpd_group_state",
    "gauge",
    "The group's state: 0 INIT, 1 BACKUP, 2 MASTER, 3 FAULT.",
  );
  e.family(
    "carpd_group_split",
    "gauge",
    "1 while the group's members disagree (some MASTER, some not), else 0.",
  );
  e.family(
    "carpd_group_pre_master_seconds",
    "gauge",
    "How long the last pre-master step took.",
  );
  for (const [name, help] of counters) e.family(name, "counter", help);
  for (const g of groups) {
    const l = { group: g.name };
    e.sample("carpd_group_state", l, STATE_VALUES[g.state] ?? -1);
    e.sample("carpd_group_split", l, g.split ? 1 : 0);
    const lastMs = g.preMaster?.lastMs ?? null;
    if (lastMs !== null) {
      e.sample("carpd_group_pre_master_seconds", l, lastMs / 1000);
    }
    for (const [name, , value] of counters) {
      const v = value(g);
      if (v !== null) e.sample(name, l, v);
    }
  }
}

/**
 * Renders a status as Prometheus metrics.
 *
 * @param s The status (`carpd status --json`).
 * @param p The process figures.
 * @returns The exposition text, ending with a newline.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderMetrics } from "./metrics.ts";
 * const text = renderMetrics({
 *   version: 1, carpd: "1.0.0", pid: 1, uptimeSeconds: 1,
 *   reload: { count: 0, ok: null, error: null }, worstTimerLatenessMs: 0,
 *   scheduling: { mode: "auto", realtime: false, reason: null, error: null },
 *   linkResyncs: 0, vhids: [], checks: [], trackedInterfaces: [],
 *   interfaces: [],
 * }, { residentBytes: 1, cpuSeconds: 0, openFds: 3, maxFds: 1024,
 *   startTimeSeconds: 0 });
 * assert.match(text, /^carpd_build_info\{version="1\.0\.0"\} 1$/m);
 * ```
 */
export function renderMetrics(s: Status, p: ProcessFigures): string {
  const e = new Exposition();
  e.family("carpd_build_info", "gauge", "carpd's version, as a label.");
  e.sample("carpd_build_info", { version: s.carpd }, 1);

  e.family(
    "carpd_vhid_state",
    "gauge",
    "State of the vhid: 0 init, 1 backup, 2 master, 3 fault.",
  );
  e.family(
    "carpd_vhid_transitions_total",
    "counter",
    "State changes of the vhid.",
  );
  e.family(
    "carpd_vhid_advskew",
    "gauge",
    "Effective advskew of a CARP vhid (with demotions and standby).",
  );
  e.family(
    "carpd_vhid_priority",
    "gauge",
    "Effective priority of a VRRP vhid (with demotions and standby).",
  );
  e.family(
    "carpd_vhid_demotion",
    "gauge",
    "Demotion in force, by reason (advskew added, or VRRP priority taken away).",
  );
  e.family(
    "carpd_adverts_sent_total",
    "counter",
    "Adverts the kernel accepted to send.",
  );
  e.family(
    "carpd_adverts_received_total",
    "counter",
    "Valid adverts received from peers.",
  );
  e.family(
    "carpd_packets_dropped_total",
    "counter",
    "Packets dropped, by reason; without a vhid label when they named no vhid of ours.",
  );
  e.family(
    "carpd_send_errors_total",
    "counter",
    "Packets the kernel refused to send, by errno name.",
  );
  e.family(
    "carpd_vips_restored_total",
    "counter",
    "VIPs put back after someone else removed them while MASTER.",
  );
  e.family(
    "carpd_vip_list_mismatches_total",
    "counter",
    "VRRP adverts whose address list differs from the vhid's.",
  );
  e.family(
    "carpd_vhid_timer_lateness_worst_seconds",
    "gauge",
    "The latest one of the vhid's protocol timers has fired since start.",
  );
  e.family(
    "carpd_vhid_advert_gap_worst_seconds",
    "gauge",
    "The longest gap between two adverts of one peer since start.",
  );
  e.family(
    "carpd_vhid_rollout_open",
    "gauge",
    "1 while a roll-out window keeps earlier keys sent and accepted.",
  );
  e.family(
    "carpd_vhid_rollout_end_timestamp_seconds",
    "gauge",
    "When the vhid's last roll-out window ends (ended), Unix time.",
  );
  e.family(
    "carpd_vhid_rollout_stale_masters",
    "gauge",
    "Masters heard since the window opened only under an earlier key.",
  );
  e.family(
    "carpd_hook_runs_total",
    "counter",
    "Up and down scripts and notify commands run, by hook.",
  );
  e.family(
    "carpd_hook_failures_total",
    "counter",
    "Hook runs that failed (non-zero exit, signal, timeout, not started).",
  );
  for (const v of s.vhids) {
    const l = vhidLabels(v);
    e.sample("carpd_vhid_state", l, STATE_VALUES[v.state] ?? -1);
    e.sample("carpd_vhid_transitions_total", l, v.counters.transitions);
    e.sample(
      "carpd_vhid_timer_lateness_worst_seconds",
      l,
      v.worstTimerLatenessMs / 1000,
    );
    e.sample(
      "carpd_vhid_advert_gap_worst_seconds",
      l,
      v.worstAdvertGapMs / 1000,
    );
    const r = v.rollout;
    e.sample("carpd_vhid_rollout_open", l, r?.open ? 1 : 0);
    if (r !== null) {
      e.sample(
        "carpd_vhid_rollout_end_timestamp_seconds",
        l,
        Date.parse(r.until) / 1000,
      );
    }
    e.sample(
      "carpd_vhid_rollout_stale_masters",
      l,
      r?.mastersOnEarlierKey.length ?? 0,
    );
    if (v.advskew !== null) {
      e.sample("carpd_vhid_advskew", l, v.advskew.effective);
    }
    if (v.priority !== null) {
      e.sample("carpd_vhid_priority", l, v.priority.effective);
    }
    for (const d of v.demotions) {
      e.sample("carpd_vhid_demotion", { ...l, reason: d.reason }, d.advskew);
    }
    const c = v.counters;
    e.sample("carpd_adverts_sent_total", l, c.advertsSent);
    e.sample("carpd_adverts_received_total", l, c.advertsReceived);
    for (const [reason, n] of Object.entries(c.drops)) {
      e.sample("carpd_packets_dropped_total", { ...l, reason }, n);
    }
    for (const [errno, n] of Object.entries(c.sendErrors)) {
      e.sample("carpd_send_errors_total", { ...l, errno }, n);
    }
    e.sample("carpd_vips_restored_total", l, c.vipsRestored);
    e.sample("carpd_vip_list_mismatches_total", l, c.vipListMismatches);
    for (const [hook, h] of Object.entries(c.hooks)) {
      e.sample("carpd_hook_runs_total", { ...l, hook }, h.runs);
      e.sample("carpd_hook_failures_total", { ...l, hook }, h.failures);
    }
  }
  for (const i of s.interfaces) {
    for (const [reason, n] of Object.entries(i.drops)) {
      e.sample(
        "carpd_packets_dropped_total",
        { interface: i.name, reason },
        n,
      );
    }
  }

  e.family(
    "carpd_check_up",
    "gauge",
    "1 while the health check passes (after fall and rise), else 0.",
  );
  e.family("carpd_check_runs_total", "counter", "Runs of the health check.");
  e.family(
    "carpd_check_failures_total",
    "counter",
    "Runs of the health check that failed (timeouts included).",
  );
  e.family(
    "carpd_check_duration_seconds",
    "gauge",
    "How long the last run of the health check took.",
  );
  for (const c of s.checks) {
    const l = { check: c.name };
    e.sample("carpd_check_up", l, c.up ? 1 : 0);
    e.sample("carpd_check_runs_total", l, c.runs);
    e.sample("carpd_check_failures_total", l, c.failures);
    e.sample("carpd_check_duration_seconds", l, c.lastDurationMs / 1000);
  }
  groupMetrics(e, s.groups ?? []);
  e.family(
    "carpd_track_interface_up",
    "gauge",
    "1 while the tracked interface is up with carrier, else 0.",
  );
  for (const t of s.trackedInterfaces) {
    e.sample("carpd_track_interface_up", { interface: t.name }, t.up ? 1 : 0);
  }

  e.family(
    "carpd_timer_lateness_worst_seconds",
    "gauge",
    "The latest any protocol timer has fired since start.",
  );
  e.sample(
    "carpd_timer_lateness_worst_seconds",
    {},
    s.worstTimerLatenessMs / 1000,
  );
  e.family(
    "carpd_realtime",
    "gauge",
    "1 while the daemon's threads run under realtime scheduling, else 0.",
  );
  e.sample("carpd_realtime", {}, s.scheduling.realtime ? 1 : 0);
  e.family(
    "carpd_reloads_total",
    "counter",
    "Reloads asked for since start.",
  );
  e.sample("carpd_reloads_total", {}, s.reload.count);
  e.family(
    "carpd_reload_ok",
    "gauge",
    "1 when the last reload was taken, 0 when it failed (1 before any).",
  );
  e.sample("carpd_reload_ok", {}, s.reload.ok === false ? 0 : 1);

  e.family(
    "process_resident_memory_bytes",
    "gauge",
    "Resident memory size in bytes.",
  );
  e.sample("process_resident_memory_bytes", {}, p.residentBytes);
  e.family(
    "process_cpu_seconds_total",
    "counter",
    "Total user and system CPU time spent in seconds.",
  );
  e.sample("process_cpu_seconds_total", {}, p.cpuSeconds);
  e.family("process_open_fds", "gauge", "Number of open file descriptors.");
  e.sample("process_open_fds", {}, p.openFds);
  e.family(
    "process_max_fds",
    "gauge",
    "Maximum number of open file descriptors.",
  );
  e.sample("process_max_fds", {}, p.maxFds);
  e.family(
    "process_start_time_seconds",
    "gauge",
    "Start time of the process since unix epoch in seconds.",
  );
  e.sample("process_start_time_seconds", {}, p.startTimeSeconds);
  return e.text();
}
