import assert from "node:assert/strict";
import fc from "fast-check";
import {
  faultList,
  initialState,
  step,
  type VhidEvent,
  type VhidState,
  type VhidStep,
} from "../../src/fsm/mod.ts";
import { config, ip, vrrpConfig } from "./_fixture.ts";

const peer = fc.constantFrom(ip("10.99.0.2"), ip("11.99.0.0"), ip("9.0.0.1"));

const event: fc.Arbitrary<VhidEvent> = fc.oneof(
  fc.constant<VhidEvent>({ type: "start" }),
  fc.constant<VhidEvent>({ type: "timer" }),
  fc.constant<VhidEvent>({ type: "timer" }),
  fc.record({
    type: fc.constant("advert" as const),
    source: peer,
    advert: fc.record({
      protocol: fc.constant("carp" as const),
      advbase: fc.integer({ min: 0, max: 255 }),
      advskew: fc.integer({ min: 0, max: 255 }),
      counter: fc.bigInt({ min: 0n, max: 1n << 40n }),
    }),
  }),
  fc.record({
    type: fc.constant("demotion" as const),
    amount: fc.integer({ min: 0, max: 400 }),
  }),
  fc.constantFrom<VhidEvent>(
    { type: "standby" },
    { type: "resume" },
    { type: "step_down" },
    { type: "link_down" },
    { type: "link_up" },
    { type: "stop" },
    { type: "vips_ok" },
    { type: "vips_failed", detail: "EPERM" },
    { type: "fault_cleared", kind: "interface" },
    { type: "fault_cleared", kind: "source" },
  ),
  fc.record({
    type: fc.constant("fault" as const),
    kind: fc.constantFrom(
      "interface" as const,
      "link" as const,
      "source" as const,
    ),
    detail: fc.constant("down"),
  }),
);

Deno.test("step() keeps its invariants over random event sequences (property)", () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(event, fc.integer({ min: 0, max: 5000 })), {
        maxLength: 60,
      }),
      fc.boolean(),
      fc.integer({ min: 0, max: 3 }),
      (events, preempt, advbase) => {
        let s = initialState(
          config({ preempt, advbase, advskew: advbase === 0 ? 20 : 50 }),
          1n,
        );
        let now = 0;
        let ownsVips = false;
        let lastSent = 0n;
        for (const [e, dt] of events) {
          now += dt;
          const r = step(s, e, now);
          for (const a of r.actions) {
            if (a.type === "add_vips") ownsVips = true;
            if (a.type === "remove_vips") ownsVips = false;
            if (a.type === "send_advert" && a.advert.protocol === "carp") {
              const counter = a.advert.counter;
              assert.ok(counter > lastSent, "counters only increase");
              if (e.type === "advert" && e.advert.protocol === "carp") {
                assert.notEqual(counter, e.advert.counter);
              }
              lastSent = counter;
            }
          }
          s = r.state;
          checkInvariants(s, e, r, now, ownsVips);
        }
      },
    ),
    { numRuns: 3_000 },
  );
});

/** What must hold after every step, for either protocol. */
function checkInvariants(
  s: VhidState,
  e: VhidEvent,
  r: VhidStep,
  now: number,
  ownsVips: boolean,
): void {
  assert.equal(
    ownsVips,
    s.state === "MASTER" || s.releaseAt !== null,
    "VIPs held iff MASTER, or held back for a successor",
  );
  if (s.releaseAt !== null) {
    assert.ok(
      s.state === "BACKUP" || s.state === "INIT",
      "only after a bow-out",
    );
  }
  assert.equal(s.advertAt !== null, s.state === "MASTER");
  assert.equal(s.masterDownAt !== null, s.state === "BACKUP");
  if (s.state !== "INIT") {
    assert.equal(
      s.state === "FAULT",
      faultList(s).length > 0,
      "FAULT iff some fault holds",
    );
  }
  if (s.vipRetryAt !== null) assert.equal(s.state, "FAULT");
  if (e.type === "timer") {
    assert.ok(
      r.deadline === null || r.deadline > now,
      "timer handled all due work",
    );
  }
}

const vrrpEvent: fc.Arbitrary<VhidEvent> = fc.oneof(
  event,
  fc.record({
    type: fc.constant("advert" as const),
    source: peer,
    advert: fc.record({
      protocol: fc.constant("vrrp" as const),
      priority: fc.integer({ min: 0, max: 255 }),
      intervalCs: fc.integer({ min: 1, max: 4095 }),
    }),
  }),
  fc.record({
    type: fc.constant("advert" as const),
    source: peer,
    advert: fc.record({
      protocol: fc.constant("vrrp" as const),
      priority: fc.constantFrom(0, 99, 100, 101, 255),
      intervalCs: fc.constantFrom(1, 10, 100),
    }),
  }),
);

Deno.test("a VRRP vhid keeps the same invariants, advertises 1-254 and 0 only leaving MASTER (property)", () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(vrrpEvent, fc.integer({ min: 0, max: 5000 })), {
        maxLength: 60,
      }),
      fc.boolean(),
      fc.integer({ min: 1, max: 254 }),
      fc.constantFrom(1, 10, 100, 4095),
      (events, preempt, priority, intervalCs) => {
        let s = initialState(
          config(vrrpConfig(priority, intervalCs, { preempt })),
          1n,
        );
        let now = 0;
        let ownsVips = false;
        for (const [e, dt] of events) {
          now += dt;
          const was = s.state;
          const r = step(s, e, now);
          for (const a of r.actions) {
            if (a.type === "add_vips") ownsVips = true;
            if (a.type === "remove_vips") ownsVips = false;
            if (a.type === "send_advert") {
              assert.equal(a.advert.protocol, "vrrp", "no CARP adverts");
              if (a.advert.protocol !== "vrrp") continue;
              const priority = a.advert.priority;
              assert.ok(priority >= 0 && priority <= 254);
              if (priority === 0) assert.equal(was, "MASTER");
              else assert.equal(r.state.state, "MASTER");
            }
          }
          s = r.state;
          checkInvariants(s, e, r, now, ownsVips);
        }
      },
    ),
    { numRuns: 3_000 },
  );
});
