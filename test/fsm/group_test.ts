import assert from "node:assert/strict";
import { GROUP_HOLD_DEMOTION } from "../../src/fsm/group.ts";
import {
  groupHolds,
  groupSplit,
  groupState,
  type MemberStanding,
} from "../../src/fsm/mod.ts";
import { CLAIM_WINDOW_MS } from "../../src/fsm/carp_election.ts";
import { Harness, kinds, vrrpConfig } from "./_fixture.ts";

/** A BACKUP member following 10.99.0.2 at advskew 100 (ours is 50). */
function following(preempt = false): Harness {
  const h = new Harness({ grouped: true, preempt });
  h.feed({ type: "start" });
  h.now = 100;
  h.advert("10.99.0.2", 1, 100);
  return h;
}

Deno.test("group: a bow-out heard on one leg tells the group, and the others claim through their own claim window", () => {
  const h = new Harness({ grouped: true, advskew: 100 });
  h.feed({ type: "start" });
  h.advert("10.99.0.2", 1, 10);
  assert.deepEqual(kinds(h.advert("10.99.0.2", 255, 255)), [
    "send_advert",
    "group_signal",
  ]);
  const other = following();
  other.now = 200;
  assert.deepEqual(
    kinds(other.feed({ type: "group", signal: "master_left" })),
    [
      "send_advert",
    ],
  );
  assert.equal(other.s.claiming, true);
  assert.equal(other.s.heardMaster, null, "the old master answers if alive");
  assert.equal(other.deadline, 200 + CLAIM_WINDOW_MS);
  assert.deepEqual(kinds(other.at(200 + CLAIM_WINDOW_MS)), [
    "add_vips",
    "send_advert",
    "garp",
    "BACKUP->MASTER",
    "hook:up",
  ]);
  const t = other.actions.find((a) => a.type === "transition");
  assert.equal(t?.type === "transition" && t.reason, "group takeover");
});

Deno.test("group: a live preferred master answering a group claim keeps mastership", () => {
  const h = new Harness({ grouped: true, advskew: 100 });
  h.feed({ type: "start" });
  h.advert("10.99.0.2", 1, 10);
  h.now = 50;
  h.feed({ type: "group", signal: "master_left" });
  assert.equal(h.s.claiming, true);
  h.now = 52;
  h.advert("10.99.0.2", 1, 10); // the master answers our worse claim
  assert.equal(h.s.claiming, false);
  h.at(50 + CLAIM_WINDOW_MS);
  assert.equal(h.s.state, "BACKUP");
});

Deno.test("group: preemption moves the group: a member preempts a worse master when told, never a preferred one", () => {
  const worse = new Harness({ grouped: true, preempt: true });
  worse.feed({ type: "start" });
  worse.feed({ type: "standby" }); // follows the worse master meanwhile
  worse.advert("10.99.0.2", 1, 100);
  worse.feed({ type: "resume" });
  assert.equal(worse.s.state, "BACKUP");
  worse.feed({ type: "group", signal: "preempt" });
  assert.equal(worse.s.state, "MASTER");
  const preferred = new Harness({ grouped: true, preempt: true, advskew: 100 });
  preferred.feed({ type: "start" });
  preferred.advert("10.99.0.2", 1, 10);
  assert.deepEqual(preferred.feed({ type: "group", signal: "preempt" }), []);
  assert.equal(preferred.s.state, "BACKUP");
  const noPreempt = following(false);
  assert.deepEqual(noPreempt.feed({ type: "group", signal: "preempt" }), []);
});

Deno.test("group: a preempting member signals the group; an ungrouped one never does", () => {
  const h = new Harness({ grouped: true, preempt: true });
  h.feed({ type: "start" });
  const actions = kinds(h.advert("10.99.0.2", 1, 100));
  assert.equal(h.s.state, "MASTER");
  assert.equal(actions.at(-1), "group_signal");
  const lone = new Harness({ preempt: true });
  lone.feed({ type: "start" });
  lone.advert("10.99.0.2", 1, 100);
  assert.equal(lone.s.state, "MASTER");
  assert.ok(!kinds(lone.actions).includes("group_signal"));
});

Deno.test("group: master-down on one leg tells the group", () => {
  const h = following();
  const actions = kinds(h.at(h.deadline!));
  assert.equal(h.s.state, "MASTER");
  assert.equal(actions.at(-1), "group_signal");
});

Deno.test("group: a gated member advertises, waits for the pre-master step, then adds its VIPs", () => {
  const h = new Harness({ grouped: true, gated: true });
  h.feed({ type: "start" });
  assert.deepEqual(kinds(h.at(h.deadline!)), [
    "send_advert",
    "pre_master",
    "add_vips",
    "garp",
    "BACKUP->MASTER",
    "hook:up",
    "group_signal",
  ]);
});

Deno.test("group: a VRRP member waits its skew after another leg's master left", () => {
  const h = new Harness({ ...vrrpConfig(100), grouped: true });
  h.feed({ type: "start" });
  h.now = 10;
  h.feed({
    type: "advert",
    source: 0x0a630002,
    advert: { protocol: "vrrp", priority: 200, intervalCs: 100 },
  });
  h.now = 20;
  assert.deepEqual(h.feed({ type: "group", signal: "master_left" }), []);
  assert.ok(h.deadline! > 20 && h.deadline! < 20 + 1000);
  h.at(h.deadline!);
  assert.equal(h.s.state, "MASTER");
});

function member(
  key: string,
  over: Partial<MemberStanding> = {},
): MemberStanding {
  return {
    key,
    label: `vhid ${key}`,
    state: "BACKUP",
    fault: null,
    standby: false,
    demotions: [],
    ...over,
  };
}

Deno.test("groupHolds: a member in FAULT or standby holds the others at the least preferred rank; demotions are shared once by reason", () => {
  const members = [
    member("a", { state: "FAULT", fault: "link down" }),
    member("b", { demotions: [{ reason: "check squid", advskew: 100 }] }),
    member("c", { demotions: [{ reason: "check squid", advskew: 100 }] }),
  ];
  assert.deepEqual(groupHolds("fw", members, "b"), [{
    reason: "group fw: vhid a in FAULT (link down)",
    advskew: GROUP_HOLD_DEMOTION,
  }]);
  assert.deepEqual(groupHolds("fw", members, "a"), [
    { reason: "check squid", advskew: 100 },
  ]);
  assert.deepEqual(groupHolds("fw", [member("a"), member("b")], "a"), []);
  assert.deepEqual(
    groupHolds("fw", [member("a", { standby: true }), member("b")], "b")
      .map((d) => d.advskew),
    [GROUP_HOLD_DEMOTION],
  );
});

Deno.test("groupState and groupSplit: MASTER while any member is, FAULT next, split while they disagree", () => {
  assert.equal(groupState(["MASTER", "BACKUP"]), "MASTER");
  assert.equal(groupState(["FAULT", "BACKUP"]), "FAULT");
  assert.equal(groupState(["BACKUP", "BACKUP"]), "BACKUP");
  assert.equal(groupState(["INIT", "INIT"]), "INIT");
  assert.equal(groupSplit(["MASTER", "BACKUP"]), true);
  assert.equal(groupSplit(["MASTER", "MASTER"]), false);
  assert.equal(groupSplit(["BACKUP", "FAULT"]), false);
});
