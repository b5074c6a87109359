import assert from "node:assert/strict";
import { Timeliness } from "../../src/daemon/timing/timeliness.ts";

Deno.test("Timeliness keeps the worst lateness and warns once it nears the interval", () => {
  const t = new Timeliness();
  assert.equal(t.timerFired(0.5, 3.9), null);
  assert.equal(t.timerFired(0.2, 3.9), null);
  assert.equal(t.worstLatenessMs, 0.5);
  assert.deepEqual(t.warnings(), []);
  assert.equal(t.timerFired(2.5, 3.9), null, "under one interval");
  const w = t.timerFired(4.5, 3.9);
  assert.match(w!, /up to 4.5 ms late against adverts every 3.9 ms/);
  assert.equal(t.timerFired(6, 3.9), null, "logged once");
  assert.match(
    t.warnings()[0]!,
    /up to 6 ms late/,
    "the standing warning follows the worst",
  );
});

Deno.test("Timeliness keeps the worst advert gap, ignores a peer silent on purpose", () => {
  const t = new Timeliness();
  assert.equal(t.advertHeard(4, 3.9, 23.4), null);
  assert.equal(t.advertHeard(9, 3.9, 23.4), null);
  assert.equal(t.worstAdvertGapMs, 9);
  // A backup that came back as master after a minute: not a late advert.
  assert.equal(t.advertHeard(60_000, 3.9, 23.4), null);
  assert.equal(t.worstAdvertGapMs, 9);
  const w = t.advertHeard(20, 3.9, 23.4);
  assert.match(
    w!,
    /up to 20 ms apart against a master-down interval of 23.4 ms/,
  );
  assert.equal(t.warnings().length, 1);
});
