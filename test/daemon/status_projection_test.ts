import assert from "node:assert/strict";
import { formatStatus, STATUS_VERSION } from "../../src/control/status.ts";
import {
  projectStatus,
  statusLine,
  vhidStatus,
} from "../../src/daemon/status_projection.ts";
import { emptyDrops } from "../../src/daemon/counters.ts";
import { FakeBox, fastVhid, sockets, started } from "./_fakes.ts";

Deno.test("the status projection maps a vhid into the v1 contract", async () => {
  const box = new FakeBox();
  const r = started(box);
  assert.ok(await box.clock.until(() => r.state.state === "MASTER"));
  const v = vhidStatus(r, r.lastTransitionAt + 1500);
  assert.equal(v.vhid, 7);
  assert.equal(v.interface, "eth0");
  assert.equal(v.protocol, "carp");
  assert.deepEqual(v.vips, ["10.9.0.50/24"]);
  assert.equal(v.state, "MASTER");
  assert.deepEqual(v.faults, []);
  assert.equal(v.master, "10.9.0.1");
  assert.equal(v.source, "10.9.0.1");
  assert.equal(v.secondsSinceTransition, 1.5);
  assert.deepEqual(v.advskew, { configured: 10, effective: 10 });
  assert.deepEqual(Object.keys(v.counters).sort(), [
    "advertsReceived",
    "advertsSent",
    "drops",
    "garpsSent",
    "hooks",
    "sendErrors",
    "transitions",
    "vipListMismatches",
    "vipsRestored",
  ]);
  assert.equal(v.priority, null);
  assert.equal(v.advertInterval, null);
  assert.deepEqual(v.counters.sendErrors, {});
  r.standby();
  const s = projectStatus({
    version: "9.9.9",
    pid: 42,
    now: 10_000,
    startedAt: 0,
    reload: { count: 1, ok: false, error: "vhid[0].id: bad" },
    worstTimerLatenessMs: 3.14159,
    scheduling: { mode: "normal", realtime: false, reason: null, error: null },
    linkResyncs: 0,
    vhids: [r],
    groups: [],
    checks: [],
    tracked: [],
    interfaces: ["eth0"],
    link: () => null,
    interfaceDrops: () => ({ ...emptyDrops(), bad_hmac: 2 }),
  });
  assert.equal(s.version, STATUS_VERSION);
  assert.equal(s.carpd, "9.9.9");
  assert.equal(s.uptimeSeconds, 10);
  assert.equal(s.worstTimerLatenessMs, 3.1);
  assert.deepEqual(s.interfaces[0], {
    name: "eth0",
    present: false,
    usable: false,
    drops: { ...emptyDrops(), bad_hmac: 2 },
  });
  assert.deepEqual(s.vhids[0]!.demotions, [{
    reason: "standby",
    advskew: 254,
  }]);
  const text = formatStatus(s);
  assert.match(text[0]!, /^carpd 9\.9\.9, pid 42, up 10 s$/);
  assert.match(text[1]!, /^last reload FAILED: vhid\[0\]\.id: bad$/);
  assert.ok(
    text.some((l) =>
      /vhid 7 on eth0: BACKUP \(standby\), advskew 254 \(configured 10\)/.test(
        l,
      )
    ),
  );
  assert.ok(
    text.some((l) =>
      /interface eth0: missing, drops for no vhid bad_hmac=2/.test(l)
    ),
  );
  assert.equal(s.vhids[0]!.rollout, null, "no change, no window");
  r.stop();
});

Deno.test("the status shows a roll-out window: what changed, until when, the masters still on an earlier key", () => {
  const box = new FakeBox();
  const r = started(box);
  r.reconfigure(fastVhid("", `"10.9.0.50/24", "10.9.0.51/24"`, "y"));
  const v = vhidStatus(r, box.clock.now());
  assert.deepEqual(v.rollout, {
    open: true,
    until: new Date(box.clock.wallMs() + 600_000).toISOString(),
    earlierKeys: 1,
    changes: ["password", "10.9.0.51/24 added"],
    mastersOnEarlierKey: [],
  });
  r.stop();
});

Deno.test("statusLine() names each vhid's state and the first fault; a failed reload first", () => {
  const box = new FakeBox();
  const a = started(box);
  a.attach(sockets(null), null);
  assert.equal(statusLine([a], null), "vhid 7 FAULT (waiting for eth0)");
  assert.equal(
    statusLine([a], "bad key"),
    "reload failed, old config kept; vhid 7 FAULT (waiting for eth0)",
  );
  assert.equal(statusLine([], null), "no vhids");
  a.stop();
});
