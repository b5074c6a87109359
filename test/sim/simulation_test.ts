// The whole daemon in the simulator: the same seed replays the same run,
// roll-outs keep the group whole (and would not without their window), a
// crash leaves no VIP behind.
import assert from "node:assert/strict";
import { FAULT_KINDS } from "./faults.ts";
import { report, simulate } from "./simulation.ts";

Deno.test("the simulator replays a seed exactly: the same summary line", async () => {
  const run = () =>
    simulate({ seed: 5, hours: 0.25, nodes: 3, kinds: FAULT_KINDS });
  const a = await run();
  const b = await run();
  assert.equal(a.line, b.line);
  assert.ok(a.steps > 10_000, a.line);
  assert.ok(a.faults.length > 5, a.line);
});

const ROLLOUTS = ["vip-reload", "password-rollout", "reload", "loss"] as const;

Deno.test("VIP lists and passwords rolled out box by box, in either order, never move a VIP or put it on two boxes or none", async () => {
  const r = await simulate({ seed: 4, hours: 1, nodes: 3, kinds: ROLLOUTS });
  assert.ok(r.rolloutsWatched >= 10, `${r.rolloutsWatched} roll-outs watched`);
  assert.equal(r.violations.length, 0, report(r).join("\n"));
});

Deno.test("the same roll-outs with rollout_window = 0 split the group: the invariant sees it", async () => {
  const r = await simulate({
    seed: 4,
    hours: 1,
    nodes: 3,
    kinds: ROLLOUTS,
    rolloutWindowS: 0,
  });
  assert.ok(
    r.violations.some((v) =>
      /vhid [13] rolled out box by box: \S+ is on box \d,\d, not on box \d alone/
        .test(v)
    ),
    report(r).join("\n"),
  );
});

Deno.test("a VIP dropped from the config while carpd was dead is removed when it starts again (the ledger under /run)", async () => {
  // Seed 4 killed box 0 while MASTER, dropped 10.0.0.200 from its config
  // and started it again: the VIP stayed on the box before the ledger.
  const r = await simulate({
    seed: 4,
    hours: 1,
    nodes: 3,
    kinds: ["crash-edit", "reload", "loss"],
  });
  assert.ok(r.faults.some((f) => f.kind === "crash-edit"), r.line);
  assert.equal(r.violations.length, 0, report(r).join("\n"));
});

Deno.test("a vhid's first log line names its source address of each family it has VIPs of", async () => {
  const r = await simulate({ seed: 1, hours: 0.002, nodes: 2, kinds: [] });
  const started = r.logs[0]!.filter((l) => / vhid \d on eth\d: /.test(l));
  assert.ok(
    started.some((l) =>
      l.includes(
        "vhid 3 on eth1: 10.1.0.100/24, 2001:db8:1::100/64 from 10.1.0.1 and fe80::1:1, advbase 1 advskew 100",
      )
    ),
    started.join("\n"),
  );
  assert.ok(
    started.some((l) =>
      l.includes(
        "vhid 2 on eth0: 10.0.0.200/24 from 10.0.0.1, priority 200 advert_interval 1 s",
      )
    ),
    started.join("\n"),
  );
});
