/**
 * The fault campaign's own parts (`scripts/chaos/`), without a network: its
 * schedule is the simulator's, compressed; and each invariant finds what it
 * must on samples made up for it, and nothing on a healthy group. The
 * campaign itself runs as `scripts/chaos.sh` (`scripts/test.sh` runs tours of every kind).
 */

import assert from "node:assert/strict";
import type { Status } from "../../src/control/mod.ts";
import { faultSchedule } from "../sim/faults.ts";
import {
  initialSpec,
  ownAddress,
  SECOND2,
  VIP1,
  VIP2,
} from "../../scripts/chaos/configs.ts";
import { partitionSides } from "../../scripts/chaos/injector.ts";
import { Checker, type Violation } from "../../scripts/chaos/invariants.ts";
import { trendPerMinute } from "../../scripts/chaos/resources.ts";
import type { Sample } from "../../scripts/chaos/sampler.ts";
import {
  type ChaosFault,
  chaosSchedule,
  FAULT_KINDS,
  isNetworkFault,
  isRollout,
  PACE,
  scheduleEnd,
  simulatedHours,
  tourSchedule,
} from "../../scripts/chaos/schedule.ts";
import type { BoxCondition, WorldView } from "../../scripts/chaos/world.ts";

Deno.test("chaos schedule: the simulator's faults, PACE times faster, the same for the same seed", () => {
  const a = chaosSchedule(5, 10, FAULT_KINDS);
  assert.deepEqual(chaosSchedule(5, 10, FAULT_KINDS), a);
  assert.notDeepEqual(chaosSchedule(6, 10, FAULT_KINDS), a);
  const sim = faultSchedule(5, simulatedHours(10), 3, FAULT_KINDS);
  assert.ok(a.length > 20, `${a.length} faults in 10 minutes`);
  for (const f of a) {
    assert.deepEqual(f.sim, sim[f.n - 1]);
    assert.equal(f.at, Math.floor(f.sim.at / PACE));
    assert.ok(f.at < 10 * 60_000);
  }
  // One fault at a time per box, one network fault at a time.
  const busy = new Map<number, number>();
  for (const f of a) {
    assert.ok((busy.get(f.sim.node) ?? 0) <= f.at, `#${f.n} overlaps`);
    busy.set(f.sim.node, f.at + f.sim.ms);
  }
  assert.ok(a.some((f) => isNetworkFault(f.sim.kind)));
});

Deno.test("chaos schedule: half an hour draws every kind, the roll-outs in both orders", () => {
  const all = chaosSchedule(1, 30, FAULT_KINDS);
  for (const k of FAULT_KINDS) {
    assert.ok(all.some((f) => f.sim.kind === k), k);
  }
  const orders = new Set(
    all.filter((f) => isRollout(f.sim.kind)).map((f) => f.order),
  );
  assert.deepEqual([...orders].sort(), ["backup-first", "master-first"]);
});

Deno.test("chaos partitions split the boxes as the simulator does", () => {
  assert.deepEqual(partitionSides(0, 3), [1, 0, 0]);
  assert.deepEqual(partitionSides(7, 3), [1, 0, 0]);
  assert.deepEqual(partitionSides(6, 3), [0, 1, 1]);
  assert.deepEqual(partitionSides(350, 3), [0, 1, 1]);
});

// ---- the invariants on made-up samples ----

/** A box's vhids' states: [vhid 1, vhid 2]. */
type States = [string, string];

interface Shape {
  /** Who holds which address. */
  held?: Record<string, number[]>;
  /** Each box's states (default: box 0 MASTER, the others BACKUP). */
  states?: States[] | undefined;
  /** Boxes unhealthy (for both vhids). */
  sick?: number[];
  sides?: number[] | null;
  /** Since when the network has joined each pair on the same side (default 0). */
  linkedAt?: number;
  quietSince?: number | null;
  /** Per box and vhid, the last transition: [from, to, reason, seconds ago]. */
  last?: Record<string, [string, string, string, number]>;
  /** Boxes whose config lacks vhid 2's second VIP. */
  edited?: number[];
}

const GOOD: Shape = {
  held: { [VIP1]: [0], [VIP2]: [0], [SECOND2]: [0] },
};

function condition(): BoxCondition {
  return {
    carpd: "running",
    ucarp: null,
    stopped: false,
    eth0: "up",
    mv0: "up",
    firewalled: false,
    swamped: false,
  };
}

function status(b: number, states: States, shape: Shape): Status {
  const vhid = (id: 1 | 2) => {
    const last = shape.last?.[`${b}/${id}`];
    return {
      vhid: id,
      state: states[id - 1],
      advskew: id === 1 ? { configured: 10, effective: 10 + 20 * b } : null,
      priority: id === 2 ? { configured: 200, effective: 200 - 20 * b } : null,
      history: last === undefined
        ? []
        : [{ at: "", from: last[0], to: last[1], reason: last[2] }],
      secondsSinceTransition: last?.[3] ?? 100,
    };
  };
  return { pid: 1000 + b, vhids: [vhid(1), vhid(2)] } as unknown as Status;
}

/** A sample at `t` ms of a group shaped so. */
function sample(t: number, shape: Shape): Sample {
  const sick = shape.sick ?? [];
  const healthySince = new Map<string, number>();
  for (let b = 0; b < 3; b++) {
    if (sick.includes(b)) continue;
    healthySince.set(`${b}/1`, 0);
    healthySince.set(`${b}/2`, 0);
  }
  const world: WorldView = {
    t,
    boxes: [condition(), condition(), condition()],
    net: { loss: 0, sides: shape.sides ?? null, delayMs: 0 },
    healthySince,
    calmSince: shape.sides ? null : 0,
    linkedSince: new Map(
      [[0, 1], [0, 2], [1, 2]].filter(([a, b]) =>
        !shape.sides || shape.sides[a!] === shape.sides[b!]
      ).map(([a, b]) => [`${a}/${b}`, shape.linkedAt ?? 0]),
    ),
    quietSince: shape.quietSince === undefined ? null : shape.quietSince,
    terminating: new Set(),
  };
  const states = shape.states ??
    [["MASTER", "MASTER"], ["BACKUP", "BACKUP"], ["BACKUP", "BACKUP"]];
  const boxes = [0, 1, 2].map((b) => {
    const eth0 = [ownAddress(b, "eth0")];
    const mv0 = [ownAddress(b, "mv0")];
    for (const [a, who] of Object.entries(shape.held ?? {})) {
      if (!who.includes(b)) continue;
      (a.startsWith("10.215.") ? eth0 : mv0).push(a);
    }
    return {
      addrs: new Map([["eth0", eth0], ["mv0", mv0]]),
      status: status(b, states[b] as States, shape),
    };
  });
  const specs = [0, 1, 2].map((b) => {
    const s = initialSpec();
    if (shape.edited?.includes(b)) {
      s.vips2 = s.vips2.filter((v) => v !== SECOND2);
    }
    return s;
  });
  return { t, world, boxes, specs };
}

/** Feeds samples every 100 ms from 0 to `untilMs`; returns what was found. */
function run(untilMs: number, shapeAt: (t: number) => Shape): Violation[] {
  const c = new Checker(null, () => {});
  for (let t = 0; t <= untilMs; t += 100) c.sample(sample(t, shapeAt(t)));
  c.finish();
  return [...c.violations];
}

function texts(vs: Violation[]): string[] {
  return vs.map((v) => v.text);
}

Deno.test("chaos invariants: a healthy group, quiet for long, has nothing to say", () => {
  assert.deepEqual(run(30_000, () => ({ ...GOOD, quietSince: 0 })), []);
});

Deno.test("chaos invariants: two healthy boxes that hear each other hold a VIP for a round trip, not longer", () => {
  const both = (from: number, ms: number) => (t: number): Shape => ({
    held: {
      ...GOOD.held,
      [VIP1]: t >= from && t < from + ms ? [0, 1] : [0],
    },
  });
  assert.deepEqual(run(10_000, both(5000, 200)), []);
  const found = texts(run(10_000, both(5000, 400)));
  assert.equal(found.length, 1, found.join("\n"));
  assert.equal(
    found[0],
    "boxes 0 and 1 both held 10.215.0.50 (vhid 1) for 300 ms, though both were healthy and had heard each other for 5300 ms (allowed: 200 ms after one advert interval)",
  );
  // Partitioned, they cannot hear each other: split brain is allowed.
  assert.deepEqual(
    run(10_000, (t) => ({
      ...both(5000, 3000)(t),
      sides: [0, 1, 1],
      states: t >= 5000 && t < 8000
        ? [["MASTER", "MASTER"], ["MASTER", "BACKUP"], ["BACKUP", "BACKUP"]]
        : undefined,
    })),
    [],
  );
  // Loss that just ended (now a partition keeps them on one side): they
  // are judged from the loss's end, an advert interval and a round trip.
  const afterLoss = (heldUntil: number) => (t: number): Shape => ({
    ...both(5000, heldUntil - 5000)(t),
    sides: t >= 6500 ? [0, 0, 1] : null,
    linkedAt: 6000,
    states: t >= 5000 && t < heldUntil
      ? [["MASTER", "MASTER"], ["MASTER", "BACKUP"], ["BACKUP", "BACKUP"]]
      : undefined,
  });
  assert.deepEqual(run(10_000, afterLoss(7100)), []);
  assert.equal(texts(run(10_000, afterLoss(7500))).length, 1);
  // One of them unhealthy (stopped, cut, firewalled): not judged.
  assert.deepEqual(
    run(10_000, (t) => ({
      ...both(5000, 3000)(t),
      sick: t >= 4000 && t < 9000 ? [1] : [],
      states: t >= 5000 && t < 8000
        ? [["MASTER", "MASTER"], ["MASTER", "BACKUP"], ["BACKUP", "BACKUP"]]
        : undefined,
    })),
    [],
  );
});

Deno.test("chaos invariants: a vhid unserved past master-down plus an interval while a healthy box waits", () => {
  const gap = (ms: number) => (t: number): Shape => ({
    held: {
      ...GOOD.held,
      [VIP1]: t >= 5000 && t < 5000 + ms ? [] : [0],
    },
    // The master is gone (cut): the gap is not planned.
    sick: t >= 5000 && t < 5000 + ms ? [0] : [],
    states: [["MASTER", "MASTER"], ["BACKUP", "BACKUP"], [
      "BACKUP",
      "BACKUP",
    ]],
  });
  // Box 1's master-down 3.12 s, interval 1.12 s, slack 0.5 s: 4.73 s;
  // vhid 2's (priority 180) 3.30 s and 1 s: 4.80 s.
  assert.deepEqual(run(15_000, gap(4500)), []);
  const found = texts(run(15_000, gap(5200)));
  assert.deepEqual(found, [
    "vhid 1 was served by no box for 5100 ms though box 1 could have taken over after 4734 ms",
    "vhid 2 was served by no box for 5100 ms though box 1 could have taken over after 4797 ms",
  ]);
});

Deno.test("chaos invariants: a planned handover (the master let go while well) leaves the vhid unserved 2 s at most", () => {
  const handover = (ms: number) => (t: number): Shape => ({
    held: { ...GOOD.held, [VIP1]: t < 5000 ? [0] : t < 5000 + ms ? [] : [1] },
    states: t < 5000
      ? [["MASTER", "MASTER"], ["BACKUP", "BACKUP"], ["BACKUP", "BACKUP"]]
      : t < 5000 + ms
      ? [["INIT", "MASTER"], ["BACKUP", "BACKUP"], ["BACKUP", "BACKUP"]]
      : [["BACKUP", "MASTER"], ["MASTER", "BACKUP"], ["BACKUP", "BACKUP"]],
  });
  assert.deepEqual(run(12_000, handover(1500)), []);
  const found = texts(run(12_000, handover(3000)));
  assert.equal(found.length, 1, found.join("\n"));
  assert.match(found[0]!, /\(box 0 let go of it while well\)/);
});

Deno.test("chaos invariants: a VIP on a box that is neither MASTER nor releasing", () => {
  const backupHolds =
    (last?: [string, string, string, number]) => (t: number): Shape => ({
      held: { ...GOOD.held, [VIP2]: t >= 5000 ? [0, 1] : [0] },
      sick: t >= 5000 ? [0] : [], // box 0 stalled: box 1 is not doubled with it
      states: [["MASTER", "MASTER"], ["BACKUP", "BACKUP"], [
        "BACKUP",
        "BACKUP",
      ]],
      ...(last === undefined ? {} : { last: { "1/2": last } }),
    });
  const found = texts(run(7000, backupHolds()));
  assert.equal(found.length, 1, found.join("\n"));
  assert.match(
    found[0]!,
    /box 1 holds 10\.216\.0\.50 on mv0 but vhid 2 is BACKUP/,
  );
  // Just after a standby (a bow-out), inside master-down: its release.
  assert.deepEqual(
    run(7000, backupHolds(["MASTER", "BACKUP", "standby", 1])),
    [],
  );
});

Deno.test("chaos invariants: an address no vhid of the box's config has", () => {
  const found = texts(run(8000, () => ({ ...GOOD, edited: [0] })));
  assert.equal(found.length, 1, found.join("\n"));
  assert.match(
    found[0]!,
    /box 0 holds 10\.216\.0\.51 on mv0 but no vhid of its config has it/,
  );
});

Deno.test("chaos invariants: a quiet group whose MASTER is not the preferred box", () => {
  const found = texts(
    run(20_000, () => ({
      held: { [VIP1]: [1], [VIP2]: [0], [SECOND2]: [0] },
      states: [["BACKUP", "MASTER"], ["MASTER", "BACKUP"], [
        "BACKUP",
        "BACKUP",
      ]],
      quietSince: 0,
    })),
  );
  assert.equal(found.length, 1, found.join("\n"));
  assert.match(
    found[0]!,
    /vhid 1 after 15000 ms without faults: MASTER on box 1, the preferred healthy box is 0/,
  );
});

Deno.test("chaos conduct: notify hooks out of order or overlapping, errors, crashes", () => {
  const c = new Checker(null, () => {});
  c.conduct.hooks(
    0,
    [
      "B 11 900 1 INIT BACKUP eth0 10.215.0.50/24",
      "E 11 900 1 INIT BACKUP eth0 10.215.0.50/24",
      "B 12 900 1 MASTER BACKUP eth0 10.215.0.50/24",
      "B 13 900 1 BACKUP MASTER eth0 10.215.0.50/24",
      "E 12 900 1 MASTER BACKUP eth0 10.215.0.50/24",
      "E 13 900 1 BACKUP MASTER eth0 10.215.0.50/24",
      // Another carpd (restarted) starts from INIT again.
      "B 14 901 1 INIT BACKUP eth0 10.215.0.50/24",
      "E 14 901 1 INIT BACKUP eth0 10.215.0.50/24",
    ].join("\n"),
    1000,
  );
  assert.deepEqual(texts([...c.violations]), [
    "box 0: carpd 900's notify for vhid 1 says MASTER -> BACKUP after BACKUP",
    "box 0: carpd 900 ran a notify for vhid 1 (BACKUP -> MASTER) before the previous one ended",
  ]);
  const d = new Checker(null, () => {});
  const span = d.conduct.faultStarted(2, "recreate", 100);
  span.to = 200;
  d.conduct.logged(
    2,
    "carpd",
    "2026-01-01T00:00:00Z [ERROR] vhid 2: cannot add its VIPs: add: ENODEV",
    300,
  );
  d.conduct.logged(
    1,
    "carpd",
    "2026-01-01T00:00:00Z [ERROR] vhid 2: cannot add its VIPs: add: ENODEV",
    300,
  );
  d.conduct.logged(1, "carpd", "2026-01-01T00:00:00Z [WARNING] something", 300);
  d.conduct.exited({
    box: 0,
    name: "carpd",
    pid: 5,
    status: { success: false, code: 70, signal: null },
    expected: null,
  }, 400);
  assert.deepEqual(texts([...d.violations]), [
    "box 1's carpd logged: 2026-01-01T00:00:00Z [ERROR] vhid 2: cannot add its VIPs: add: ENODEV",
    "box 0's carpd (pid 5) exited by itself (code 70)",
  ]);
});

Deno.test("chaos memory trend: a least-squares slope in MB per minute", () => {
  const flat = Array.from(
    { length: 40 },
    (_, i) => [i * 5000, 80] as [number, number],
  );
  assert.equal(trendPerMinute(flat), 0);
  const rising = flat.map(([t]) => [t, 80 + t / 60_000] as [number, number]);
  assert.ok(Math.abs(trendPerMinute(rising) - 1) < 1e-9);
});

Deno.test("chaos tour: every kind once, box faults one after the other, roll-outs alone, the same for the same seed", () => {
  const a = tourSchedule(3, FAULT_KINDS);
  assert.deepEqual(tourSchedule(3, FAULT_KINDS), a);
  assert.notDeepEqual(
    tourSchedule(4, FAULT_KINDS).map((f) => f.sim.kind),
    a.map((f) => f.sim.kind),
  );
  assert.deepEqual(a.map((f) => f.sim.kind).sort(), [...FAULT_KINDS].sort());
  const end = (f: ChaosFault): number =>
    f.at + f.sim.ms + (isRollout(f.sim.kind) ? f.sim.value * 3 : 0);
  for (const f of a) {
    assert.ok(!f.fromSimulator);
    for (const g of a) {
      if (f === g || g.at < f.at || g.at >= end(f)) continue;
      // g starts while f is going on: only box and network faults overlap.
      assert.ok(
        isNetworkFault(f.sim.kind) !== isNetworkFault(g.sim.kind) &&
          !isRollout(f.sim.kind) && !isRollout(g.sim.kind),
        `#${g.n} ${g.sim.kind} starts during #${f.n} ${f.sim.kind}`,
      );
    }
  }
  const minutes = scheduleEnd(a) / 60_000;
  assert.ok(minutes > 1 && minutes < 6, `${minutes} min`);
});
