import assert from "node:assert/strict";
import { Liveness } from "../../src/systemd/liveness.ts";

Deno.test("Liveness: alive while the loop turns and timers are on time", () => {
  const l = new Liveness(0);
  assert.equal(l.alive(1000), true);
  l.loopTurned(2500);
  l.timerFired(5, 2600);
  assert.equal(l.alive(5000), true);
});

Deno.test("Liveness: not alive once the loop has not turned for 3 s", () => {
  const l = new Liveness(0);
  l.loopTurned(1000);
  assert.equal(l.alive(4000), true);
  assert.equal(l.alive(4001), false);
  l.loopTurned(4100);
  assert.equal(l.alive(4200), true);
});

Deno.test("Liveness: a timer over 1 s late withholds pings for 3 s", () => {
  const l = new Liveness(0);
  l.timerFired(1001, 1000);
  l.loopTurned(1500);
  assert.equal(l.alive(1500), false);
  assert.equal(l.alive(3999), false);
  l.loopTurned(3999);
  assert.equal(l.alive(4000), true);
  l.timerFired(1000, 4000);
  assert.equal(l.alive(4001), true, "exactly 1 s late is tolerated");
});
