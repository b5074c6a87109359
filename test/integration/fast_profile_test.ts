/**
 * The BFD-class profile (advbase 0, advskew 1/2: adverts every 3.9 ms,
 * master-down 23.4 ms) as it runs: realtime scheduling taken by itself,
 * the timing figures in status, and `carpd check` telling that a profile is
 * faster than the daemon has been able to keep.
 */

import assert from "node:assert/strict";
import { canBuildLab, eventually, Lab, sh, sleep, vhidConfig } from "./lab.ts";

const VIP = "10.213.0.50";
const ignore = !canBuildLab;
const CARPD = new URL("../../scripts/carpd", import.meta.url).pathname;

Deno.test({
  name:
    "fast profile: realtime by itself, timing figures in status, carpd check warns once timers ran late",
  ignore,
  async fn(): Promise<void> {
    const lab = await Lab.up(2);
    try {
      const master = await lab.carpd(
        1,
        vhidConfig({ vip: VIP, advbase: 0, advskew: 1 }),
      );
      assert.ok(await eventually(() => lab.has(1, VIP), 5000, 20));
      await lab.carpd(2, vhidConfig({ vip: VIP, advbase: 0, advskew: 2 }));
      await sleep(2000);
      const [m, b] = [await lab.status(1), await lab.status(2)];
      for (const s of [m, b]) {
        assert.equal(s.scheduling.mode, "auto");
        assert.equal(s.scheduling.realtime, true, JSON.stringify(s.scheduling));
        assert.match(s.scheduling.reason!, /vhid 7 on eth0 advertises every/);
      }
      const mv = m.vhids[0]!;
      const bv = b.vhids[0]!;
      assert.equal(mv.state, "MASTER");
      assert.equal(bv.state, "BACKUP");
      // The backup heard the master's adverts about 3.9 ms apart: the worst
      // gap is at least one interval. (Not bounded by master-down: this
      // CI's virtual machine stops a vCPU for tens of milliseconds now and
      // then, realtime or not; see the README's fast profile.)
      assert.ok(bv.worstAdvertGapMs >= 3.8, `gap ${bv.worstAdvertGapMs}`);
      assert.ok(bv.worstAdvertGapMs < 200, `gap ${bv.worstAdvertGapMs}`);
      assert.ok(mv.worstTimerLatenessMs >= 0);
      assert.ok(
        mv.worstTimerLatenessMs < 90,
        `late ${mv.worstTimerLatenessMs}`,
      );
      assert.equal(mv.worstAdvertGapMs, 0, "the master heard no one");

      // Stop the master for 100 ms: its timers fire that late, the backup
      // takes over, and both say so.
      master.signal("SIGSTOP");
      await sleep(100);
      master.signal("SIGCONT");
      assert.ok(
        await eventually(
          async () => (await lab.status(1)).vhids[0]!.state === "MASTER",
          3000,
          50,
        ),
        "preempts back",
      );
      const late = (await lab.status(1)).vhids[0]!;
      assert.ok(
        late.worstTimerLatenessMs >= 90,
        `late ${late.worstTimerLatenessMs}`,
      );
      assert.ok(
        late.warnings.some((w) =>
          /protocol timers fired up to \d+(\.\d)? ms late against adverts every 3.9 ms/
            .test(w)
        ),
        late.warnings.join("\n"),
      );
      const after = (await lab.status(2)).vhids[0]!;
      assert.ok(
        after.history.some((t) => t.to === "MASTER"),
        "the backup took over",
      );
      const check = await sh([CARPD, "check", "-c", `${lab.dir}/h1.toml`]);
      assert.match(
        check,
        /warning: vhid 7 on eth0 advertises every 3.9 ms, but the running daemon's timers have fired up to \d+/,
        check,
      );
      // A slower profile the same daemon has kept: no such warning.
      const slow = await lab.file(
        "slow.toml",
        vhidConfig({ vip: VIP, advbase: 1, advskew: 1 }).replace(
          "[daemon]\n",
          `[daemon]\ncontrol_socket = "${lab.socket(1)}"\n`,
        ),
      );
      assert.doesNotMatch(
        await sh([CARPD, "check", "-c", slow]),
        /warning: .*timers/,
      );
    } finally {
      await lab.down();
    }
  },
});
