import assert from "node:assert/strict";
import {
  type SignalHost,
  SignalRelay,
  type SignalTarget,
} from "../../src/cli/signals.ts";

function host(): SignalHost & { send(s: Deno.Signal): void; count(): number } {
  const heard = new Map<Deno.Signal, (() => void)[]>();
  return {
    add: (s, h) => heard.set(s, [...(heard.get(s) ?? []), h]),
    remove: (s, h) => heard.set(s, (heard.get(s) ?? []).filter((x) => x !== h)),
    send: (s) => {
      for (const h of heard.get(s) ?? []) h();
    },
    count: () => [...heard.values()].reduce((n, hs) => n + hs.length, 0),
  };
}

function target(done: string[]): SignalTarget {
  return {
    stop: (why) => done.push(`stop ${why}`),
    reload: () => done.push("reload"),
    logStates: () => done.push("log"),
    stepDown: () => done.push("step down"),
  };
}

Deno.test("SignalRelay listens from construction: a HUP before the daemon is up is a reload once it is", () => {
  const h = host();
  const relay = new SignalRelay("reload", h);
  assert.equal(h.count(), 5);
  h.send("SIGHUP");
  h.send("SIGHUP");
  const done: string[] = [];
  relay.attach(target(done));
  assert.deepEqual(done, ["reload"]);
  h.send("SIGHUP");
  h.send("SIGUSR1");
  h.send("SIGUSR2");
  assert.deepEqual(done, ["reload", "reload", "log", "step down"]);
  relay.close();
  assert.equal(h.count(), 0);
});

Deno.test("SignalRelay: a stop before the daemon is up wins over a reload, and is said before the start", () => {
  const h = host();
  const relay = new SignalRelay("reload", h);
  h.send("SIGHUP");
  h.send("SIGTERM");
  h.send("SIGINT");
  assert.equal(relay.stopRequested, "SIGTERM");
  const done: string[] = [];
  relay.attach(target(done));
  assert.deepEqual(done, ["stop SIGTERM"]);
  relay.close();
});

Deno.test("SignalRelay: USR1 and USR2 before the daemon is up are dropped; ucarp's HUP stops", () => {
  const h = host();
  const relay = new SignalRelay("stop", h);
  h.send("SIGUSR1");
  h.send("SIGUSR2");
  assert.equal(relay.stopRequested, null);
  h.send("SIGHUP");
  assert.equal(relay.stopRequested, "SIGHUP");
  const done: string[] = [];
  relay.attach(target(done));
  assert.deepEqual(done, ["stop SIGHUP"]);
  relay.close();
});

Deno.test("SignalRelay keeps the process alive through a real SIGHUP sent before the daemon is attached", async () => {
  // Without a listener, SIGHUP's default action would end this test process.
  const relay = new SignalRelay("reload");
  try {
    Deno.kill(Deno.pid, "SIGHUP");
    await new Promise((r) => setTimeout(r, 100));
    const done: string[] = [];
    relay.attach(target(done));
    // Kept and carried out at attach, or (on a slow machine) delivered after.
    for (let i = 0; i < 100 && done.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.deepEqual(done, ["reload"]);
  } finally {
    relay.close();
  }
});
