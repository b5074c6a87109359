import assert from "node:assert/strict";
import { REPLAY_SENDERS_MAX, ReplayWindow } from "../../src/fsm/replay.ts";
import {
  SEND_ERROR_DEMOTION,
  SendErrorTracker,
} from "../../src/fsm/send_errors.ts";
import { interfaceEvents } from "../../src/fsm/interface_events.ts";

Deno.test("ReplayWindow admits only counters above the sender's last", () => {
  const w = new ReplayWindow();
  assert.equal(w.admit(1, 5n), true, "first from a sender");
  assert.equal(w.admit(1, 5n), false, "the same again");
  assert.equal(w.admit(1, 4n), false, "an older one");
  assert.equal(w.admit(1, 6n), true, "a newer one");
  assert.equal(w.admit(2, 1n), true, "senders are independent");
  assert.equal(w.admit("fe80::1", 1n), true, "any address form");
});

Deno.test("ReplayWindow forgets everyone rather than grow past its bound", () => {
  const w = new ReplayWindow();
  for (let i = 0; i < REPLAY_SENDERS_MAX; i++) w.admit(i, 10n);
  assert.equal(w.size, REPLAY_SENDERS_MAX);
  assert.equal(w.admit(1, 10n), false, "a known sender is still judged");
  assert.equal(w.admit(REPLAY_SENDERS_MAX, 1n), true);
  assert.equal(w.size, 1);
});

Deno.test("SendErrorTracker demotes after 3 failed sends in a row and recovers after 3 good ones", () => {
  const t = new SendErrorTracker();
  assert.equal(SEND_ERROR_DEMOTION, 240);
  assert.deepEqual(t.record("EPERM"), { demoted: false, changed: false });
  assert.deepEqual(t.record(null), { demoted: false, changed: false });
  t.record("EPERM");
  t.record("ENOBUFS");
  assert.deepEqual(t.record("EPERM"), { demoted: true, changed: true });
  assert.equal(t.reason, "send errors, EPERM");
  assert.deepEqual(t.record("EPERM"), { demoted: true, changed: false });
  t.record(null);
  t.record(null);
  t.record("EPERM");
  t.record(null);
  t.record(null);
  assert.equal(t.demoted, true, "the good sends were not in a row");
  assert.deepEqual(t.record(null), { demoted: false, changed: true });
});

Deno.test("interfaceEvents() turns the interface's state into faults", async (t) => {
  const kinds = (e: ReturnType<typeof interfaceEvents>): string[] =>
    e.map((x) =>
      x.type === "fault"
        ? `+${x.kind}: ${x.detail}`
        : x.type === "fault_cleared"
        ? `-${x.kind}`
        : x.type
    );
  await t.step("missing", () => {
    assert.deepEqual(
      kinds(
        interfaceEvents("eth0.10", {
          present: false,
          usable: false,
          missingSource: "no IPv4 address of its own on eth0 to advertise from",
        }, false),
      ),
      ["+interface: waiting for eth0.10", "-link", "-source"],
    );
  });
  await t.step("present, up, with an address", () => {
    assert.deepEqual(
      kinds(
        interfaceEvents("eth0", {
          present: true,
          usable: true,
          missingSource: null,
        }, false),
      ),
      ["-interface", "-link", "-source"],
    );
  });
  await t.step("link down, unless ignore_link_state", () => {
    const view = { present: true, usable: false, missingSource: null };
    assert.deepEqual(kinds(interfaceEvents("eth0", view, false)), [
      "-interface",
      "+link: link down on eth0",
      "-source",
    ]);
    assert.deepEqual(kinds(interfaceEvents("eth0", view, true)), [
      "-interface",
      "-link",
      "-source",
    ]);
  });
  await t.step("no address to advertise from", () => {
    assert.deepEqual(
      kinds(
        interfaceEvents("eth0", {
          present: true,
          usable: true,
          missingSource: "no IPv4 address of its own on eth0 to advertise from",
        }, false),
      ),
      [
        "-interface",
        "-link",
        "+source: no IPv4 address of its own on eth0 to advertise from",
      ],
    );
  });
});
