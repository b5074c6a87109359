import assert from "node:assert/strict";
import {
  INITIAL_VERDICT,
  record,
  type Verdict,
} from "../../src/health/verdict.ts";
import { type Demotion, DemotionTable } from "../../src/health/demotions.ts";

function run(results: boolean[], fall: number, rise: number): boolean[] {
  let v: Verdict = INITIAL_VERDICT;
  return results.map((ok) => (v = record(v, ok, fall, rise)).up);
}

Deno.test("record() goes down after fall failures in a row and up after rise successes", () => {
  assert.deepEqual(
    run([false, true, false, false, true, false, true, true], 2, 2),
    [true, true, true, false, false, false, false, true],
  );
  assert.deepEqual(run([false], 1, 3), [false]);
  assert.deepEqual(run([false, true, true, true], 1, 3), [
    false,
    false,
    false,
    true,
  ]);
});

Deno.test("DemotionTable.replace() reports the vhids whose demotions changed", () => {
  const t = new DemotionTable();
  const m = (
    entries: [string, [string, number][]][],
  ): Map<string, Map<string, Demotion>> =>
    new Map(
      entries.map((
        [k, v],
      ) => [
        k,
        new Map(v.map(([reason, advskew]) => [reason, { reason, advskew }])),
      ]),
    );
  assert.deepEqual(
    t.replace(
      m([["eth0/1", [["check a", 100]]], ["eth0/2", [["check a", 100]]]]),
    ),
    [
      "eth0/1",
      "eth0/2",
    ],
  );
  assert.equal(t.total("eth0/1"), 100);
  assert.deepEqual(
    t.replace(
      m([["eth0/1", [["check a", 100], ["interface x", 50]]], ["eth0/2", [[
        "check a",
        100,
      ]]]]),
    ),
    ["eth0/1"],
  );
  assert.deepEqual(t.list("eth0/1"), [{ reason: "check a", advskew: 100 }, {
    reason: "interface x",
    advskew: 50,
  }]);
  assert.deepEqual(t.replace(new Map()), ["eth0/1", "eth0/2"]);
  assert.equal(t.total("eth0/1"), 0);
});
