/**
 * Health checks, interface tracking, notify hooks, status and standby on the
 * namespace lab.
 */

import assert from "node:assert/strict";
import { canBuildLab, eventually, Lab, sh, sleep, vhidConfig } from "./lab.ts";

const VIP = "10.213.0.50";
const ignore = !canBuildLab; // needs root and iproute2; scripts/test.sh runs it as root

function stamp(line: string): number {
  return Date.parse(line.split(" ")[0]!);
}

Deno.test({
  name:
    "a failing check moves the VIP to a preempting backup within fall x interval + 200 ms, and back",
  ignore,
  async fn(): Promise<void> {
    const lab = await Lab.up(2);
    try {
      const flag = await lab.file("service-ok", "");
      const check = `
[[check]]
name = "service"
command = ["test", "-e", "${flag}"]
interval = 1
timeout = 1
fall = 2
rise = 2
demote = 100
`;
      const a = await lab.carpd(
        1,
        vhidConfig({ vip: VIP, advskew: 0 }) + check,
      );
      const b = await lab.carpd(2, vhidConfig({ vip: VIP, advskew: 50 }));
      assert.ok(await a.waitFor(/BACKUP -> MASTER/, 8000), a.output);
      await sleep(1500);
      const failedAt = Date.now();
      await Deno.remove(flag);
      // The demoted master hands over (bow-out) or the backup preempts.
      const took = await b.waitFor(
        /BACKUP -> MASTER \((preemption|master bowing out)\)/,
        4000,
      );
      assert.ok(took, b.output);
      const ms = stamp(took) - failedAt;
      assert.ok(
        ms <= 2 * 1000 + 200,
        `backup took over ${ms} ms after the service failed`,
      );
      assert.ok(
        await eventually(
          async () => (await lab.holders(VIP, 2)).join() === "2",
          1000,
        ),
      );
      const s = await lab.status(1);
      const v = s.vhids[0]!;
      assert.equal(v.state, "BACKUP");
      assert.deepEqual(v.demotions, [{
        reason: "check service",
        advskew: 100,
      }]);
      assert.deepEqual(v.advskew, { configured: 0, effective: 100 });
      assert.equal(v.master, lab.address(2));
      assert.equal(s.checks[0]!.up, false);
      assert.ok(s.checks[0]!.failures >= 2);
      assert.ok(
        v.counters.transitions >= 3 && v.counters.advertsSent >= 1 &&
          v.counters.advertsReceived >= 1,
      );

      await Deno.writeTextFile(flag, "");
      assert.ok(
        await a.waitFor(/BACKUP -> MASTER \(preemption\)/, 5000),
        a.output,
      );
      assert.ok(
        await eventually(
          async () => (await lab.holders(VIP, 2)).join() === "1",
          1000,
        ),
      );
      assert.deepEqual((await lab.status(1)).vhids[0]!.demotions, []);
    } finally {
      await lab.down();
    }
  },
});

Deno.test({
  name:
    "a hanging check is killed at its timeout with its children, counted as failed, and leaves nothing behind",
  ignore,
  async fn(): Promise<void> {
    const lab = await Lab.up(1);
    const marker = `${Math.floor(Math.random() * 1e6) + 1000}`;
    try {
      const a = await lab.carpd(
        1,
        vhidConfig({ vip: VIP, advskew: 0, advbase: 0 }).replace(
          "advskew = 0",
          "advskew = 20",
        ) + `
[[check]]
name = "hangs"
command = ["sh", "-c", "sleep ${marker} & exec sleep ${marker}"]
interval = 0.5
timeout = 0.3
fall = 2
rise = 1
demote = 30
`,
      );
      assert.ok(await a.waitFor(/check "hangs" is failing/, 3000), a.output);
      await sleep(1000);
      const s = await lab.status(1);
      assert.ok(s.checks[0]!.timeouts >= 2, JSON.stringify(s.checks));
      assert.equal(s.checks[0]!.lastCode, null);
      assert.equal(s.vhids[0]!.advskew?.effective, 50);
      const running =
        (await sh(["sh", "-c", `pgrep -c -f 'slee[p] ${marker}' || true`]))
          .trim();
      assert.ok(
        Number(running) <= 2,
        `${running} sleeps at once: runs piled up`,
      );
      // Orphans of a killed group go to PID 1, which reaps them; carpd must
      // leave no zombie of its own.
      const zombies = (await sh(["ps", "-eo", "ppid=,stat="])).split("\n")
        .filter((l) =>
          l.trim().split(/\s+/)[0] === String(a.pid) && /^\s*\d+\s+Z/.test(l)
        );
      assert.deepEqual(zombies, [], "zombies of carpd");
      a.signal("SIGTERM");
      assert.equal((await a.exit()).code, 0);
      const left =
        (await sh(["sh", "-c", `pgrep -c -f 'slee[p] ${marker}' || true`]))
          .trim();
      assert.equal(left, "0", "no check process left behind");
    } finally {
      await lab.down();
    }
  },
});

Deno.test({
  name:
    "a tracked interface going down demotes the vhid; coming back restores it",
  ignore,
  async fn(): Promise<void> {
    const lab = await Lab.up(2);
    try {
      // A veth pair inside the host: "uplink" has carrier while its peer is up.
      const ip = (...args: string[]): Promise<string> =>
        lab.exec(lab.host(1), ["ip", "link", ...args]);
      await ip("add", "uplink", "type", "veth", "peer", "name", "uplink-peer");
      await ip("set", "uplink", "up");
      await ip("set", "uplink-peer", "up");
      const track = `
[[track_interface]]
name = "uplink"
demote = 240
`;
      const a = await lab.carpd(
        1,
        vhidConfig({ vip: VIP, advskew: 0 }) + track,
      );
      const b = await lab.carpd(2, vhidConfig({ vip: VIP, advskew: 50 }));
      assert.ok(await a.waitFor(/BACKUP -> MASTER/, 8000), a.output);
      await ip("set", "uplink-peer", "down"); // carrier lost
      assert.ok(
        await a.waitFor(/track_interface "uplink" is down/, 2000),
        a.output,
      );
      assert.ok(
        await b.waitFor(
          /BACKUP -> MASTER \((preemption|master bowing out)\)/,
          2000,
        ),
        b.output,
      );
      const v = (await lab.status(1)).vhids[0]!;
      assert.deepEqual(v.demotions, [{
        reason: "interface uplink",
        advskew: 240,
      }]);
      await ip("set", "uplink-peer", "up");
      assert.ok(
        await a.waitFor(/track_interface "uplink" is up/, 2000),
        a.output,
      );
      assert.ok(
        await eventually(
          async () => (await lab.status(1)).vhids[0]!.state === "MASTER",
          3000,
        ),
      );
      assert.deepEqual((await lab.status(1)).vhids[0]!.demotions, []);
    } finally {
      await lab.down();
    }
  },
});

/** Pings the VIP every 10 ms for `count` pings; returns how many were lost. */
async function pingStream(lab: Lab, count: number): Promise<number> {
  const out = await lab.exec(lab.client, [
    "ping",
    "-n",
    "-q",
    "-i",
    "0.01",
    "-W",
    "1",
    "-c",
    String(count),
    VIP,
  ]);
  const m = /(\d+) packets transmitted, (\d+) received/.exec(out);
  assert.ok(m, out);
  return Number(m[1]) - Number(m[2]);
}

Deno.test({
  name:
    "standby hands the VIP over losing at most 2 pings at 10 ms spacing; resume brings it back",
  ignore,
  async fn(): Promise<void> {
    const lab = await Lab.up(2);
    try {
      const a = await lab.carpd(1, vhidConfig({ vip: VIP, advskew: 0 }));
      const b = await lab.carpd(2, vhidConfig({ vip: VIP, advskew: 50 }));
      assert.ok(await a.waitFor(/BACKUP -> MASTER/, 8000), a.output);
      assert.ok(await eventually(() => lab.ping(VIP), 3000));
      const stream = pingStream(lab, 300);
      await sleep(1000);
      const r = await lab.ctl(1, "standby");
      assert.equal(r.code, 0, r.out);
      const lost = await stream;
      assert.ok(lost <= 2, `${lost} pings lost during standby`);
      assert.deepEqual(await lab.holders(VIP, 2), [2]);
      assert.ok(
        await b.waitFor(/BACKUP -> MASTER \(master bowing out\)/, 100),
        b.output,
      );
      await sleep(2500); // standby holds: no preemption back
      assert.deepEqual(await lab.holders(VIP, 2), [2]);
      const s = (await lab.status(1)).vhids[0]!;
      assert.ok(s.standby && s.advskew?.effective === 254, JSON.stringify(s));
      a.signal("SIGHUP"); // standby survives a reload
      assert.ok(await a.waitFor(/reloaded /, 2000), a.output);
      assert.ok((await lab.status(1)).vhids[0]!.standby);
      assert.equal((await Deno.stat(lab.socket(1))).mode! & 0o777, 0o600);

      const back = pingStream(lab, 300);
      await sleep(500);
      assert.equal((await lab.ctl(1, "resume")).code, 0);
      assert.ok(
        await a.waitFor(/BACKUP -> MASTER \(preemption\)/, 3000),
        a.output,
      );
      const lostBack = await back;
      assert.ok(
        lostBack <= 2,
        `${lostBack} pings lost when mastership came back`,
      );
      assert.deepEqual(await lab.holders(VIP, 2), [1]);
    } finally {
      await lab.down();
    }
  },
});

Deno.test({
  name:
    "notify hooks arrive in order with their arguments, and a hook that sleeps 30 s delays nothing",
  ignore,
  async fn(): Promise<void> {
    const lab = await Lab.up(2);
    try {
      const log = `${lab.dir}/notify.log`;
      const hook = await lab.file(
        "notify.sh",
        `#!/bin/sh\necho "$*" >> ${log}\nenv > ${log}.env\nexec sleep 30\n`,
        0o755,
      );
      const a = await lab.carpd(
        1,
        vhidConfig({
          vip: VIP,
          advskew: 0,
          extra: `notify = ["${hook}", "first"]\nscript_timeout = 60`,
        }),
      );
      const b = await lab.carpd(2, vhidConfig({ vip: VIP, advskew: 50 }));
      const master = await a.waitFor(/BACKUP -> MASTER/, 8000);
      assert.ok(master, a.output);
      assert.ok(
        await eventually(() => lab.ping(VIP), 2000),
        "the VIP is served while the hook sleeps",
      );
      await sleep(1200);
      assert.deepEqual(
        await lab.holders(VIP, 2),
        [1],
        "adverts keep flowing while the hook sleeps",
      );
      await lab.ctl(1, "standby");
      assert.ok(
        await b.waitFor(/BACKUP -> MASTER \(master bowing out\)/, 500),
        "handover not delayed",
      );
      const lines = (await Deno.readTextFile(log)).trim().split("\n");
      // The second hook waits for the first (ordered per vhid): only one ran so far.
      assert.deepEqual(lines, ["first 7 INIT BACKUP eth0 10.213.0.50/24"]);
      const env = await Deno.readTextFile(`${log}.env`);
      assert.ok(
        env.length > 0 && !env.includes("s3cret"),
        "the password is not in a hook's environment",
      );
      const st = await lab.status(1);
      assert.equal(st.vhids[0]!.state, "BACKUP");
      a.signal("SIGKILL");
    } finally {
      await lab.down();
    }
  },
});
