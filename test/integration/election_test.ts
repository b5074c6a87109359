/**
 * Elections without churn: one successor per bow-out in a group of four,
 * the planned handover's outage, and demotions that move the VIP with
 * default settings (to a backup that does not preempt, ucarp without -P
 * included), and still serve when every box is failing.
 */

import assert from "node:assert/strict";
import {
  canBuildLab,
  eventually,
  Lab,
  PingStream,
  sleep,
  vhidConfig,
} from "./lab.ts";

const VIP = "10.213.0.50";
const ignore = !canBuildLab;

function stamp(line: string): number {
  return Date.parse(line.split(" ")[0]!);
}

Deno.test({
  name:
    "a bow-out in a group of four (advskew 0/30/60/90): one successor, its up script once, within 30 ms",
  ignore,
  async fn(): Promise<void> {
    const lab = await Lab.up(4);
    try {
      const procs = [];
      for (const [i, skew] of [[1, 0], [2, 30], [3, 60], [4, 90]] as const) {
        const up = await lab.file(
          `up${i}`,
          `#!/bin/sh\necho "$1 $2" >> ${lab.dir}/ups-h${i}\n`,
          0o755,
        );
        procs.push(
          await lab.carpd(
            i,
            vhidConfig({
              vip: VIP,
              advskew: skew,
              preempt: false,
              extra: `up_script = "${up}"\n`,
            }),
          ),
        );
      }
      const [a, b] = procs as [typeof procs[0], typeof procs[0]];
      assert.ok(await a.waitFor(/BACKUP -> MASTER/, 8000), a.output);
      await sleep(1500);
      for (const p of procs.slice(1)) {
        assert.doesNotMatch(p.output, /-> MASTER/, p.output);
      }
      const marks = procs.map((p) => p.mark());
      a.signal("SIGTERM");
      assert.equal((await a.exit()).code, 0);
      const stop = (await a.waitFor(/stopping \(SIGTERM\)/, 100))!;
      const took = await b.waitFor(
        /BACKUP -> MASTER \(master bowing out\)/,
        2000,
        marks[1],
      );
      assert.ok(took, b.output);
      await sleep(2000);
      const ms = stamp(took) - stamp(stop);
      assert.ok(ms <= 30, `the best backup took ${ms} ms`);
      for (const [k, p] of procs.entries()) {
        if (k < 2) continue;
        const after = p.lines.slice(marks[k]);
        assert.ok(
          !after.some((l) => /-> MASTER/.test(l)),
          `h${k + 1} stayed BACKUP: ${after.join("\n")}`,
        );
      }
      const ups = await Promise.all(
        [2, 3, 4].map((i) =>
          Deno.readTextFile(`${lab.dir}/ups-h${i}`).catch(() => "")
        ),
      );
      assert.deepEqual(
        ups.map((u) => u.split("\n").filter((l) => l !== "").length),
        [1, 0, 0],
        "the up script ran once in the whole group",
      );
      assert.deepEqual(await lab.holders(VIP, 4), [2]);
    } finally {
      await lab.down();
    }
  },
});

Deno.test({
  name:
    "planned handover to a backup at advskew 100: under 30 ms, and the old master serves until then (2 ms pings, gap under 15 ms)",
  ignore,
  async fn(): Promise<void> {
    const lab = await Lab.up(2);
    try {
      const a = await lab.carpd(1, vhidConfig({ vip: VIP, advskew: 0 }));
      const b = await lab.carpd(2, vhidConfig({ vip: VIP, advskew: 100 }));
      assert.ok(await a.waitFor(/BACKUP -> MASTER/, 8000), a.output);
      await sleep(1500);
      const pings = new PingStream(lab, VIP, 0.002);
      assert.ok(await eventually(() => pings.flowing(), 3000));
      const mark = b.mark();
      const from = Date.now();
      const r = await lab.ctl(1, "standby");
      assert.equal(r.code, 0, r.out);
      const took = await b.waitFor(
        /BACKUP -> MASTER \(master bowing out\)/,
        2000,
        mark,
      );
      assert.ok(took, b.output);
      const standby = (await a.waitFor(/MASTER -> BACKUP \(standby\)/, 1000))!;
      const ms = stamp(took) - stamp(standby);
      await sleep(1000);
      const gap = pings.gapSince(from);
      await pings.stop();
      assert.ok(ms <= 30, `the backup took ${ms} ms`);
      assert.ok(gap < 15, `the client saw a ${gap} ms gap`);
      // deno-lint-ignore no-console
      console.log(`  handover to advskew 100: ${ms} ms, client gap ${gap} ms`);
    } finally {
      await lab.down();
    }
  },
});

const failing = (flag: string): string => `
[[check]]
name = "service"
command = ["test", "-e", "${flag}"]
interval = 0.5
timeout = 1
fall = 2
rise = 2
`;

Deno.test({
  name:
    "a failing check (default demote 100) moves the VIP to a backup at advskew 100 that does not preempt, and warns",
  ignore,
  async fn(): Promise<void> {
    const lab = await Lab.up(2);
    try {
      const flag = await lab.file("ok", "");
      const a = await lab.carpd(
        1,
        vhidConfig({ vip: VIP, advskew: 0 }) + failing(flag),
      );
      const b = await lab.carpd(
        2,
        vhidConfig({ vip: VIP, advskew: 100, preempt: false }),
      );
      assert.ok(await a.waitFor(/BACKUP -> MASTER/, 8000), a.output);
      await sleep(1500);
      await Deno.remove(flag);
      assert.ok(
        await a.waitFor(/MASTER -> BACKUP \(demoted by check [^)]+\)/, 3000),
        a.output,
      );
      assert.ok(
        await b.waitFor(/BACKUP -> MASTER \(master bowing out\)/, 2000),
        b.output,
      );
      await sleep(3000);
      assert.deepEqual(
        await lab.holders(VIP, 2),
        [2],
        "the VIP moved and stayed",
      );
      const s = (await lab.status(1)).vhids[0]!;
      assert.equal(s.state, "BACKUP");
      assert.match(
        s.warnings[0] ?? "",
        /no worse than 10\.213\.0\.12 \(advskew 100\)/,
      );
      assert.deepEqual(s.peers.map((p) => [p.address, p.advskew]), [[
        "10.213.0.12",
        100,
      ]]);
      assert.ok(
        await a.waitFor(
          /demoted to advskew 100, no worse than 10\.213\.0\.12/,
          100,
        ),
      );
      // Healthy again: with preempt it takes the VIP back.
      await Deno.writeTextFile(flag, "");
      assert.ok(
        await a.waitFor(/BACKUP -> MASTER \(preemption\)/, 4000),
        a.output,
      );
    } finally {
      await lab.down();
    }
  },
});

Deno.test({
  name:
    "a failing check moves the VIP to real ucarp without -P, and when every box fails, one still serves",
  ignore,
  async fn(): Promise<void> {
    const lab = await Lab.up(2);
    try {
      const flag = await lab.file("ok", "");
      const a = await lab.carpd(
        1,
        vhidConfig({ vip: VIP, advskew: 0 }) + failing(flag),
      );
      assert.ok(await a.waitFor(/BACKUP -> MASTER/, 8000), a.output);
      const up = await lab.file(
        "up",
        '#!/bin/sh\nexec ip addr add "$2"/24 dev "$1"\n',
        0o755,
      );
      const down = await lab.file(
        "down",
        '#!/bin/sh\nexec ip addr del "$2"/24 dev "$1"\n',
        0o755,
      );
      const u = lab.spawn("ucarp h2", [
        "ip",
        "netns",
        "exec",
        lab.host(2),
        "ucarp",
        "-i",
        "eth0",
        "-s",
        lab.address(2),
        "-v",
        "7",
        "-p",
        "s3cret",
        "-a",
        VIP,
        "-u",
        up,
        "-d",
        down,
        "-k",
        "100",
        "-z",
      ]);
      await sleep(4500);
      assert.doesNotMatch(u.output, /Switching to state: MASTER/, u.output);
      await Deno.remove(flag);
      assert.ok(
        await a.waitFor(/MASTER -> BACKUP \(demoted by check [^)]+\)/, 3000),
        a.output,
      );
      assert.ok(await u.waitFor(/Switching to state: MASTER/, 3000), u.output);
      await sleep(2000);
      assert.deepEqual(await lab.holders(VIP, 2), [2], "ucarp holds the VIP");
      assert.ok(await eventually(() => lab.ping(VIP), 2000));
      u.signal("SIGTERM");
      await u.exit();
    } finally {
      await lab.down();
    }
    // Every box failing its check: the first to fail hands over, the other,
    // already failing, serves on.
    const lab2 = await Lab.up(2);
    try {
      const fa = await lab2.file("a-ok", "");
      const fb = await lab2.file("b-ok", "");
      const a = await lab2.carpd(
        1,
        vhidConfig({ vip: VIP, advskew: 0 }) + failing(fa),
      );
      const b = await lab2.carpd(
        2,
        vhidConfig({ vip: VIP, advskew: 50 }) + failing(fb),
      );
      assert.ok(await a.waitFor(/BACKUP -> MASTER/, 8000), a.output);
      await Deno.remove(fb);
      await sleep(2000);
      await Deno.remove(fa);
      await sleep(6000);
      const holders = await lab2.holders(VIP, 2);
      assert.equal(holders.length, 1, `one box serves: ${holders}`);
      assert.ok(await lab2.ping(VIP));
      const flips = [a, b].map((p) =>
        p.lines.filter((l) => /-> MASTER/.test(l)).length
      );
      assert.ok(flips[0]! + flips[1]! <= 4, `no ping-pong: ${flips}`);
      await sleep(3000);
      assert.deepEqual(
        await lab2.holders(VIP, 2),
        holders,
        "and keeps serving",
      );
    } finally {
      await lab2.down();
    }
  },
});
