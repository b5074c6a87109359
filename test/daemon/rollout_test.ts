// Passwords and VIP lists changed by a reload, on the virtual clock: VIPs
// changed in place, the roll-out window's copies under both keys, and what
// a vhid makes of its peers' copies, during and after the window.
import assert from "node:assert/strict";
import { decodeCarpPacket } from "../../src/carp/packet.ts";
import type { VhidConfig } from "../../src/config/mod.ts";
import type { VhidDriver } from "../../src/daemon/driver.ts";
import type { ElectionAdvert } from "../../src/fsm/mod.ts";
import { parseIpv4, type PeerAddress } from "../../src/net/mod.ts";
import type { HeardAdvert } from "../../src/wire/mod.ts";
import { carpAuth } from "../../src/wire/accept.ts";
import { FakeBox, fastVhid, link, started } from "./_fakes.ts";

const PEER = parseIpv4("10.9.0.2")!;

function carp(
  advskew: number,
  counter: bigint,
  keyIndex: number,
): HeardAdvert {
  const advert: ElectionAdvert = {
    protocol: "carp",
    advbase: 0,
    advskew,
    counter,
  };
  return {
    ok: true,
    vhid: 7,
    source: PEER as PeerAddress,
    advert,
    dialect: null,
    addresses: null,
    keyIndex,
  };
}

/** Which password each of the packets sent since `from` verifies under. */
function keysOf(
  box: FakeBox,
  from: number,
  v: VhidConfig,
  passwords: string[],
): string[] {
  return box.socket.packets.slice(from).map((p) => {
    for (const pw of passwords) {
      const auth = carpAuth(new TextEncoder().encode(pw), v.vips);
      const d = decodeCarpPacket(p, { vhids: new Map([[7, auth]]) });
      if (d.ok) return `${pw}:${d.advert.counter}`;
    }
    return "?";
  });
}

function reloaded(
  r: VhidDriver,
  extra: string,
  vips?: string,
  password?: string,
): VhidConfig {
  const next = fastVhid(extra, vips, password);
  r.reconfigure(next);
  return next;
}

Deno.test("a MASTER whose password changes sends each advert under both keys, the earlier first, with one counter, until the window ends", async () => {
  const box = new FakeBox();
  const r = started(box, fastVhid("rollout_window = 2"));
  assert.ok(await box.clock.until(() => r.state.state === "MASTER"));
  const v = reloaded(r, "rollout_window = 2", undefined, "y");
  assert.equal(
    box.logged(/vhid 7: password: roll-out window opened until/).length,
    1,
  );
  const from = box.socket.packets.length;
  await box.clock.runFor(200);
  const sent = keysOf(box, from, v, ["x", "y"]);
  assert.ok(sent.length >= 8, `${sent}`);
  for (let i = 0; i + 1 < sent.length; i += 2) {
    const [a, b] = [sent[i]!.split(":"), sent[i + 1]!.split(":")];
    assert.deepEqual([a[0], b[0]], ["x", "y"], `${sent}`);
    assert.equal(a[1], b[1], "one counter for both copies");
  }
  await box.clock.runFor(2000);
  assert.equal(
    box.logged(
      /vhid 7: roll-out window closed; adverts go out under the key in force alone/,
    ).length,
    1,
  );
  const after = box.socket.packets.length;
  await box.clock.runFor(200);
  assert.ok(keysOf(box, after, v, ["x", "y"]).every((k) => k.startsWith("y:")));
  assert.equal(r.state.state, "MASTER", "no transition on the way");
  assert.equal(box.transitions, 2, "INIT -> BACKUP -> MASTER only");
});

Deno.test("a BACKUP in its window takes a master's adverts under either key; the second copy goes quietly; a replay is still a replay", () => {
  const box = new FakeBox();
  const r = started(box, fastVhid("replay_protection = true"));
  reloaded(r, "replay_protection = true", undefined, "y");
  const at = box.clock.now();
  assert.equal(r.receive(carp(10, 10n, 1), at), "accepted");
  assert.equal(r.receive(carp(10, 10n, 0), at + 0.1), "copy");
  assert.equal(r.receive(carp(10, 11n, 1), at + 40), "accepted");
  assert.equal(r.receive(carp(10, 11n, 0), at + 40.1), "copy");
  assert.equal(r.receive(carp(10, 11n, 0), at + 80), "replay");
  assert.equal(r.counters.drops.replay, 1);
  assert.equal(r.state.state, "BACKUP");
  // One advert heard per pair: the gaps are the master's interval.
  assert.ok(r.hearing.timeliness.worstAdvertGapMs >= 39);
});

Deno.test("a box not yet reloaded counts a master's copies under the new key as other_key, before or after the copy it takes; a real forgery stays bad_hmac", async () => {
  const box = new FakeBox();
  const r = started(box);
  const at = box.clock.now();
  assert.equal(r.receive(carp(10, 20n, 0), at), "accepted");
  assert.equal(
    r.dropped({ reason: "bad_hmac", source: PEER, counter: 20n }, at + 0.2),
    "other_key",
  );
  // The copy this box cannot read came first: the verdict waits for the
  // one it can.
  const first = r.dropped(
    { reason: "bad_hmac", source: PEER, counter: 21n },
    at + 40,
  );
  assert.ok(first instanceof Promise);
  assert.equal(r.receive(carp(10, 21n, 0), at + 40.2), "accepted");
  assert.equal(await first, "other_key");
  const forged = r.dropped(
    { reason: "bad_hmac", source: PEER, counter: 99n },
    box.clock.now(),
  );
  await box.clock.runFor(20);
  assert.equal(await forged, "bad_hmac");
  const stranger = { reason: "bad_hmac" as const, source: 7, counter: 1n };
  assert.equal(r.dropped(stranger, box.clock.now()), "bad_hmac");
  assert.equal(r.counters.drops.other_key, 2);
  assert.equal(r.counters.drops.bad_hmac, 2);
});

Deno.test("after the window, a master heard only under the earlier key is refused (old_key) and named once; one that sends both is quiet", async () => {
  const box = new FakeBox();
  const r = started(box, fastVhid("rollout_window = 1"));
  reloaded(r, "rollout_window = 1", undefined, "y");
  await box.clock.runFor(1000);
  let at = box.clock.now();
  // Both copies, the earlier first: the copy is quietly refused.
  assert.equal(r.receive(carp(10, 30n, 1), at), "old_key");
  assert.equal(r.receive(carp(10, 30n, 0), at + 0.1), "accepted");
  at += 2000;
  const other = { ...carp(10, 31n, 1), source: parseIpv4("10.9.0.3")! };
  assert.equal(r.receive(other, at), "old_key");
  assert.equal(
    r.receive({ ...other, advert: { ...other.advert } }, at + 40),
    "old_key",
  );
  await box.clock.runFor(500);
  assert.equal(
    box.logged(
      /10\.9\.0\.3 advertises under an earlier key after the roll-out window closed/,
    ).length,
    1,
  );
  assert.equal(
    box.logged(/10\.9\.0\.2 advertises under an earlier key/).length,
    0,
  );
  assert.equal(r.counters.drops.old_key, 3);
});

Deno.test("rollout_window = 0 switches at once: one copy, the earlier key refused", async () => {
  const box = new FakeBox();
  const r = started(box, fastVhid("rollout_window = 0"));
  assert.ok(await box.clock.until(() => r.state.state === "MASTER"));
  const v = reloaded(r, "rollout_window = 0", undefined, "y");
  assert.equal(box.logged(/switched at once \(rollout_window = 0\)/).length, 1);
  const from = box.socket.packets.length;
  await box.clock.runFor(100);
  assert.ok(keysOf(box, from, v, ["x", "y"]).every((k) => k.startsWith("y:")));
  assert.equal(r.receive(carp(10, 40n, 1), box.clock.now()), "old_key");
});

Deno.test("a VIP added to a MASTER by a reload goes on and is announced, with its up script; one dropped gets its down script; no transition", async () => {
  const box = new FakeBox();
  const base = 'up_script = "/up"\ndown_script = "/down"';
  const r = started(box, fastVhid(base));
  assert.ok(await box.clock.until(() => r.state.state === "MASTER"));
  const transitions = box.transitions;
  const frames = box.frames.length;
  box.hooks.length = 0;
  reloaded(r, base, `"10.9.0.50/24", "10.9.0.51/24"`);
  await box.clock.runFor(10);
  assert.deepEqual(box.added.slice(-1), [parseIpv4("10.9.0.51")!]);
  assert.equal(box.frames.length, frames + 1, "one gratuitous ARP, for it");
  assert.deepEqual(box.hooks.map((h) => h.argv), [[
    "/up",
    "eth0",
    "10.9.0.51/24",
  ]]);
  assert.equal(
    box.logged(/vhid 7: VIPs changed in place, 10\.9\.0\.51\/24 added/).length,
    1,
  );
  box.hooks.length = 0;
  reloaded(r, base, `"10.9.0.51/24"`);
  await box.clock.runFor(10);
  assert.deepEqual(box.hooks.map((h) => h.argv), [[
    "/down",
    "eth0",
    "10.9.0.50/24",
  ]]);
  assert.equal(box.transitions, transitions);
  assert.equal(r.state.state, "MASTER");
});

Deno.test("the key ring outlives the driver: a vhid started again on the same box resumes its window, and one whose password changed meanwhile opens one", () => {
  const box = new FakeBox();
  const a = started(box, fastVhid());
  reloaded(a, "", undefined, "y");
  a.stop();
  const b = box.driver(fastVhid("", undefined, "y"));
  assert.equal(b.keys.open, true, "the window goes on");
  assert.equal(box.logged(/roll-out window goes on until/).length, 1);
  b.stop();
  const c = box.driver(fastVhid("", undefined, "z"));
  assert.equal(c.keys.open, true);
  assert.equal(c.keys.ring.earlier.length, 2, "y and x");
  c.stop();
  void link;
});
