import assert from "node:assert/strict";
import {
  advertIntervalMs,
  type ElectionConfig,
  initialState,
  masterDownMs,
} from "../../src/fsm/mod.ts";
import { CLAIM_WINDOW_MS } from "../../src/fsm/carp_election.ts";
import { TICKS_PER_SECOND } from "../../src/fsm/carp_timing.ts";
import { config, ip, type Settings } from "../fsm/_fixture.ts";
import { Cluster } from "./cluster.ts";

const ONE_TICK_MS = 1000 / TICKS_PER_SECOND;

/** Node `i` gets address 10.0.0.(i+1) and the given skew on one vhid. */
function group(
  skews: number[],
  overrides: Settings = {},
): ElectionConfig[][] {
  return skews.map((advskew, i) => [
    config({ vhid: 1, advskew, source: ip(`10.0.0.${i + 1}`), ...overrides }),
  ]);
}

for (const size of [2, 3, 16]) {
  Deno.test(`${size} nodes converge on exactly one MASTER, the most preferred`, () => {
    const skews = Array.from({ length: size }, (_, i) => (i * 37) % 200 + 1);
    const sim = new Cluster(group(skews), {
      delayMs: 0.5,
      jitterMs: 2,
      seed: size,
    });
    sim.startAll();
    sim.runUntil(15_000);
    // Converged: from here on, never two masters at once.
    sim.watchMasters(1);
    sim.runUntil(30_000);
    const best = skews.indexOf(Math.min(...skews));
    assert.deepEqual(sim.masters(1), [best]);
    assert.equal(sim.mostMasters, 1, `two masters at ${sim.firstDouble}`);
  });

  Deno.test(`${size} nodes with equal priority settle by the address tie-break`, () => {
    const sim = new Cluster(group(Array(size).fill(100)), {
      delayMs: 0.5,
      seed: 7,
    });
    sim.startAll();
    sim.runUntil(30_000);
    assert.deepEqual(sim.masters(1), [0], "10.0.0.1 wins on x86 ucarp's rule");
  });
}

Deno.test("3 nodes keep exactly one MASTER with 10% loss and jitter", () => {
  const sim = new Cluster(group([0, 50, 100]), {
    delayMs: 1,
    jitterMs: 5,
    loss: 0.1,
    seed: 42,
  });
  sim.startAll();
  sim.runUntil(10_000);
  sim.watchMasters(1);
  sim.runUntil(120_000);
  assert.deepEqual(sim.masters(1), [0]);
  assert.equal(sim.mostMasters, 1, `two masters at ${sim.firstDouble}`);
});

Deno.test("failover after the master dies takes the formula's time, within one tick", async (t) => {
  for (
    const [advbase, skews] of [[1, [0, 10, 20]], [0, [26, 39, 52]]] as const
  ) {
    await t.step(`advbase ${advbase}, skews ${skews.join("/")}`, () => {
      const delay = 1;
      const sim = new Cluster(group([...skews], { advbase }), {
        delayMs: delay,
      });
      sim.startAll();
      sim.runUntil(10_000);
      assert.deepEqual(sim.masters(1), [0]);
      const deathAt = 10_000 + 337;
      sim.runUntil(deathAt);
      sim.kill(0);
      const last = sim.lastAdvert(0, 1)!;
      sim.runFor(15_000);
      const takeover = sim.transitions.find((x) =>
        x.time > deathAt && x.to === "MASTER"
      );
      assert.ok(takeover, "a backup took over");
      assert.equal(takeover.node, 1, "the next most preferred backup");
      const backup = initialState(group([...skews], { advbase })[1]![0]!, 0n);
      const expected = last.time + delay + masterDownMs(backup);
      assert.ok(
        Math.abs(takeover.time - expected) <= ONE_TICK_MS,
        `took over at ${takeover.time}, formula says ${expected}`,
      );
      assert.deepEqual(sim.masters(1), [1]);
    });
  }
});

Deno.test("a master that stops bows out and the best backup takes over within the LAN delay and the claim window", () => {
  const sim = new Cluster(group([0, 10, 20]), { delayMs: 1 });
  sim.startAll();
  sim.runUntil(10_000);
  sim.signal(0, { type: "stop" });
  sim.runFor(2 * 1 + CLAIM_WINDOW_MS + 0.01);
  assert.deepEqual(sim.masters(1), [1]);
});

Deno.test("one successor per bow-out: N = 2..16 backups with distinct skews, never two masters", async (t) => {
  for (let n = 2; n <= 16; n++) {
    await t.step(`${n} nodes`, () => {
      // Skews spread as admins spread them, in a random order of nodes.
      const skews = Array.from(
        { length: n },
        (_, i) => i * Math.floor(200 / n),
      );
      for (let i = skews.length - 1; i > 0; i--) {
        const j = (i * 7 + n) % (i + 1);
        [skews[i], skews[j]] = [skews[j]!, skews[i]!];
      }
      const sim = new Cluster(group(skews), {
        delayMs: 0.3,
        jitterMs: 0.2,
        seed: n,
      });
      sim.startAll();
      sim.runUntil(10_000);
      const first = skews.indexOf(0);
      assert.deepEqual(sim.masters(1), [first]);
      sim.watchMasters(1);
      const stoppedAt = sim.now;
      sim.signal(first, { type: "stop" });
      sim.runFor(5_000);
      const rest = skews.filter((_, i) => i !== first);
      const next = skews.indexOf(Math.min(...rest));
      assert.deepEqual(sim.masters(1), [next]);
      assert.equal(sim.mostMasters, 1, `two masters at ${sim.firstDouble}`);
      const ups = sim.transitions.filter((x) =>
        x.time > stoppedAt && x.to === "MASTER"
      );
      assert.deepEqual(ups.map((x) => x.node), [next], "one takeover only");
      assert.ok(
        ups[0]!.time - stoppedAt <=
          0.5 + CLAIM_WINDOW_MS + 0.01,
        `took over after ${ups[0]!.time - stoppedAt} ms`,
      );
    });
  }
});

Deno.test("a healed partition ends with exactly one MASTER within two advert intervals", async (t) => {
  for (
    const [skews, split] of [[[0, 10], [[0], [1]]], [[0, 10, 20], [[0], [
      1,
      2,
    ]]]] as const
  ) {
    await t.step(`${skews.length} nodes`, () => {
      const sim = new Cluster(group([...skews]), {
        delayMs: 1,
        jitterMs: 1,
        seed: 3,
      });
      sim.startAll();
      sim.runUntil(10_000);
      sim.partition(split.map((g) => [...g]));
      sim.runFor(10_000);
      assert.deepEqual(
        sim.masters(1),
        [0, 1],
        "split brain: both sides MASTER",
      );
      sim.heal();
      const healedAt = sim.now;
      const interval = advertIntervalMs(
        initialState(group([...skews])[0]![0]!, 0n),
      );
      sim.runFor(2 * interval);
      assert.deepEqual(sim.masters(1), [0]);
      const last = sim.transitions.findLast((x) => x.to === "BACKUP")!;
      assert.ok(last.time > healedAt && last.node === 1);
    });
  }
});

Deno.test("255 vhids x 3 nodes simulate 10 minutes in well under a second", () => {
  const configs = [0, 1, 2].map((n) =>
    Array.from({ length: 255 }, (_, i) =>
      config({
        vhid: i + 1,
        advskew: ((i + n) % 3) * 20 + 1,
        source: ip(`10.0.0.${n + 1}`),
        preempt: true,
      }))
  );
  const sim = new Cluster(configs, {
    delayMs: 0.3,
    jitterMs: 0.4,
    loss: 0.001,
    seed: 9,
  });
  sim.recordAdverts = false;
  const started = performance.now();
  sim.startAll();
  sim.runUntil(10 * 60_000);
  const elapsed = performance.now() - started;
  for (let vhid = 1; vhid <= 255; vhid++) {
    assert.deepEqual(
      sim.masters(vhid),
      [(3 - ((vhid - 1) % 3)) % 3],
      `vhid ${vhid}`,
    );
  }
  assert.ok(sim.processed > 400_000, `only ${sim.processed} events`);
  assert.ok(elapsed < 1000, `took ${elapsed.toFixed(0)} ms`);
  // deno-lint-ignore no-console
  console.log(`  ${sim.processed} events in ${elapsed.toFixed(0)} ms`);
});
