import assert from "node:assert/strict";
import {
  advertIntervalMs,
  faultList,
  masterDownMs,
} from "../../src/fsm/mod.ts";
import {
  CLAIM_WINDOW_MS,
  HANDOVER_WINDOW_MS,
  RELEASE_STOP_MAX_MS,
} from "../../src/fsm/carp_election.ts";
import { remoteWinsTie } from "../../src/fsm/carp_timing.ts";
import {
  RELEASE_GRACE_MS,
  VIP_RETRY_FIRST_MS,
  VIP_RETRY_MAX_MS,
} from "../../src/fsm/state.ts";
import {
  advskewOf,
  carpSent,
  config,
  Harness,
  ip,
  kinds,
  settingsOf,
} from "./_fixture.ts";

// Rows of ucarp.md section 3.4, in order.

Deno.test("event table: INIT ignores every advert", () => {
  const h = new Harness({ preempt: true });
  assert.deepEqual(h.advert("10.99.0.2", 255, 255), []);
  assert.deepEqual(h.advert("10.99.0.2", 1, 0), []);
  assert.equal(h.s.state, "INIT");
  assert.equal(h.deadline, null);
});

Deno.test("event table: MASTER hearing a preferred master sends one advert, then goes BACKUP", () => {
  const h = new Harness();
  h.becomeMaster();
  h.now = 5000;
  const actions = h.advert("10.99.0.2", 1, 10);
  assert.deepEqual(kinds(actions), [
    "send_advert",
    "remove_vips",
    "hook:down",
    "MASTER->BACKUP",
  ]);
  assert.equal(h.s.state, "BACKUP");
  assert.equal(h.s.advertAt, null);
  assert.equal(h.deadline, 5000 + masterDownMs(h.s));
  const t = actions.find((a) => a.type === "transition");
  assert.equal(t?.type === "transition" && t.reason, "preferred master");
});

Deno.test("event table: MASTER yields on an equal interval to a peer that wins the x86 tie-break", () => {
  const h = new Harness(); // source 10.99.0.1, 1 + 50/256
  h.becomeMaster();
  h.advert("11.99.0.0", 1, 50);
  assert.equal(h.s.state, "BACKUP");
});

Deno.test("event table: MASTER stays and re-asserts against a less preferred master", () => {
  const h = new Harness();
  h.becomeMaster();
  h.now = 4000;
  assert.deepEqual(kinds(h.advert("10.99.0.2", 1, 100)), [
    "send_advert",
    "garp",
  ]);
  assert.equal(h.s.state, "MASTER");
  assert.equal(h.s.advertAt, 4000 + advertIntervalMs(h.s));
  // The repeated gratuitous ARP follows after garpIntervalMs.
  assert.deepEqual(kinds(h.at(5000)), ["garp"]);
  // Re-asserting is rate limited to once per advert interval.
  h.now = 5100;
  assert.deepEqual(kinds(h.advert("10.99.0.2", 1, 100)), []);
  h.now = 5300;
  assert.deepEqual(kinds(h.advert("10.99.0.2", 1, 100)), [
    "send_advert",
    "garp",
  ]);
});

Deno.test("a MASTER answers each of two worse claimants inside one interval at once (a preemption race), each at most once per interval", () => {
  const h = new Harness();
  h.becomeMaster();
  h.now = 4000;
  assert.deepEqual(kinds(h.advert("10.99.0.2", 1, 100)), [
    "send_advert",
    "garp",
  ]);
  h.now = 4100; // another box claims inside the same interval
  assert.deepEqual(kinds(h.advert("10.99.0.3", 1, 150)), [
    "send_advert",
    "garp",
  ]);
  h.now = 4200; // each is rate limited on its own
  assert.deepEqual(kinds(h.advert("10.99.0.2", 1, 100)), []);
  assert.deepEqual(kinds(h.advert("10.99.0.3", 1, 150)), []);
  assert.equal(h.s.state, "MASTER");
});

Deno.test("event table: MASTER keeps mastership on an equal interval against a tie-break loser", () => {
  const h = new Harness();
  h.becomeMaster();
  assert.deepEqual(kinds(h.advert("10.99.0.2", 1, 50)), [
    "send_advert",
    "garp",
  ]);
  assert.equal(h.s.state, "MASTER");
});

Deno.test("event table: BACKUP with preempt takes over at once from a strictly slower master", () => {
  const h = new Harness({ preempt: true });
  h.feed({ type: "start" });
  h.now = 1234;
  const actions = h.advert("10.99.0.2", 1, 51);
  assert.deepEqual(kinds(actions), [
    "add_vips",
    "send_advert",
    "garp",
    "BACKUP->MASTER",
    "hook:up",
  ]);
  assert.equal(h.s.advertAt, 1234 + advertIntervalMs(h.s));
});

Deno.test("event table: BACKUP with preempt does not take over from an equal master", () => {
  const h = new Harness({ preempt: true });
  h.feed({ type: "start" });
  h.now = 1000;
  h.advert("10.99.0.0", 1, 50);
  assert.equal(h.s.state, "BACKUP");
  assert.equal(h.deadline, 1000 + masterDownMs(h.s));
});

Deno.test("event table: BACKUP takes over when the master's interval exceeds master-down, after a claim window", () => {
  for (const preempt of [false, true]) {
    const h = new Harness({ preempt, advskew: 50 });
    h.feed({ type: "start" });
    h.now = 700;
    const claim = h.advert("10.99.0.2", 255, 255); // the bow-out advert
    assert.deepEqual(kinds(claim), ["send_advert"], "the claim");
    const a = claim[0]!;
    assert.ok(carpSent(a)?.advbase === 1 && carpSent(a)?.advskew === 50);
    assert.equal(h.s.state, "BACKUP");
    assert.equal(h.deadline, 700 + CLAIM_WINDOW_MS);
    const t = h.at(h.deadline!).find((x) => x.type === "transition");
    assert.equal(t?.type === "transition" && t.reason, "master bowing out");
    assert.equal(h.s.state, "MASTER");
  }
  // 3 s + 51/256 beats our master-down of 3 s + 50/256 too.
  const h = new Harness();
  h.feed({ type: "start" });
  h.advert("10.99.0.2", 3, 51);
  assert.ok(h.s.claiming);
  const k = new Harness();
  k.feed({ type: "start" });
  k.advert("10.99.0.2", 3, 50);
  assert.equal(k.s.claiming, false);
  assert.equal(k.deadline, masterDownMs(k.s), "an ordinary advert");
});

Deno.test("succession: a claiming backup gives way to a better claim, ignores worse ones and the leaving master's late adverts", () => {
  const h = new Harness({ advskew: 60 });
  h.feed({ type: "start" });
  h.now = 1000;
  h.advert("10.99.0.2", 255, 255);
  h.now = 1001;
  assert.deepEqual(h.advert("10.99.0.4", 1, 90), [], "a worse claim");
  assert.deepEqual(h.advert("10.99.0.2", 1, 0), [], "overtaken by the bow-out");
  assert.ok(h.s.claiming);
  h.now = 1002;
  assert.deepEqual(h.advert("10.99.0.3", 1, 30), [], "a better claim");
  assert.equal(h.s.claiming, false);
  assert.equal(h.s.state, "BACKUP");
  assert.equal(h.deadline, 1002 + masterDownMs(h.s));
  assert.equal(h.s.heardMaster?.source, ip("10.99.0.3"));
  const t = h.at(h.deadline!).find((a) => a.type === "transition");
  assert.equal(t?.type === "transition" && t.reason, "master down");
  // An equal claim: the x86 tie-break decides.
  const e = new Harness({ advskew: 30, source: ip("10.99.0.5") });
  e.feed({ type: "start" });
  e.advert("10.99.0.2", 255, 255);
  e.advert("10.99.0.3", 1, 30); // 3 < 5 from the last octet: it wins
  assert.equal(e.s.claiming, false);
});

Deno.test("handover: a MASTER whose health demotes it bows out once, and comes back if no one takes over", () => {
  const h = new Harness({ advskew: 0 });
  h.becomeMaster();
  h.now = 5000;
  assert.deepEqual(
    kinds(h.feed({ type: "demotion", amount: 100, handover: true })),
    ["send_advert", "MASTER->BACKUP"],
    "the VIPs stay until a successor takes them",
  );
  const bow = h.actions[0]!;
  assert.ok(carpSent(bow)?.advbase === 255);
  assert.equal(h.deadline, 5000 + HANDOVER_WINDOW_MS);
  const back = h.at(h.deadline!);
  assert.ok(!kinds(back).includes("remove_vips"), "never released");
  const t = back.find((a) => a.type === "transition");
  assert.equal(t?.type === "transition" && t.reason, "no successor");
  assert.equal(h.s.state, "MASTER");
  assert.equal(h.s.releaseAt, null);
  // Already demoted: a further demotion does not bow out again.
  assert.deepEqual(
    kinds(h.feed({ type: "demotion", amount: 200, handover: true })),
    ["send_advert"],
  );
  assert.equal(h.s.state, "MASTER");
  // A successor heard within the window: stay BACKUP.
  const k = new Harness({ advskew: 0 });
  k.becomeMaster();
  k.feed({ type: "demotion", amount: 100, handover: true });
  k.advert("10.99.0.2", 1, 100);
  assert.equal(k.s.state, "BACKUP");
  assert.equal(k.deadline, k.now + RELEASE_GRACE_MS, "release after grace");
  assert.deepEqual(kinds(k.at(k.deadline!)), ["remove_vips", "hook:down"]);
  assert.equal(k.deadline, k.now - RELEASE_GRACE_MS + masterDownMs(k.s));
  // Without handover (send errors), the skew is only advertised.
  const s = new Harness({ advskew: 0 });
  s.becomeMaster();
  assert.deepEqual(kinds(s.feed({ type: "demotion", amount: 240 })), [
    "send_advert",
  ]);
});

Deno.test("event table: BACKUP restarts master-down on any other advert", () => {
  const h = new Harness({ preempt: false });
  h.feed({ type: "start" });
  for (
    const [t, base, skew] of [[500, 1, 0], [1500, 1, 50], [2500, 2, 0]] as const
  ) {
    h.now = t;
    assert.deepEqual(h.advert("10.99.0.2", base, skew), []);
    assert.equal(h.s.state, "BACKUP");
    assert.equal(h.deadline, t + masterDownMs(h.s));
  }
});

Deno.test("event table: BACKUP becomes MASTER when master-down expires", () => {
  const h = new Harness();
  h.feed({ type: "start" });
  const due = h.deadline!;
  assert.equal(due, 3000 + 50 * 1000 / 256);
  assert.deepEqual(h.at(due - 0.001), []);
  const actions = h.at(due);
  assert.deepEqual(kinds(actions), [
    "add_vips",
    "send_advert",
    "garp",
    "BACKUP->MASTER",
    "hook:up",
  ]);
});

Deno.test("event table: MASTER sends an advert each time its timer expires", () => {
  const h = new Harness({ garpCount: 1 });
  h.becomeMaster();
  const interval = advertIntervalMs(h.s);
  let t = h.now;
  for (let i = 0; i < 5; i++) {
    t += interval;
    const actions = h.at(t);
    assert.deepEqual(kinds(actions), ["send_advert"]);
    assert.equal(h.deadline, t + interval);
  }
});

Deno.test("a MASTER keeps its advert cadence when a timer fires late, and restarts it after a stall", () => {
  const h = new Harness({ advbase: 0, advskew: 1, garpCount: 1 });
  h.becomeMaster();
  const interval = advertIntervalMs(h.s); // 3.90625 ms
  const due = h.deadline!;
  h.at(due + 1); // a millisecond late: the next is still on the cadence
  assert.equal(h.deadline, due + interval);
  h.at(due + interval + 20); // stalled five intervals: one now, then on
  assert.equal(h.deadline, due + interval + 20 + interval);
});

Deno.test("a BACKUP stalled longer than the master's interval gives the master two intervals more, once", () => {
  const h = new Harness({ advbase: 0, advskew: 2, preempt: false });
  h.feed({ type: "start" });
  h.now = 100;
  h.advert("10.99.0.2", 0, 1); // adverts every 3.9 ms
  const due = h.deadline!;
  const interval = 1000 / 256;
  // The timer fires 10 ms late: this process was not running, the silence
  // was not watched.
  h.now = due + 10;
  assert.deepEqual(kinds(h.feed({ type: "timer", lateMs: 10 })), []);
  assert.equal(h.s.state, "BACKUP");
  assert.equal(h.deadline, due + 10 + 2 * interval);
  // The master's next advert arrives: all is well.
  h.now = due + 12;
  h.advert("10.99.0.2", 0, 1);
  assert.equal(h.s.state, "BACKUP");
  // Silence again, and a stall again: a grace again (a new silence)...
  const due2 = h.deadline!;
  h.now = due2 + 10;
  h.feed({ type: "timer", lateMs: 10 });
  assert.equal(h.s.state, "BACKUP");
  // ...but not twice for the same silence, late or not.
  h.now = h.deadline! + 10;
  h.feed({ type: "timer", lateMs: 10 });
  assert.equal(h.s.state, "MASTER");
});

Deno.test("a BACKUP whose timer fires under one master interval late takes over as before", () => {
  const h = new Harness({ advbase: 0, advskew: 2, preempt: false });
  h.feed({ type: "start" });
  h.now = 100;
  h.advert("10.99.0.2", 0, 1);
  h.now = h.deadline! + 3;
  h.feed({ type: "timer", lateMs: 3 });
  assert.equal(h.s.state, "MASTER");
});

Deno.test("start goes INIT -> BACKUP, clears leftover VIPs and runs the down hook unless neutral", () => {
  const h = new Harness();
  assert.deepEqual(kinds(h.feed({ type: "start" })), [
    "INIT->BACKUP",
    "remove_vips",
    "hook:down",
  ]);
  assert.equal(h.deadline, masterDownMs(h.s));
  const n = new Harness({ neutral: true });
  assert.deepEqual(kinds(n.feed({ type: "start" })), [
    "INIT->BACKUP",
    "remove_vips",
  ]);
  assert.deepEqual(n.feed({ type: "start" }), [], "start is idempotent");
});

Deno.test("timers follow ucarp's formulas", () => {
  const h = new Harness({ advbase: 1, advskew: 50, deadratio: 3 });
  assert.equal(advertIntervalMs(h.s), 1000 + 195.3125);
  assert.equal(masterDownMs(h.s), 3000 + 195.3125);
  const k = new Harness({ advbase: 1, advskew: 200, deadratio: 10 });
  assert.equal(masterDownMs(k.s), 10_000 + 781.25);
  const fast = new Harness({ advbase: 0, advskew: 26, deadratio: 3 });
  assert.equal(advertIntervalMs(fast.s), 101.5625);
  assert.equal(masterDownMs(fast.s), 3 * 101.5625);
});

Deno.test("remoteWinsTie() compares addresses from the last octet, like x86 ucarp", () => {
  const local = ip("10.99.0.1");
  assert.equal(remoteWinsTie(ip("10.99.0.2"), local), false);
  assert.equal(remoteWinsTie(ip("9.99.0.2"), local), false);
  assert.equal(remoteWinsTie(ip("11.99.0.0"), local), true);
  assert.equal(remoteWinsTie(local, local), false);
});

Deno.test("remoteWinsTie() compares IPv6 addresses byte by byte, the smaller winning", () => {
  assert.equal(remoteWinsTie("fe80::1", "fe80::2"), true);
  assert.equal(remoteWinsTie("fe80::2", "fe80::1"), false);
  assert.equal(remoteWinsTie("fe80::1:0", "fe80::ff"), false);
  assert.equal(remoteWinsTie("fe80::1", "fe80::1"), false);
});

Deno.test("an IPv6-only vhid breaks ties on its link-local address", () => {
  const h = new Harness({ source: "fe80::5", ownAddresses: ["fe80::5"] });
  h.becomeMaster();
  h.advert("fe80::9", 1, 50);
  assert.equal(h.s.state, "MASTER", "fe80::9 loses the tie");
  h.advert("fe80::4", 1, 50);
  assert.equal(h.s.state, "BACKUP", "fe80::4 wins it");
  assert.deepEqual(h.advert("fe80::5", 1, 0), [], "our own, looped back");
});

Deno.test("a dual-stack vhid lets only the IPv4 copies of adverts decide ties", () => {
  // Our link-local is the larger, our IPv4 address the smaller: if both
  // decided, two masters could each yield to the other.
  const h = new Harness({ source: ip("10.99.0.1"), ownAddresses: ["fe80::9"] });
  h.becomeMaster();
  h.advert("fe80::1", 1, 50);
  assert.equal(h.s.state, "MASTER", "an IPv6 copy never wins a tie");
  h.advert("fe80::1", 1, 10);
  assert.equal(h.s.state, "BACKUP", "but a better IPv6 advert still counts");
  const k = new Harness({ source: ip("10.99.0.1"), ownAddresses: ["fe80::9"] });
  k.becomeMaster();
  k.advert("11.99.0.0", 1, 50);
  assert.equal(k.s.state, "BACKUP", "the IPv4 copy decides");
  assert.deepEqual(k.advert("fe80::9", 1, 0), [], "our own IPv6 copy");
});

Deno.test("the counter starts where told, increments, and never echoes a peer's", () => {
  const h = new Harness({ garpCount: 1 }, 5n);
  h.becomeMaster();
  const sent = () =>
    h.actions.flatMap((a) => {
      const c = carpSent(a);
      return c === undefined ? [] : [c.counter];
    });
  assert.deepEqual(sent(), [5n]);
  h.advert("10.99.0.2", 2, 0, 1000n); // worse master, re-asserted
  assert.deepEqual(sent(), [1001n]);
  h.advert("10.99.0.2", 2, 0, 10n); // a lower peer counter never rewinds ours
  h.at(h.deadline!);
  assert.deepEqual(sent(), [1002n]);
  h.now += 2000;
  h.advert("10.99.0.2", 2, 0, (1n << 64n) - 1n); // wraps to 0: keep ours
  assert.deepEqual(sent(), [1003n]);
});

Deno.test("a demotion is advertised at once by a MASTER and capped at 254", () => {
  const h = new Harness({ garpCount: 1 });
  h.becomeMaster();
  h.now += 100;
  const actions = h.feed({ type: "demotion", amount: 100 });
  assert.deepEqual(actions, [
    {
      type: "send_advert",
      advert: {
        protocol: "carp",
        advbase: 1,
        advskew: 150,
        counter: h.s.counter - 1n,
      },
    },
  ]);
  assert.equal(h.deadline, h.now + advertIntervalMs(h.s));
  h.feed({ type: "demotion", amount: 1000 });
  assert.equal(advskewOf(h.s), 254);
  assert.deepEqual(
    h.feed({ type: "demotion", amount: 1000 }),
    [],
    "no change, no advert",
  );
  h.feed({ type: "demotion", amount: 0 });
  assert.equal(advskewOf(h.s), 50);
});

Deno.test("a demoted MASTER yields to a backup that now preempts it", () => {
  const master = new Harness({ source: ip("10.0.0.1"), advskew: 0 });
  const backup = new Harness({
    source: ip("10.0.0.2"),
    advskew: 100,
    preempt: true,
  });
  master.becomeMaster();
  backup.feed({ type: "start" });
  const advert = master.feed({ type: "demotion", amount: 200 })[0]!;
  assert.equal(advert.type, "send_advert");
  if (advert.type !== "send_advert") return;
  backup.feed({
    type: "advert",
    advert: advert.advert,
    source: ip("10.0.0.1"),
  });
  assert.equal(backup.s.state, "MASTER");
  const claim = backup.actions.find((a) => a.type === "send_advert")!;
  if (claim.type !== "send_advert") return;
  master.feed({ type: "advert", advert: claim.advert, source: ip("10.0.0.2") });
  assert.equal(master.s.state, "BACKUP");
});

Deno.test("standby bows out as MASTER, stays at 254, and resume restores the skew", () => {
  const h = new Harness();
  h.becomeMaster();
  const actions = h.feed({ type: "standby" });
  assert.deepEqual(kinds(actions), ["send_advert", "MASTER->BACKUP"]);
  const bow = actions[0]!;
  assert.ok(
    carpSent(bow)?.advbase === 255 && carpSent(bow)?.advskew === 255,
  );
  assert.equal(advskewOf(h.s), 254);
  h.feed({ type: "demotion", amount: 0 });
  assert.equal(advskewOf(h.s), 254, "standby is sticky");
  h.feed({ type: "resume" });
  assert.equal(advskewOf(h.s), 50);
});

Deno.test("step_down (USR2) bows out and re-arms master-down", () => {
  const h = new Harness();
  h.becomeMaster();
  h.now = 10_000;
  assert.deepEqual(kinds(h.feed({ type: "step_down" })), [
    "send_advert",
    "MASTER->BACKUP",
  ]);
  assert.equal(h.deadline, 10_000 + masterDownMs(h.s));
  assert.deepEqual(h.feed({ type: "step_down" }), [], "no-op as BACKUP");
});

Deno.test("make before break: a bow-out keeps the VIPs until a successor has had time to take them", () => {
  // Heard: released RELEASE_GRACE_MS after the successor's claim.
  const h = new Harness();
  h.becomeMaster();
  h.now = 10_000;
  h.feed({ type: "standby" });
  h.now = 10_001;
  h.advert("10.99.0.2", 1, 100, 5n); // its claim
  assert.equal(h.deadline, 10_001 + RELEASE_GRACE_MS);
  h.now = 10_010;
  h.advert("10.99.0.2", 1, 100, 6n); // its first advert as MASTER
  assert.equal(h.deadline, 10_001 + RELEASE_GRACE_MS, "not pushed back");
  assert.deepEqual(kinds(h.at(10_001 + RELEASE_GRACE_MS)), [
    "remove_vips",
    "hook:down",
  ]);
  assert.equal(h.s.releaseAt, null);
  // Unheard: this box becomes MASTER again at master-down, VIPs never off.
  const k = new Harness();
  k.becomeMaster();
  k.now = 20_000;
  k.feed({ type: "step_down" });
  const again = k.at(k.deadline!);
  assert.ok(!kinds(again).includes("remove_vips"));
  assert.equal(k.s.state, "MASTER");
  // A fault while holding back releases at once.
  const f = new Harness();
  f.becomeMaster();
  f.feed({ type: "standby" });
  assert.deepEqual(
    kinds(f.feed({ type: "link_down" })),
    ["remove_vips", "hook:down", "BACKUP->FAULT"],
  );
  // The leaving master's own bow-out, looped back, is no successor.
  const b = new Harness();
  b.becomeMaster();
  b.now = 1000;
  b.feed({ type: "standby" });
  const until = b.s.releaseAt;
  b.advert("10.99.0.3", 255, 255);
  assert.equal(b.s.releaseAt, until, "a bow-out is no successor");
});

Deno.test("stop bows out as MASTER and waits a bounded time for a successor", () => {
  const h = new Harness();
  h.becomeMaster();
  h.now = 5000;
  assert.deepEqual(kinds(h.feed({ type: "stop" })), [
    "send_advert",
    "MASTER->INIT",
  ]);
  assert.equal(
    h.deadline,
    5000 + Math.min(RELEASE_STOP_MAX_MS, masterDownMs(h.s)),
  );
  h.now = 5002;
  h.advert("10.99.0.2", 1, 100); // heard even in INIT
  assert.equal(h.deadline, 5002 + RELEASE_GRACE_MS);
  assert.deepEqual(kinds(h.at(h.deadline!)), ["remove_vips", "hook:down"]);
  assert.equal(h.deadline, null, "nothing armed");
  const r = new Harness();
  r.becomeMaster();
  r.feed({ type: "stop" });
  assert.deepEqual(kinds(r.feed({ type: "release" })), [
    "remove_vips",
    "hook:down",
  ]);
  assert.equal(r.deadline, null);
  const b = new Harness();
  b.feed({ type: "start" });
  assert.deepEqual(kinds(b.feed({ type: "stop" })), ["BACKUP->INIT"]);
  assert.equal(b.deadline, null);
});

Deno.test("VIPs that cannot be added: bow-out, FAULT, retry with back-off, reset once they go on", () => {
  const h = new Harness();
  h.becomeMaster();
  h.now = 10_000;
  assert.deepEqual(kinds(h.feed({ type: "vips_failed", detail: "EPERM" })), [
    "send_advert",
    "remove_vips",
    "hook:down",
    "MASTER->FAULT",
  ]);
  const bow = h.actions[0]!;
  assert.ok(
    carpSent(bow)?.advbase === 255 && carpSent(bow)?.advskew === 255,
  );
  const t = h.actions[3]!;
  assert.ok(t.type === "transition" && t.reason === "cannot add VIPs");
  assert.match(t.detail!, /EPERM; retrying in 1 s/);
  assert.deepEqual(faultList(h.s), ["EPERM; retrying in 1 s"]);
  assert.equal(h.deadline, 11_000);
  assert.deepEqual(kinds(h.at(11_000)), [
    "FAULT->BACKUP",
    "remove_vips",
    "hook:down",
  ]);
  assert.deepEqual(faultList(h.s), []);
  // Fails again: the wait doubles.
  h.at(h.deadline!);
  assert.equal(h.s.state, "MASTER");
  h.feed({ type: "vips_failed", detail: "EPERM" });
  assert.equal(h.deadline, h.now + 2000);
  for (let i = 0; i < 10; i++) {
    h.at(h.deadline!);
    h.at(h.deadline!);
    h.feed({ type: "vips_failed", detail: "EPERM" });
  }
  assert.equal(h.deadline, h.now + VIP_RETRY_MAX_MS, "capped");
  h.at(h.deadline!);
  h.at(h.deadline!);
  h.feed({ type: "vips_ok" });
  h.feed({ type: "vips_failed", detail: "EPERM" });
  assert.equal(h.deadline, h.now + VIP_RETRY_FIRST_MS, "reset by success");
});

Deno.test("faults stack: FAULT while any holds, BACKUP when the last ends; recorded before start", () => {
  const h = new Harness();
  h.feed({ type: "fault", kind: "interface", detail: "waiting for eth0.10" });
  assert.equal(h.s.state, "INIT");
  assert.deepEqual(kinds(h.feed({ type: "start" })), [
    "INIT->FAULT",
    "remove_vips",
    "hook:down",
  ]);
  const t = h.actions[0]!;
  assert.ok(t.type === "transition" && t.reason === "interface missing");
  assert.equal(t.detail, "waiting for eth0.10");
  h.feed({ type: "link_down" });
  h.feed({ type: "fault_cleared", kind: "interface" });
  assert.equal(h.s.state, "FAULT", "the link is still down");
  assert.deepEqual(faultList(h.s), ["link down"]);
  h.feed({ type: "fault_cleared", kind: "source" });
  assert.equal(h.s.state, "FAULT", "clearing an absent fault changes nothing");
  assert.deepEqual(kinds(h.feed({ type: "link_up" })), [
    "FAULT->BACKUP",
    "remove_vips",
    "hook:down",
  ]);
  h.at(h.deadline!);
  assert.equal(h.s.state, "MASTER");
  assert.deepEqual(
    kinds(
      h.feed({
        type: "fault",
        kind: "source",
        detail: "no IPv4 address on eth0",
      }),
    ),
    ["remove_vips", "hook:down", "MASTER->FAULT"],
    "no bow-out: it could not be sent from anywhere",
  );
});

Deno.test("link down puts the vhid in FAULT without adverts; link up re-arms master-down", () => {
  const h = new Harness();
  h.becomeMaster();
  assert.deepEqual(kinds(h.feed({ type: "link_down" })), [
    "remove_vips",
    "hook:down",
    "MASTER->FAULT",
  ]);
  assert.equal(h.deadline, null);
  assert.deepEqual(
    h.advert("10.99.0.2", 255, 255),
    [],
    "FAULT ignores adverts",
  );
  h.now = 20_000;
  assert.deepEqual(kinds(h.feed({ type: "link_up" })), [
    "FAULT->BACKUP",
    "remove_vips",
    "hook:down",
  ]);
  assert.equal(h.deadline, 20_000 + masterDownMs(h.s));
});

Deno.test("gratuitous ARPs repeat garpCount times at garpIntervalMs", () => {
  const h = new Harness({
    garpCount: 3,
    garpIntervalMs: 500,
    advbase: 5,
    advskew: 0,
  });
  h.becomeMaster();
  const t0 = h.now;
  assert.equal(h.actions.filter((a) => a.type === "garp").length, 1);
  assert.deepEqual(kinds(h.at(t0 + 500)), ["garp"]);
  assert.deepEqual(kinds(h.at(t0 + 1000)), ["garp"]);
  assert.equal(h.s.garpAt, null);
  assert.equal(h.deadline, t0 + 5000);
});

Deno.test("adverts from our own address are ignored", () => {
  const h = new Harness({ preempt: true });
  h.feed({ type: "start" });
  assert.deepEqual(h.advert("10.99.0.1", 255, 255), []);
  assert.equal(h.s.state, "BACKUP");
});

Deno.test("configure keeps the state and advertises a new interval at once as MASTER", () => {
  const h = new Harness({ garpCount: 1 });
  h.becomeMaster();
  h.now += 100;
  const actions = h.feed({
    type: "configure",
    config: config({ ...settingsOf(h), advskew: 80 }),
  });
  assert.equal(h.s.state, "MASTER");
  assert.deepEqual(kinds(actions), ["send_advert"]);
  assert.equal(advskewOf(h.s), 80);
  assert.equal(h.deadline, h.now + advertIntervalMs(h.s));
  assert.deepEqual(
    h.feed({ type: "configure", config: { ...h.s.config, preempt: true } }),
    [],
  );
  const b = new Harness();
  b.feed({ type: "start" });
  assert.deepEqual(
    b.feed({
      type: "configure",
      config: config({ ...settingsOf(b), advskew: 10 }),
    }),
    [],
  );
  assert.equal(b.s.state, "BACKUP");
});

Deno.test("a failing check with fault = true: a MASTER bows out into FAULT; passing again, BACKUP", () => {
  const h = new Harness();
  h.becomeMaster();
  assert.deepEqual(
    kinds(
      h.feed({ type: "fault", kind: "check", detail: "check squid failing" }),
    ),
    ["send_advert", "remove_vips", "hook:down", "MASTER->FAULT"],
  );
  assert.equal(
    carpSent(h.actions[0])?.advskew,
    255,
  );
  assert.deepEqual(faultList(h.s), ["check squid failing"]);
  assert.deepEqual(kinds(h.feed({ type: "fault_cleared", kind: "check" })), [
    "FAULT->BACKUP",
    "remove_vips",
    "hook:down",
  ]);
});
