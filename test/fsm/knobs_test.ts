import assert from "node:assert/strict";
import { masterDownMs } from "../../src/fsm/mod.ts";
import { Harness, ip, kinds, vrrpConfig } from "./_fixture.ts";

/** A BACKUP (advskew 50, preempting, 5 s delay) hearing a worse master. */
function delayed(): Harness {
  const h = new Harness({ preempt: true, preemptDelayMs: 5000 });
  h.feed({ type: "start" });
  h.now = 100;
  h.advert("10.99.0.2", 1, 100);
  return h;
}

Deno.test("preempt_delay: a live, less preferred master is preempted only once the delay is out", () => {
  const h = delayed();
  assert.equal(h.s.state, "BACKUP");
  assert.equal(h.s.preemptAt, 5100);
  for (let t = 1100; t < 5100; t += 1000) {
    h.now = t;
    h.advert("10.99.0.2", 1, 100); // it keeps advertising: the delay holds
    assert.equal(h.s.state, "BACKUP");
  }
  h.now = 4900;
  h.advert("10.99.0.2", 1, 100);
  assert.deepEqual(kinds(h.at(5100)).slice(0, 2), ["add_vips", "send_advert"]);
  assert.equal(h.s.state, "MASTER");
  const t = h.actions.find((a) => a.type === "transition");
  assert.equal(t?.type === "transition" && t.reason, "preemption");
});

Deno.test("preempt_delay: never when nobody is master (a silent master is master-down's, not the delay's)", () => {
  const h = delayed();
  // The master falls silent right after its first advert.
  const down = 100 + masterDownMs(h.s);
  assert.ok(down < 5100);
  h.at(down);
  assert.equal(h.s.state, "MASTER");
  const fresh = new Harness({ preempt: true, preemptDelayMs: 5000 });
  fresh.feed({ type: "start" });
  fresh.at(fresh.deadline!);
  assert.equal(
    fresh.s.state,
    "MASTER",
    "a box alone takes over at master-down",
  );
});

Deno.test("preempt_delay: a master that becomes preferred meanwhile cancels it", () => {
  const h = delayed();
  h.now = 2000;
  h.advert("10.99.0.2", 1, 10);
  assert.equal(h.s.preemptAt, null);
  h.at(5100);
  assert.equal(h.s.state, "BACKUP");
});

Deno.test("preempt_delay: VRRP outlasts a live, less preferred master for its delay first", () => {
  const h = new Harness({ ...vrrpConfig(200), preemptDelayMs: 10_000 });
  h.feed({ type: "start" });
  for (let t = 0; t <= 9000; t += 1000) {
    h.now = t;
    h.vrrp("10.99.0.2", 100);
    if (h.deadline !== null && h.deadline < t + 1000) h.at(h.deadline);
    assert.equal(h.s.state, "BACKUP", `at ${t} ms`);
  }
  h.now = 9900;
  h.vrrp("10.99.0.2", 100);
  h.at(h.deadline!);
  assert.equal(h.s.state, "MASTER");
  assert.ok(h.now >= 10_000);
});

Deno.test("garp_refresh: a MASTER sends gratuitous ARPs again every refresh interval, marked as refreshes", () => {
  const h = new Harness({ garpRefreshMs: 30_000, garpCount: 1 });
  h.becomeMaster();
  const since = h.now;
  let refreshes = 0;
  for (let i = 0; i < 200 && h.now < since + 95_000; i++) {
    const actions = h.at(h.deadline!);
    refreshes += actions.filter((a) => a.type === "garp" && a.refresh).length;
  }
  assert.equal(refreshes, 3);
  h.advert("10.99.0.2", 1, 0); // a preferred master: BACKUP, no more refreshes
  assert.equal(h.s.garpRefreshAt, null);
});

Deno.test("OpenBSD's demote byte: a master advertising a higher demote count is taken over, preempting or not; a MASTER never yields to one", () => {
  const h = new Harness({ preempt: false });
  h.feed({ type: "start" });
  const demoted = (counter: bigint) =>
    h.feed({
      type: "advert",
      source: ip("10.99.0.2"),
      advert: { protocol: "carp", advbase: 1, advskew: 0, counter, demote: 1 },
    });
  demoted(1n);
  assert.equal(h.s.state, "MASTER");
  demoted(2n);
  assert.equal(h.s.state, "MASTER", "re-asserts against it");
  h.advert("10.99.0.2", 1, 0, 3n); // the same box, its demotion over
  assert.equal(h.s.state, "BACKUP");
});
