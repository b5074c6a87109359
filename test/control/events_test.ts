import assert from "node:assert/strict";
import { EventBus } from "../../src/control/mod.ts";

function parse(line: string | null): Record<string, unknown> {
  assert.ok(line !== null);
  return JSON.parse(line) as Record<string, unknown>;
}

Deno.test("EventBus: a reader gets the current state first, then every event in order, numbered", async () => {
  const bus = new EventBus(() => Date.UTC(2026, 11, 5));
  bus.publish({ type: "transition", vhid: 1 }); // before anyone reads
  const r = bus.subscribe([{ type: "vhid_state", vhid: 1, state: "MASTER" }]);
  bus.publish({ type: "transition", vhid: 2 });
  const a = parse(await r.next());
  const b = parse(await r.next());
  assert.equal(a.type, "vhid_state");
  assert.equal(b.type, "transition");
  assert.equal(b.vhid, 2);
  assert.ok((b.seq as number) > (a.seq as number));
  assert.equal(a.time, "2026-12-05T00:00:00.000Z");
});

Deno.test("EventBus: several readers each get every event once; one that leaves stops getting them", async () => {
  const bus = new EventBus(() => 0);
  const r1 = bus.subscribe([]);
  const r2 = bus.subscribe([]);
  for (let i = 0; i < 5; i++) bus.publish({ type: "hook", n: i });
  for (const r of [r1, r2]) {
    const seen = [];
    for (let i = 0; i < 5; i++) seen.push(parse(await r.next()).n);
    assert.deepEqual(seen, [0, 1, 2, 3, 4]);
  }
  r2.close();
  assert.equal(bus.readers, 1);
  bus.publish({ type: "hook", n: 5 });
  assert.equal(parse(await r1.next()).n, 5);
  assert.equal(await r2.next(), null);
});

Deno.test("EventBus: a reader too slow for its buffer gets an overflow line and is closed; the others go on", async () => {
  const bus = new EventBus(() => 0);
  const slow = bus.subscribe([], 3);
  const fast = bus.subscribe([], 100);
  for (let i = 0; i < 10; i++) bus.publish({ type: "hook", n: i });
  const lines = [];
  for (let line = await slow.next(); line !== null; line = await slow.next()) {
    lines.push(parse(line));
  }
  assert.deepEqual(lines.map((l) => l.type), [
    "hook",
    "hook",
    "hook",
    "overflow",
  ]);
  assert.equal(slow.closed, true);
  assert.equal(bus.readers, 1);
  assert.equal(parse(await fast.next()).n, 0);
});
