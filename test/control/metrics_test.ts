import assert from "node:assert/strict";
import {
  type ProcessFigures,
  renderMetrics,
  type Status,
  type VhidStatus,
} from "../../src/control/mod.ts";
import { escapeLabel } from "../../src/control/metrics.ts";

const PROCESS: ProcessFigures = {
  residentBytes: 61_000_000,
  cpuSeconds: 12.5,
  openFds: 17,
  maxFds: 1024,
  startTimeSeconds: 1795390000.5,
};

function vhid(over: Partial<VhidStatus>): VhidStatus {
  return {
    vhid: 3,
    interface: "eth1",
    protocol: "carp",
    vips: ["192.168.1.135/24"],
    state: "MASTER",
    faults: [],
    advbase: 1,
    advskew: { configured: 0, effective: 100 },
    priority: null,
    advertInterval: null,
    checksum: null,
    vrrpVersion: null,
    demotions: [{ reason: "check squid", advskew: 100 }],
    standby: false,
    master: "192.168.1.2",
    source: "192.168.1.2",
    source6: null,
    secondsSinceTransition: 5,
    peers: [],
    worstTimerLatenessMs: 2.5,
    worstAdvertGapMs: 1100,
    warnings: [],
    counters: {
      advertsSent: 1170,
      advertsReceived: 12,
      sendErrors: { EPERM: 3 },
      garpsSent: 2,
      transitions: 3,
      vipsRestored: 0,
      vipListMismatches: 0,
      hooks: {
        up: { runs: 1, failures: 0 },
        down: { runs: 2, failures: 1 },
        notify: { runs: 3, failures: 0 },
      },
      drops: { bad_hmac: 2 },
    },
    history: [],
    rollout: null,
    ...over,
  };
}

function status(vhids: VhidStatus[]): Status {
  return {
    version: 1,
    carpd: "0.1.0",
    pid: 42,
    uptimeSeconds: 100,
    reload: { count: 2, ok: true, error: null },
    worstTimerLatenessMs: 1.5,
    scheduling: {
      mode: "auto",
      realtime: true,
      reason: "vhid 3 on eth1 advertises every 3.9 ms",
      error: null,
    },
    linkResyncs: 0,
    vhids,
    checks: [{
      name: "squid",
      up: false,
      demote: 100,
      runs: 1183,
      failures: 2,
      timeouts: 0,
      lastCode: 1,
      lastSignal: null,
      lastDurationMs: 31,
      everPassed: true,
      hint: null,
    }],
    trackedInterfaces: [{ name: "eth0", up: true, demote: 240 }],
    interfaces: [{
      name: "eth1",
      present: true,
      usable: true,
      drops: { wrong_vhid: 7 },
    }],
  };
}

Deno.test("renderMetrics() gives the exact exposition for a known state", () => {
  const text = renderMetrics(
    status([
      vhid({}),
      vhid({
        vhid: 9,
        interface: "eth0",
        protocol: "vrrp",
        state: "BACKUP",
        advbase: null,
        advskew: null,
        priority: { configured: 100, effective: 100 },
        advertInterval: 1,
        checksum: "pseudo",
        vrrpVersion: 3,
        demotions: [],
        counters: { ...vhid({}).counters, sendErrors: {}, drops: {} },
        rollout: {
          open: true,
          until: "2026-12-04T12:10:00.000Z",
          earlierKeys: 1,
          changes: ["password"],
          mastersOnEarlierKey: ["10.0.0.3"],
        },
      }),
    ]),
    PROCESS,
  );
  const lines = text.split("\n");
  for (
    const want of [
      "# HELP carpd_build_info carpd's version, as a label.",
      "# TYPE carpd_build_info gauge",
      'carpd_build_info{version="0.1.0"} 1',
      "# TYPE carpd_vhid_state gauge",
      'carpd_vhid_state{vhid="3",interface="eth1",protocol="carp"} 2',
      'carpd_vhid_state{vhid="9",interface="eth0",protocol="vrrp"} 1',
      "# TYPE carpd_vhid_transitions_total counter",
      'carpd_vhid_transitions_total{vhid="3",interface="eth1",protocol="carp"} 3',
      'carpd_vhid_advskew{vhid="3",interface="eth1",protocol="carp"} 100',
      'carpd_vhid_priority{vhid="9",interface="eth0",protocol="vrrp"} 100',
      'carpd_vhid_demotion{vhid="3",interface="eth1",protocol="carp",reason="check squid"} 100',
      'carpd_adverts_sent_total{vhid="3",interface="eth1",protocol="carp"} 1170',
      'carpd_adverts_received_total{vhid="3",interface="eth1",protocol="carp"} 12',
      'carpd_packets_dropped_total{vhid="3",interface="eth1",protocol="carp",reason="bad_hmac"} 2',
      'carpd_packets_dropped_total{interface="eth1",reason="wrong_vhid"} 7',
      'carpd_send_errors_total{vhid="3",interface="eth1",protocol="carp",errno="EPERM"} 3',
      'carpd_hook_runs_total{vhid="3",interface="eth1",protocol="carp",hook="down"} 2',
      'carpd_hook_failures_total{vhid="3",interface="eth1",protocol="carp",hook="down"} 1',
      'carpd_check_up{check="squid"} 0',
      'carpd_check_runs_total{check="squid"} 1183',
      'carpd_check_failures_total{check="squid"} 2',
      'carpd_check_duration_seconds{check="squid"} 0.031',
      'carpd_track_interface_up{interface="eth0"} 1',
      "carpd_timer_lateness_worst_seconds 0.0015",
      'carpd_vhid_timer_lateness_worst_seconds{vhid="3",interface="eth1",protocol="carp"} 0.0025',
      'carpd_vhid_advert_gap_worst_seconds{vhid="3",interface="eth1",protocol="carp"} 1.1',
      'carpd_vhid_rollout_open{vhid="3",interface="eth1",protocol="carp"} 0',
      'carpd_vhid_rollout_open{vhid="9",interface="eth0",protocol="vrrp"} 1',
      'carpd_vhid_rollout_end_timestamp_seconds{vhid="9",interface="eth0",protocol="vrrp"} 1796386200',
      'carpd_vhid_rollout_stale_masters{vhid="9",interface="eth0",protocol="vrrp"} 1',
      "carpd_realtime 1",
      "carpd_reloads_total 2",
      "carpd_reload_ok 1",
      "process_resident_memory_bytes 61000000",
      "process_cpu_seconds_total 12.5",
      "process_open_fds 17",
      "process_max_fds 1024",
      "process_start_time_seconds 1795390000.5",
    ]
  ) assert.ok(lines.includes(want), `missing: ${want}\n${text}`);
  assert.ok(text.endsWith("\n"));
  // A VRRP vhid has no advskew series, a CARP one no priority series.
  assert.ok(!/carpd_vhid_advskew\{vhid="9"/.test(text));
  assert.ok(!/carpd_vhid_priority\{vhid="3"/.test(text));
  // Every sample belongs to a family declared just before it.
  let family = "";
  for (const l of lines) {
    const m = /^# TYPE (\S+) (gauge|counter)$/.exec(l);
    if (m) family = m[1]!;
    else if (l !== "" && !l.startsWith("#")) {
      assert.ok(l.startsWith(family), `${l} outside ${family}`);
      assert.match(l, /^[a-z_]+(\{[^}]*\})? -?[0-9.e+]+$|NaN$/);
    }
  }
});

Deno.test("escapeLabel() escapes backslash, double quote and line feed", () => {
  assert.equal(escapeLabel('a\\b"c\nd'), 'a\\\\b\\"c\\nd');
  const text = renderMetrics(
    {
      ...status([]),
      checks: [{ ...status([]).checks[0]!, name: 'say "hi"\\\n' }],
    },
    PROCESS,
  );
  assert.ok(
    text.includes('carpd_check_up{check="say \\"hi\\"\\\\\\n"} 0'),
    text,
  );
});

Deno.test("renderMetrics(): counters only rise as the status moves on", () => {
  const counters = (t: string): Map<string, number> =>
    new Map(
      t.split("\n").filter((l) => /^\S+_total[{ ]/.test(l)).map((l) => {
        const i = l.lastIndexOf(" ");
        return [l.slice(0, i), Number(l.slice(i + 1))];
      }),
    );
  const before = counters(renderMetrics(status([vhid({})]), PROCESS));
  const later = vhid({});
  later.counters.advertsSent += 5;
  later.counters.transitions += 1;
  later.counters.hooks.up!.runs += 1;
  const after = counters(
    renderMetrics(status([later]), { ...PROCESS, cpuSeconds: 13 }),
  );
  assert.ok(before.size > 10);
  for (const [series, v] of before) {
    assert.ok((after.get(series) ?? -1) >= v, series);
  }
});
