// The ledger of addresses carpd added, and the executor's sweep of what no
// vhid holds, on the virtual clock.
import assert from "node:assert/strict";
import type { Vip } from "../../src/config/mod.ts";
import type { RuntimeFiles } from "../../src/daemon/platform.ts";
import { Effects } from "../../src/daemon/effects.ts";
import { VipLedger } from "../../src/daemon/vip_ledger.ts";
import { LogRateLimiter } from "../../src/log.ts";
import { parseIpv4, parseIpv6 } from "../../src/net/mod.ts";
import { FakeBox, fastVhid, link } from "./_fakes.ts";

const PATH = "/run/carp/carp.vips";

function v4(text: string, prefix = 24): Vip {
  return { family: 4, address: parseIpv4(text)!, prefix, text };
}

function v6(text: string, prefix = 64): Vip {
  return { family: 6, address: parseIpv6(text)!, prefix, text };
}

function memory(): RuntimeFiles & { files: Map<string, string> } {
  const files = new Map<string, string>();
  return {
    files,
    read: (path) => files.get(path) ?? null,
    write: (path, text) => void files.set(path, text),
  };
}

Deno.test("VipLedger keeps what it is told in its file, and a new ledger on the same file reads it back", () => {
  const m = memory();
  const a = new VipLedger(m, PATH, (e) => assert.fail(e));
  a.add("eth0", v4("10.0.0.2"));
  a.add("a-long-ifname0", v6("2001:db8::2"));
  a.add("eth0", v4("10.0.0.2")); // once
  assert.equal(
    m.files.get(PATH),
    "eth0 10.0.0.2/24\na-long-ifname0 2001:db8::2/64\n",
  );
  const b = new VipLedger(m, PATH, (e) => assert.fail(e));
  assert.deepEqual(
    b.entries().map((e) => `${e.interface} ${e.vip.text}`),
    ["eth0 10.0.0.2/24", "a-long-ifname0 2001:db8::2/64"],
  );
  b.remove("eth0", v4("10.0.0.2"));
  assert.equal(m.files.get(PATH), "a-long-ifname0 2001:db8::2/64\n");
  assert.equal(b.has("eth0", v4("10.0.0.2")), false);
  assert.equal(b.has("eth0", v4("10.0.0.2", 32)), false, "the prefix counts");
});

Deno.test("VipLedger strikes an address out only if no add came since the one given", () => {
  const l = new VipLedger(memory(), PATH, (e) => assert.fail(e));
  l.add("eth0", v4("10.0.0.2"));
  const first = l.serial("eth0", v4("10.0.0.2"));
  l.add("eth0", v4("10.0.0.2")); // taken again while a removal was under way
  l.remove("eth0", v4("10.0.0.2"), first);
  assert.equal(l.has("eth0", v4("10.0.0.2")), true);
  l.remove("eth0", v4("10.0.0.2"), l.serial("eth0", v4("10.0.0.2")));
  assert.equal(l.has("eth0", v4("10.0.0.2")), false);
});

Deno.test("VipLedger says when its file cannot be written, and goes on in memory", () => {
  const said: string[] = [];
  const l = new VipLedger(
    {
      read: () => null,
      write: () => {
        throw new Error("Read-only file system (os error 30)");
      },
    },
    PATH,
    (e) => said.push(e),
  );
  l.add("eth0", v4("10.0.0.2"));
  assert.equal(l.has("eth0", v4("10.0.0.2")), true);
  assert.deepEqual(said, [
    `cannot write ${PATH}: Read-only file system (os error 30)`,
  ]);
});

Deno.test("Effects writes down what it adds, and not an address that was there before it, unless it added that one itself", async () => {
  const box = new FakeBox();
  const t = {
    key: "eth0/7",
    name: "vhid 7",
    config: fastVhid("", `"10.9.0.50/24", "10.9.0.51/24"`),
    link: link(),
    counters: box.driver(fastVhid()).counters,
    keepVips: false,
  };
  const done: (string | null)[] = [];
  box.effects.addVips(t, (e) => done.push(e));
  await box.clock.runFor(1);
  assert.deepEqual(done, [null]);
  assert.equal(
    box.runFiles.get("/run/carp/test.vips"),
    "eth0 10.9.0.50/24\neth0 10.9.0.51/24\n",
  );
  box.effects.removeVips(t);
  await box.clock.runFor(1);
  assert.equal(box.runFiles.get("/run/carp/test.vips"), "");
});

Deno.test("Effects.sweep() removes what carpd added and nothing holds, and keeps what a vhid holds", async () => {
  const box = new FakeBox();
  box.runFiles.set(
    "/run/carp/test.vips",
    "eth0 10.9.0.50/24\neth0 10.9.0.60/24\ngone0 10.9.0.70/24\n",
  );
  const removed: string[] = [];
  const effects = new Effects({
    log: box.log,
    limiter: new LogRateLimiter(),
    clock: box.clock,
    spawn: () => Promise.reject(new Error("no hooks here")),
    frames: { send: () => null },
    ledger: new VipLedger(
      box.files,
      "/run/carp/test.vips",
      (e) => assert.fail(e),
    ),
    addresses: {
      addVip: () => Promise.resolve(true),
      removeVip: (l, vip) => {
        removed.push(`${l.name} ${vip.text}`);
        return Promise.resolve(true);
      },
    },
  });
  await effects.sweep(
    (iface, vip) => iface === "eth0" && vip.text === "10.9.0.50/24",
    (name) => name === "eth0" ? link() : null,
  );
  assert.deepEqual(removed, ["eth0 10.9.0.60/24"]);
  assert.equal(box.runFiles.get("/run/carp/test.vips"), "eth0 10.9.0.50/24\n");
  assert.equal(
    box.logged(/removed 10\.9\.0\.60\/24 from eth0: carpd added it/).length,
    1,
  );
});
