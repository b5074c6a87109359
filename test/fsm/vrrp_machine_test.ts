// The VRRP election, row by row of RFC 9568 section 6.4
// (../shared/research/vrrp_ipv6.md section 1.7).
import assert from "node:assert/strict";
import { advertIntervalMs, masterDownMs } from "../../src/fsm/mod.ts";
import { RELEASE_GRACE_MS } from "../../src/fsm/state.ts";
import { skewMs, vrrpRemoteWinsTie } from "../../src/fsm/vrrp_election.ts";
import {
  activeDownMs,
  config,
  Harness,
  ip,
  kinds,
  priorityOf,
  settingsOf,
  vrrpConfig,
} from "./_fixture.ts";

function reasonOf(h: Harness): string | undefined {
  const t = h.actions.find((a) => a.type === "transition");
  return t?.type === "transition" ? t.reason : undefined;
}

Deno.test("vrrp formulas: Skew_Time and Master_Down_Interval in microseconds (the research table)", () => {
  assert.equal(skewMs(100, 100), 609.375);
  assert.equal(activeDownMs(100, 100), 3609.375);
  assert.equal(activeDownMs(254, 100), 3007.8125);
  assert.equal(activeDownMs(200, 10), 321.875);
  assert.equal(skewMs(1, 1), 9.9609375);
  assert.ok(Math.abs(activeDownMs(1, 4095) - 163640.039) < 0.001);
});

Deno.test("vrrp tie-break: the greater address wins, as unsigned numbers in network order", () => {
  assert.equal(vrrpRemoteWinsTie(ip("10.0.0.2"), ip("10.0.0.1")), true);
  assert.equal(vrrpRemoteWinsTie(ip("10.0.0.1"), ip("10.0.0.2")), false);
  // 200.x is above 10.x, though negative as a signed 32-bit number.
  assert.equal(vrrpRemoteWinsTie(ip("200.0.0.1"), ip("10.0.0.1")), true);
  assert.equal(vrrpRemoteWinsTie("fe80::2", "fe80::1"), true);
  assert.equal(vrrpRemoteWinsTie("fe80::1", "fe80::2"), false);
});

Deno.test("vrrp Initialize: startup goes BACKUP with Master_Down_Interval of its own interval", () => {
  const h = new Harness(vrrpConfig(100, 100));
  assert.deepEqual(kinds(h.feed({ type: "start" })), [
    "INIT->BACKUP",
    "remove_vips",
    "hook:down",
  ]);
  assert.equal(h.deadline, 3609.375);
});

Deno.test("vrrp Backup: master-down fires: VIPs, advert at its priority, ARP, MASTER", () => {
  const h = new Harness(vrrpConfig(150));
  h.feed({ type: "start" });
  assert.deepEqual(kinds(h.at(h.deadline!)), [
    "add_vips",
    "vrrp:150",
    "garp",
    "BACKUP->MASTER",
    "hook:up",
  ]);
  assert.equal(reasonOf(h), "master down");
  assert.equal(h.deadline, h.now + 1000);
});

Deno.test("vrrp Backup: an advert of higher or equal priority adopts its interval and restarts the timer", () => {
  const h = new Harness(vrrpConfig(100, 100));
  h.feed({ type: "start" });
  h.now = 1000;
  assert.deepEqual(h.vrrp("10.99.0.2", 200, 10), []);
  assert.equal(h.s.activeIntervalCs, 10);
  assert.equal(h.deadline, 1000 + activeDownMs(100, 10));
  h.now = 1100;
  h.vrrp("10.99.0.2", 100, 10);
  assert.equal(h.deadline, 1100 + activeDownMs(100, 10));
  assert.equal(
    (h.s.heardMaster?.advert as { priority?: number } | undefined)?.priority,
    100,
  );
});

Deno.test("vrrp Backup, preempting: a lower-priority advert is discarded and the timer keeps running", () => {
  const h = new Harness(vrrpConfig(200));
  h.feed({ type: "start" });
  const first = h.deadline;
  h.now = 2000;
  assert.deepEqual(h.vrrp("10.99.0.2", 100), []);
  assert.equal(h.deadline, first);
  h.at(first!);
  assert.equal(h.s.state, "MASTER");
  assert.equal(reasonOf(h), "preemption");
});

Deno.test("vrrp Backup, not preempting: any advert restarts the timer", () => {
  const h = new Harness(vrrpConfig(200, 100, { preempt: false }));
  h.feed({ type: "start" });
  h.now = 2000;
  h.vrrp("10.99.0.2", 100);
  assert.equal(h.deadline, 2000 + activeDownMs(200, 100));
});

Deno.test("vrrp Backup: priority 0 sets the timer to Skew_Time; the best backup takes over first", () => {
  const high = new Harness(vrrpConfig(200));
  const low = new Harness(vrrpConfig(100));
  for (const h of [high, low]) {
    h.feed({ type: "start" });
    h.now = 500;
    h.vrrp("10.99.0.2", 250);
    h.now = 1000;
    h.vrrp("10.99.0.2", 0);
  }
  assert.equal(high.deadline, 1000 + skewMs(200, 100));
  assert.equal(low.deadline, 1000 + skewMs(100, 100));
  high.at(high.deadline!);
  assert.equal(high.s.state, "MASTER");
  assert.equal(reasonOf(high), "master bowing out");
  // The low backup hears the new master before its own skew runs out.
  low.now = high.now + 1;
  low.vrrp("10.99.0.2", 200);
  assert.equal(low.s.state, "BACKUP");
  assert.ok(low.deadline! > low.now + 3000);
});

Deno.test("vrrp Active: the timer sends an advert each interval", () => {
  const h = new Harness(vrrpConfig(100, 50));
  h.feed({ type: "start" });
  h.at(h.deadline!);
  const t = h.now;
  assert.deepEqual(kinds(h.at(t + 500)).filter((k) => k !== "garp"), [
    "vrrp:100",
  ]);
  assert.equal(h.deadline, t + 1000);
  assert.equal(advertIntervalMs(h.s), 500);
});

Deno.test("vrrp Active: priority 0 from another master is answered with an advert at once", () => {
  const h = new Harness(vrrpConfig(100));
  h.becomeMaster();
  h.now += 100;
  assert.deepEqual(kinds(h.vrrp("10.99.0.2", 0)), ["vrrp:100"]);
  assert.equal(h.s.state, "MASTER");
  assert.equal(h.s.advertAt, h.now + 1000);
});

Deno.test("vrrp Active: a higher priority, or equal from a greater address, makes it BACKUP on that master's interval", () => {
  const h = new Harness(vrrpConfig(100));
  h.becomeMaster();
  h.now += 10;
  assert.deepEqual(kinds(h.vrrp("10.99.0.2", 101, 20)), [
    "remove_vips",
    "hook:down",
    "MASTER->BACKUP",
  ]);
  assert.equal(reasonOf(h), "preferred master");
  assert.equal(h.deadline, h.now + activeDownMs(100, 20));

  const tie = new Harness(vrrpConfig(100)); // source 10.99.0.1
  tie.becomeMaster();
  tie.vrrp("10.99.0.2", 100);
  assert.equal(tie.s.state, "BACKUP");
  const keeps = new Harness(vrrpConfig(100));
  keeps.becomeMaster();
  keeps.vrrp("10.99.0.0", 100);
  assert.equal(keeps.s.state, "MASTER");
});

Deno.test("vrrp Active: a lower priority is answered with an advert and ARP, at most once per interval", () => {
  const h = new Harness(vrrpConfig(100));
  h.becomeMaster();
  h.now += 2000;
  assert.deepEqual(kinds(h.vrrp("10.99.0.2", 50)), ["vrrp:100", "garp"]);
  h.now += 10;
  assert.deepEqual(kinds(h.vrrp("10.99.0.2", 50)), []);
  assert.equal(h.s.state, "MASTER");
});

Deno.test("vrrp demotions subtract from the priority, never below 1, and are advertised at once", () => {
  const h = new Harness(vrrpConfig(100));
  h.becomeMaster();
  h.feed({ type: "demotion", amount: 30 });
  assert.equal(priorityOf(h.s), 70);
  assert.deepEqual(kinds(h.actions), ["vrrp:70"]);
  h.feed({ type: "demotion", amount: 500 });
  assert.equal(priorityOf(h.s), 1);
  // A lower priority means a longer skew for a backup.
  const b = new Harness(vrrpConfig(100));
  b.feed({ type: "start" });
  b.feed({ type: "demotion", amount: 99 });
  assert.equal(masterDownMs(b.s), activeDownMs(1, 100));
});

Deno.test("vrrp health handover: priority 0 now, VIPs kept until the successor speaks, back if nobody does", () => {
  const h = new Harness(vrrpConfig(100));
  h.becomeMaster();
  const t = h.now;
  assert.deepEqual(
    kinds(h.feed({ type: "demotion", amount: 100, handover: true })),
    [
      "vrrp:0",
      "MASTER->BACKUP",
    ],
  );
  assert.equal(h.s.releaseAt !== null, true);
  // A successor's first advert: the VIPs go RELEASE_GRACE_MS later.
  h.now = t + 600;
  h.vrrp("10.99.0.2", 90);
  assert.equal(h.s.releaseAt, t + 600 + RELEASE_GRACE_MS);
  assert.deepEqual(kinds(h.at(t + 600 + RELEASE_GRACE_MS)), [
    "remove_vips",
    "hook:down",
  ]);
  // Nobody: it takes mastership back within two intervals, VIPs never off.
  const alone = new Harness(vrrpConfig(100));
  alone.becomeMaster();
  const t2 = alone.now;
  alone.feed({ type: "demotion", amount: 100, handover: true });
  const back = kinds(alone.at(alone.deadline!));
  assert.ok(alone.now <= t2 + 2100, `${alone.now - t2}`);
  assert.equal(alone.s.state, "MASTER");
  assert.ok(!back.includes("remove_vips"), back.join());
});

Deno.test("vrrp standby sends priority 0 and stays at priority 1; resume restores it", () => {
  const h = new Harness(vrrpConfig(150));
  h.becomeMaster();
  assert.deepEqual(kinds(h.feed({ type: "standby" })), [
    "vrrp:0",
    "MASTER->BACKUP",
  ]);
  assert.equal(priorityOf(h.s), 1);
  h.feed({ type: "resume" });
  assert.equal(priorityOf(h.s), 150);
});

Deno.test("vrrp stop sends priority 0 and waits for a successor up to its interval's Skew_Time", () => {
  const h = new Harness(vrrpConfig(100, 1000)); // 10 s adverts
  h.becomeMaster();
  const t = h.now;
  assert.deepEqual(kinds(h.feed({ type: "stop" })), ["vrrp:0", "MASTER->INIT"]);
  // A backup at priority 1 waits 9.96 s after the priority-0 advert.
  assert.equal(h.s.releaseAt, t + 10_200);
});

Deno.test("vrrp ignores CARP adverts and CARP vhids ignore VRRP ones", () => {
  const v = new Harness(vrrpConfig(100));
  v.becomeMaster();
  assert.deepEqual(v.advert("10.99.0.2", 0, 1), []);
  assert.equal(v.s.state, "MASTER");
  const c = new Harness();
  c.becomeMaster();
  assert.deepEqual(c.vrrp("10.99.0.2", 254), []);
  assert.equal(c.s.state, "MASTER");
});

Deno.test("vrrp FAULT ignores adverts; leaving it forgets the learnt interval", () => {
  const h = new Harness(vrrpConfig(100));
  h.feed({ type: "start" });
  h.vrrp("10.99.0.2", 200, 10);
  h.feed({ type: "link_down" });
  assert.deepEqual(h.vrrp("10.99.0.2", 200, 10), []);
  h.now = 100;
  h.feed({ type: "link_up" });
  assert.equal(h.s.activeIntervalCs, null);
  assert.equal(h.deadline, 100 + activeDownMs(100, 100));
});

Deno.test("vrrp configure: a new priority or interval is advertised at once as MASTER", () => {
  const h = new Harness(vrrpConfig(100, 100, { garpCount: 1 }));
  h.becomeMaster();
  h.now += 100;
  assert.deepEqual(
    kinds(
      h.feed({
        type: "configure",
        config: config({
          ...settingsOf(h),
          vrrp: { priority: 120, intervalCs: 100 },
        }),
      }),
    ),
    ["vrrp:120"],
  );
  assert.deepEqual(
    kinds(
      h.feed({
        type: "configure",
        config: config({
          ...settingsOf(h),
          vrrp: { priority: 120, intervalCs: 50 },
        }),
      }),
    ),
    ["vrrp:120"],
  );
  assert.equal(h.deadline, h.now + 500);
  assert.deepEqual(
    h.feed({ type: "configure", config: { ...h.s.config, preempt: false } }),
    [],
  );
});

Deno.test("vrrp version 2: skew in 1/256 s whatever the interval, and the backup keeps its own interval", () => {
  const h = new Harness(vrrpConfig(100, 300, {}, 2));
  h.feed({ type: "start" });
  // 3 x 3 s + (256 - 100) / 256 s.
  assert.equal(h.deadline, 9000 + 609.375);
  h.now = 1000;
  h.vrrp("10.99.0.2", 200, 300);
  assert.equal(h.s.activeIntervalCs, null);
  assert.equal(h.deadline, 1000 + 9609.375);
  h.now = 2000;
  h.vrrp("10.99.0.2", 0, 300);
  assert.equal(h.deadline, 2000 + 609.375, "priority 0: the v2 skew");
});
