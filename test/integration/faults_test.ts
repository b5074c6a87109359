/**
 * Faults: split brain and its healing, a flapping link, a crashed master,
 * reload storms, and a compressed soak for leaks.
 */

import assert from "node:assert/strict";
import { canBuildLab, eventually, Lab, sleep, vhidConfig } from "./lab.ts";

const VIP = "10.213.0.50";
const ignore = !canBuildLab; // needs root and iproute2; scripts/test.sh runs it as root

async function mac(lab: Lab, i: number): Promise<string> {
  return (await lab.exec(lab.host(i), ["cat", "/sys/class/net/eth0/address"]))
    .trim();
}

Deno.test({
  name:
    "split brain: both become MASTER; healed, one MASTER within two advert intervals and the client follows it",
  ignore,
  async fn(): Promise<void> {
    const lab = await Lab.up(2);
    try {
      const a = await lab.carpd(1, vhidConfig({ vip: VIP, advskew: 0 }));
      const b = await lab.carpd(2, vhidConfig({ vip: VIP, advskew: 50 }));
      assert.ok(await a.waitFor(/BACKUP -> MASTER/, 8000));
      assert.ok(
        await eventually(async () => {
          const s = await lab.status(2);
          return s.vhids[0]!.state === "BACKUP" &&
            s.vhids[0]!.master === lab.address(1);
        }, 5000),
        "b hears a as MASTER",
      );
      const before = b.mark();
      await lab.split(1, 2);
      assert.ok(
        await b.waitFor(/BACKUP -> MASTER \(master down\)/, 6000, before),
        b.output,
      );
      assert.deepEqual(
        await lab.holders(VIP, 2),
        [1, 2],
        "split brain: both hold the VIP",
      );
      await lab.ping(VIP); // the client's neighbour entry now names whoever spoke last
      const healed = performance.now();
      await lab.heal();
      assert.ok(
        await eventually(
          async () => (await lab.holders(VIP, 2)).join() === "1",
          2 * 1200,
        ),
        "one MASTER within two advert intervals",
      );
      assert.ok(performance.now() - healed < 2 * 1200 + 300);
      assert.match(
        b.output,
        /MASTER -> BACKUP \(preferred master 10\.213\.0\.11\)/,
      );
      await sleep(300);
      assert.ok(
        await eventually(() => lab.ping(VIP), 2000),
        "pings reach the winner",
      );
      const neigh = await lab.exec(lab.client, ["ip", "neigh", "show", VIP]);
      assert.match(
        neigh,
        new RegExp(`lladdr ${await mac(lab, 1)}`),
        `client neighbour table: ${neigh}`,
      );
    } finally {
      await lab.down();
    }
  },
});

Deno.test({
  name:
    "a link flapping 20 times in 10 s ends with one MASTER, no leaked VIPs and no leaked processes",
  ignore,
  async fn(): Promise<void> {
    const lab = await Lab.up(2);
    try {
      const a = await lab.carpd(
        1,
        vhidConfig({ vip: VIP, advskew: 0, advbase: 0 }).replace(
          "advskew = 0",
          "advskew = 30",
        ),
      );
      const b = await lab.carpd(
        2,
        vhidConfig({ vip: VIP, advskew: 60, advbase: 0 }),
      );
      assert.ok(await a.waitFor(/BACKUP -> MASTER/, 5000));
      for (let k = 0; k < 20; k++) {
        await lab.cut(1);
        await sleep(250);
        await lab.plug(1);
        await sleep(250);
      }
      await sleep(2000);
      const states = [
        (await lab.status(1)).vhids[0]!.state,
        (await lab.status(2)).vhids[0]!.state,
      ];
      assert.deepEqual(states, ["MASTER", "BACKUP"]);
      assert.deepEqual(await lab.holders(VIP, 2), [1], "no leaked VIP");
      for (const p of [a, b]) {
        const children = Deno.readTextFileSync(
          `/proc/${p.pid}/task/${p.pid}/children`,
        ).trim();
        assert.equal(children, "", "no processes left by carpd");
      }
      assert.ok(
        (await lab.status(1)).vhids[0]!.counters.transitions >= 40,
        "it really flapped",
      );
    } finally {
      await lab.down();
    }
  },
});

Deno.test({
  name:
    "kill -9 of the master: the backup takes over on time; the restarted master removes its leftover VIP and rejoins",
  ignore,
  async fn(): Promise<void> {
    const lab = await Lab.up(2);
    try {
      const a = await lab.carpd(1, vhidConfig({ vip: VIP, advskew: 0 }));
      const b = await lab.carpd(2, vhidConfig({ vip: VIP, advskew: 50 }));
      assert.ok(await a.waitFor(/BACKUP -> MASTER/, 8000));
      await sleep(1200);
      const before = b.mark();
      const killed = Date.now();
      a.signal("SIGKILL");
      await a.exit();
      assert.ok(await lab.has(1, VIP), "a killed daemon cannot clean up");
      const took = await b.waitFor(
        /BACKUP -> MASTER \(master down\)/,
        6000,
        before,
      );
      assert.ok(took, b.output);
      const ms = Date.parse(took.split(" ")[0]!) - killed;
      assert.ok(
        ms <= 3195 + 300,
        `takeover ${ms} ms after the kill (master-down 3195 ms)`,
      );
      const a2 = await lab.carpd(1, vhidConfig({ vip: VIP, advskew: 0 }));
      assert.ok(await a2.waitFor(/INIT -> BACKUP/, 5000));
      assert.ok(
        await a2.waitFor(/BACKUP -> MASTER \(preemption\)/, 4000),
        a2.output,
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

Deno.test({
  name:
    "100 reloads alternating valid and invalid configs while serving: no flap, bad ones rejected",
  ignore,
  async fn(): Promise<void> {
    const lab = await Lab.up(1);
    try {
      const good = vhidConfig({ vip: VIP, advskew: 20, advbase: 0 });
      const a = await lab.carpd(1, good);
      assert.ok(await a.waitFor(/BACKUP -> MASTER/, 5000));
      const path = `${lab.dir}/h1.toml`;
      const valid = await Deno.readTextFile(path);
      // One at a time: each is validated in a process of its own, and HUPs
      // that come during a reload make one more reload, not one each.
      const outcomes = (): number =>
        a.lines.filter((l) => /reload(ed| rejected)/.test(l)).length;
      for (let k = 0; k < 100; k++) {
        await Deno.writeTextFile(
          path,
          k % 2 === 0 ? valid.replace("advskew = 20", "advskew = 999") : valid,
        );
        a.signal("SIGHUP");
        assert.ok(
          await eventually(() => outcomes() > k, 5000, 10),
          `reload ${k + 1} had no outcome`,
        );
      }
      assert.equal(a.lines.filter((l) => /reload rejected/.test(l)).length, 50);
      assert.equal(a.lines.filter((l) => /reloaded /.test(l)).length, 50);
      const s = (await lab.status(1)).vhids[0]!;
      assert.equal(s.state, "MASTER");
      assert.equal(
        s.counters.transitions,
        2,
        "INIT -> BACKUP -> MASTER, nothing since",
      );
      assert.ok(await lab.has(1, VIP));
    } finally {
      await lab.down();
    }
  },
});

function fds(pid: number): number {
  return [...Deno.readDirSync(`/proc/${pid}/fd`)].length;
}

/** The slope of the least-squares line through `ys` (per sample). */
function trend(ys: number[]): number {
  const n = ys.length;
  const mx = (n - 1) / 2;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  ys.forEach((y, x) => {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  });
  return num / den;
}

function rssMb(pid: number): number {
  return Number(
    /VmRSS:\s+(\d+)/.exec(Deno.readTextFileSync(`/proc/${pid}/status`))![1],
  ) / 1024;
}

Deno.test({
  name:
    "soak: 5 vhids at 16 ms adverts, 50 s measured after warm-up (about 5 hours of one vhid at 1 s): every advert heard, no fd growth, no memory trend",
  ignore,
  async fn(): Promise<void> {
    const lab = await Lab.up(2);
    try {
      const config = (skew: number): string => {
        let text = "";
        for (let v = 1; v <= 5; v++) {
          const one = vhidConfig({
            vip: `10.213.0.${50 + v}`,
            advskew: skew,
            advbase: 0,
            id: v,
          });
          text += v === 1 ? one : one.slice(one.indexOf("[[vhid]]"));
        }
        return text;
      };
      const a = await lab.carpd(1, config(4));
      const b = await lab.carpd(2, config(8));
      assert.ok(await eventually(() => lab.has(1, "10.213.0.55"), 5000));
      // V8 and the runtime grow to a working size over the first minute or
      // two, then stay: measure from there (at most 150 s of warm-up).
      const warm: number[] = [];
      for (let k = 0; k < 30; k++) {
        warm.push(rssMb(a.pid));
        const n = warm.length;
        if (n >= 7 && warm[n - 1]! - warm[n - 4]! < 0.5) break;
        await sleep(5000);
      }
      const sent0 = (await lab.status(1)).vhids.reduce(
        (n, v) => n + v.counters.advertsSent,
        0,
      );
      const heard0 = (await lab.status(2)).vhids.reduce(
        (n, v) => n + v.counters.advertsReceived,
        0,
      );
      // Sample every second; fit a line through all the samples.
      const rss: number[] = [];
      const afds: number[] = [];
      const bfds: number[] = [];
      for (let k = 0; k < 50; k++) {
        rss.push(rssMb(a.pid));
        afds.push(fds(a.pid));
        bfds.push(fds(b.pid));
        await sleep(1000);
      }
      const sa = await lab.status(1);
      const sb = await lab.status(2);
      const sent = sa.vhids.reduce((n, v) => n + v.counters.advertsSent, 0) -
        sent0;
      const heard = sb.vhids.reduce((n, v) =>
        n + v.counters.advertsReceived, 0) - heard0;
      assert.ok(sent > 10_000, `only ${sent} adverts sent`);
      assert.ok(
        heard >= sent * 0.99,
        `the backup heard ${heard} of ${sent} adverts`,
      );
      assert.deepEqual(new Set(afds).size, 1, `master's descriptors: ${afds}`);
      assert.deepEqual(new Set(bfds).size, 1, `backup's descriptors: ${bfds}`);
      const slope = trend(rss) * 60; // MB per minute
      const trace = rss.map((x) => x.toFixed(0)).join(" ");
      assert.ok(
        slope < 3,
        `resident memory grows ${slope.toFixed(2)} MB/min: ${trace}`,
      );
      assert.ok(
        Math.max(...rss) < 128,
        `resident memory reached ${Math.max(...rss).toFixed(0)} MB`,
      );
      assert.ok(
        sa.vhids.every((v) => v.counters.transitions === 2),
        "no flap under load",
      );
      // deno-lint-ignore no-console
      console.log(
        `  warm-up ${warm.length * 5} s (${
          warm.map((x) => x.toFixed(0)).join(" ")
        } MB); then ${sent} adverts sent, ${heard} heard; memory trend ${
          slope.toFixed(2)
        } MB/min (${trace})`,
      );
      // This CI's virtual machine stops a vCPU for 10 to 40 ms now and then
      // (the bench's floor row): carpd says so when a 16 ms profile is hit,
      // which is right, and only that.
      const timing =
        /\[WARNING\] vhid \d+: (protocol timers fired|a peer's adverts arrived) up to/;
      const lines = (a.output + b.output).split("\n");
      for (const l of lines.filter((l) => timing.test(l))) {
        // deno-lint-ignore no-console
        console.log(`  ${l}`);
      }
      const other = lines.filter((l) =>
        /ERROR|WARNING/.test(l) && !timing.test(l)
      );
      assert.deepEqual(other, []);
    } finally {
      await lab.down();
    }
  },
});
