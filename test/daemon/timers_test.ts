import assert from "node:assert/strict";
import { TimerQueue } from "../../src/daemon/timers.ts";

Deno.test("TimerQueue fires due timers in deadline order, skips cancelled ones", () => {
  const q = new TimerQueue();
  const fired: string[] = [];
  q.at(30, () => fired.push("c"));
  q.at(10, () => fired.push("a"));
  const cancel = q.at(20, () => fired.push("cancelled"));
  q.at(20, () => fired.push("b"));
  cancel();
  assert.equal(q.next(), 10);
  assert.equal(q.runDue(25), 2);
  assert.deepEqual(fired, ["a", "b"]);
  assert.equal(q.next(), 30);
  q.runDue(30);
  assert.deepEqual(fired, ["a", "b", "c"]);
  assert.equal(q.next(), null);
});

Deno.test("TimerQueue says when a new deadline is the earliest, and fires timers set while firing", () => {
  const earlier: number[] = [];
  const q = new TimerQueue((d) => earlier.push(d));
  q.at(50, () => {});
  q.at(70, () => {});
  q.at(40, () => {});
  assert.deepEqual(earlier, [50, 40]);
  const fired: number[] = [];
  const q2 = new TimerQueue();
  q2.at(5, () => {
    fired.push(5);
    q2.at(6, () => fired.push(6)); // due already at 10
    q2.at(20, () => fired.push(20));
  });
  q2.runDue(10);
  assert.deepEqual(fired, [5, 6]);
});

Deno.test("TimerQueue keeps order over many random deadlines", () => {
  const q = new TimerQueue();
  const fired: number[] = [];
  const deadlines = Array.from({ length: 500 }, (_, i) => (i * 7919) % 1000);
  for (const d of deadlines) q.at(d, () => fired.push(d));
  q.runDue(1000);
  assert.deepEqual(fired, [...deadlines].sort((a, b) => a - b));
});

Deno.test("TimerQueue fires one due timer at a time, earliest first", () => {
  const q = new TimerQueue();
  const fired: string[] = [];
  q.at(20, () => fired.push("b"));
  q.at(10, () => fired.push("a"));
  assert.equal(q.fireNext(5), null, "nothing due yet");
  assert.equal(q.fireNext(30), 10);
  assert.deepEqual(fired, ["a"]);
  assert.equal(q.fireNext(30), 20);
  assert.equal(q.fireNext(30), null);
  assert.deepEqual(fired, ["a", "b"]);
});
