/**
 * The shell under load and under failure: an atomic reload, and timers that
 * stay on time while 255 vhids change state at once.
 */

import assert from "node:assert/strict";
import { canBuildLab, eventually, Lab, sleep, vhidConfig } from "./lab.ts";
import { request } from "../../src/control/client.ts";

const VIP = "10.213.0.50";
const ignore = !canBuildLab;

Deno.test({
  name:
    "a reload whose new vhid cannot be set up changes nothing and says so (log, STATUS, status)",
  ignore,
  async fn(): Promise<void> {
    const lab = await Lab.up(2);
    try {
      // One multicast membership per socket: a second group cannot be joined.
      await lab.exec(lab.host(1), [
        "sysctl",
        "-qw",
        "net.ipv4.igmp_max_memberships=1",
      ]);
      const a = await lab.carpd(1, vhidConfig({ vip: VIP, advskew: 0 }));
      assert.ok(await a.waitFor(/BACKUP -> MASTER/, 8000), a.output);
      const path = `${lab.dir}/h1.toml`;
      const first = await Deno.readTextFile(path);
      await Deno.writeTextFile(
        path,
        first.replace('password = "s3cret"', 'password = "changed"') + `
[[vhid]]
id = 8
interface = "eth0"
vips = ["10.213.0.51/24"]
password = "other"
group = "224.0.0.19"
`,
      );
      a.signal("SIGHUP");
      assert.ok(
        await a.waitFor(
          /reload rejected, running config kept: .*IP_ADD_MEMBERSHIP.*ENOBUFS/,
          3000,
        ),
        a.output,
      );
      const s = await lab.status(1);
      assert.equal(s.reload.ok, false);
      assert.match(s.reload.error!, /ENOBUFS/);
      assert.deepEqual(s.vhids.map((v) => [v.vhid, v.state]), [[7, "MASTER"]]);
      assert.equal(
        a.lines.filter((l) => /vhid 7: [A-Z]+ -> [A-Z]+/.test(l)).length,
        2,
        "vhid 7 was not restarted",
      );
      const text = await lab.ctl(1, "status");
      assert.match(text.out, /last reload FAILED: .*ENOBUFS/);
      // The old password is still the one in use: a peer with it agrees.
      const b = await lab.carpd(2, vhidConfig({ vip: VIP, advskew: 50 }));
      await sleep(4000);
      const peer = await lab.status(2);
      assert.equal(peer.vhids[0]!.state, "BACKUP", b.output);
      assert.equal(peer.vhids[0]!.counters.drops.bad_hmac, 0);
      assert.ok(peer.vhids[0]!.counters.advertsReceived > 0);
      // A good file afterwards is taken, and the failure is cleared.
      await Deno.writeTextFile(
        path,
        first.replace("advskew = 0", "advskew = 5"),
      );
      a.signal("SIGHUP");
      assert.ok(
        await a.waitFor(/reloaded .*1 updated in place/, 3000),
        a.output,
      );
      assert.equal((await lab.status(1)).reload.ok, true);
    } finally {
      await lab.down();
    }
  },
});

Deno.test({
  name:
    "255 vhids becoming MASTER at once, then bowing out at once: timers stay on time",
  ignore,
  async fn(): Promise<void> {
    const lab = await Lab.up(1);
    try {
      let config = `[daemon]\nlog_level = "warning"\n`;
      for (let id = 1; id <= 255; id++) {
        config += `
[[vhid]]
id = ${id}
interface = "eth0"
vips = ["10.214.${id >> 4}.${(id & 15) + 1}/32"]
password = "s3cret"
advskew = 0
`;
      }
      const a = await lab.carpd(1, config);
      let status = await (async () => {
        for (let i = 0; i < 100; i++) {
          try {
            const s = await lab.status(1);
            if (s.vhids.every((v) => v.state === "MASTER")) return s;
          } catch {
            // not listening yet
          }
          await sleep(200);
        }
        return await lab.status(1);
      })();
      assert.ok(
        status.vhids.every((v) => v.state === "MASTER"),
        a.output.slice(-2000),
      );
      const takeover = status.worstTimerLatenessMs;
      const r = await lab.ctl(1, "standby");
      assert.equal(r.code, 0, r.out);
      assert.ok(
        await eventually(async () => {
          status = await lab.status(1);
          return status.vhids.every((v) => v.state === "BACKUP");
        }, 5000),
      );
      await sleep(2000); // the next round of adverts and master-down timers
      status = await lab.status(1);
      // deno-lint-ignore no-console
      console.log(
        `  worst timer lateness: ${takeover} ms after 255 takeovers at once, ${status.worstTimerLatenessMs} ms after 255 bow-outs`,
      );
      assert.ok(
        status.worstTimerLatenessMs < 150,
        `a timer fired ${status.worstTimerLatenessMs} ms late`,
      );
      const vips = async (): Promise<number> =>
        (await lab.exec(lab.host(1), [
          "ip",
          "-4",
          "-o",
          "addr",
          "show",
          "dev",
          "eth0",
        ])).split("\n").filter((l) => / 10\.214\./.test(l)).length;
      // No successor answered: make before break kept every VIP on.
      assert.equal(await vips(), 255, "no VIP dropped without a successor");
      const stopping = performance.now();
      a.signal("SIGTERM");
      assert.equal((await a.exit(10_000)).code, 0, a.output.slice(-2000));
      const stopMs = Math.round(performance.now() - stopping);
      assert.equal(await vips(), 0, "every VIP released on stop");
      assert.ok(stopMs < 5000, `stopping took ${stopMs} ms`);
    } finally {
      await lab.down();
    }
  },
});

Deno.test({
  name:
    "a VIP the kernel will not add: the vhid never claims MASTER, the peer serves, and it retries",
  ignore,
  async fn(): Promise<void> {
    const lab = await Lab.up(2);
    try {
      const a = await lab.carpd(1, vhidConfig({ vip: VIP, advskew: 0 }), {
        CARPD_TEST_HOOKS: "1",
      });
      assert.ok(await a.waitFor(/INIT -> BACKUP/, 5000), a.output);
      const refuse = await request(lab.socket(1), {
        command: "test",
        action: "refuse_addresses",
        on: true,
      });
      assert.ok(refuse.ok, JSON.stringify(refuse));
      const b = await lab.carpd(2, vhidConfig({ vip: VIP, advskew: 50 }));
      assert.ok(
        await a.waitFor(
          /vhid 7: BACKUP -> FAULT \(cannot add VIPs: .*EPERM.*retrying in 1 s\)/,
          6000,
        ),
        a.output,
      );
      assert.doesNotMatch(a.output, /-> MASTER/, "MASTER was never announced");
      assert.ok(
        await b.waitFor(
          /BACKUP -> MASTER \((master bowing out|master down)\)/,
          6000,
        ),
        b.output,
      );
      assert.ok(
        await eventually(
          async () => (await lab.holders(VIP, 2)).join() === "2",
          2000,
        ),
        "only the peer holds the VIP",
      );
      const s = (await lab.status(1)).vhids[0]!;
      assert.ok(s.state === "FAULT" || s.state === "BACKUP");
      assert.ok(
        await eventually(() => lab.ping(VIP), 3000),
        "clients reach the peer",
      );
      await request(lab.socket(1), {
        command: "test",
        action: "refuse_addresses",
        on: false,
      });
      assert.ok(
        await a.waitFor(/BACKUP -> MASTER \(preemption\)/, 70_000),
        a.output,
      );
      assert.ok(
        await eventually(
          async () => (await lab.holders(VIP, 2)).join() === "1",
          2000,
        ),
      );
    } finally {
      await lab.down();
    }
  },
});
