/**
 * `carpd events` on a real group of two boxes: two readers at once each
 * get the current state of every vhid and group first, then every event
 * (demotions, transitions, the group's transition, its notify hook, a
 * reload) in the same order with the same numbers, none twice; a reload
 * neither breaks nor repeats the stream; a reader that stops reading gets
 * an overflow line and is closed while the others go on.
 */

import assert from "node:assert/strict";
import { request } from "../../src/control/mod.ts";
import {
  canBuildLab,
  eventually,
  Lab,
  type Proc,
  sleep,
  soleHolder,
} from "./lab.ts";

const CARPD = new URL("../../scripts/carpd", import.meta.url).pathname;

function config(
  lab: Lab,
  i: number,
  advskew: number,
  members = "[7, 8]",
): string {
  const vhid = (id: number, last: number): string => `
[[vhid]]
id = ${id}
interface = "eth0"
vips = ["${lab.net}.${last}/24"]
password = "events"
advbase = 1
advskew = ${advskew}
preempt = true
`;
  return `[daemon]
log_level = "info"
${vhid(7, 100)}${vhid(8, 101)}
[[group]]
name = "web"
vhids = ${members}
notify = ["/bin/sh", "-c", "echo \\"$@\\" >> ${lab.dir}/notify-h${i}.log", "notify"]
`;
}

function reader(lab: Lab, i: number): Proc {
  return lab.spawn(`events h${i}`, [
    CARPD,
    "events",
    "--socket",
    lab.socket(i),
  ]);
}

type Line = Record<string, unknown> & { seq: number; type: string };

function lines(p: Proc): Line[] {
  return p.lines.filter((l) => l.startsWith("{")).map((l) =>
    JSON.parse(l) as Line
  );
}

Deno.test({
  name:
    "carpd events: two readers, the state first, then every event in one order; a reload neither breaks nor repeats it; a slow reader overflows alone",
  ignore: !canBuildLab,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(): Promise<void> {
    const lab = await Lab.up(2);
    try {
      const h1 = await lab.carpd(1, config(lab, 1, 10), {
        CARPD_TEST_HOOKS: "1",
      });
      await lab.carpd(2, config(lab, 2, 100));
      await soleHolder(lab, `${lab.net}.100`, 1, 2, 10_000);
      await soleHolder(lab, `${lab.net}.101`, 1, 2, 5000);
      const a = reader(lab, 1);
      const b = reader(lab, 1);
      assert.ok(
        await eventually(
          () => lines(a).length >= 3 && lines(b).length >= 3,
          5000,
        ),
      );
      for (const r of [a, b]) {
        assert.deepEqual(lines(r).slice(0, 3).map((l) => [l.type, l.state]), [
          ["vhid_state", "MASTER"],
          ["vhid_state", "MASTER"],
          ["group_state", "MASTER"],
        ]);
      }
      const mark = Math.max(...lines(a).map((l) => l.seq));
      assert.equal((await lab.ctl(1, "standby", "--group", "web")).code, 0);
      assert.ok(
        await eventually(
          () =>
            lines(a).some((l) =>
              l.type === "group_transition" && l.to === "BACKUP"
            ),
          5000,
        ),
        JSON.stringify(lines(a)),
      );
      h1.signal("SIGHUP");
      assert.ok(
        await eventually(
          () => lines(a).some((l) => l.type === "reload" && l.ok === true),
          10_000,
        ),
      );
      assert.equal((await lab.ctl(1, "resume", "--group", "web")).code, 0);
      await soleHolder(lab, `${lab.net}.100`, 1, 2, 10_000);
      assert.ok(
        await eventually(
          () =>
            lines(a).filter((l) => l.type === "group_transition").length >= 2 &&
            lines(a).some((l) =>
              l.type === "hook" && l.hook === "notify" && l.group === "web"
            ),
          10_000,
        ),
      );
      await sleep(300);
      // Each reader's own first lines (the state) are numbered apart.
      const after = (r: Proc): Line[] =>
        lines(r).filter((l) => l.seq > mark && !l.type.endsWith("_state"));
      const seqs = after(a).map((l) => l.seq);
      assert.deepEqual(
        seqs,
        [...new Set(seqs)].sort((x, y) => x - y),
        "strictly increasing, none twice",
      );
      assert.deepEqual(after(b), after(a), "both readers saw the same events");
      const kinds = new Set(after(a).map((l) => l.type));
      for (
        const k of [
          "demotions",
          "transition",
          "group_transition",
          "reload",
          "hook",
        ]
      ) {
        assert.ok(kinds.has(k), `a ${k} event: ${[...kinds]}`);
      }
      const t = after(a).find((l) =>
        l.type === "transition" && l.to === "BACKUP"
      );
      assert.match(String(t?.reason), /standby/);

      // A reload that takes vhid 8 out of the group: it leaves the group
      // without stopping, and both stay MASTER.
      await Deno.writeTextFile(
        `${lab.dir}/h1.toml`,
        config(lab, 1, 10, "[7]").replace(
          "[daemon]\n",
          `[daemon]\ncontrol_socket = "${lab.socket(1)}"\n`,
        ),
      );
      const before = (await lab.status(1)).vhids.map((v) =>
        v.counters.transitions
      );
      const reloads = lines(a).filter((l) => l.type === "reload").length;
      h1.signal("SIGHUP");
      assert.ok(
        await eventually(
          () => lines(a).filter((l) => l.type === "reload").length > reloads,
          10_000,
        ),
      );
      const s = await lab.status(1);
      assert.deepEqual(s.groups?.map((g) => g.members), [["eth0/7"]]);
      assert.deepEqual(s.vhids.map((v) => [v.vhid, v.state, v.group]), [
        [7, "MASTER", "web"],
        [8, "MASTER", null],
      ]);
      assert.deepEqual(s.vhids.map((v) => v.counters.transitions), before);

      // A reader that never reads: its buffer overflows; the others go on.
      const slow = await Deno.connect({
        transport: "unix",
        path: lab.socket(1),
      });
      await slow.write(new TextEncoder().encode('{"command":"events"}\n'));
      await sleep(200);
      const burst = await request(
        lab.socket(1),
        { command: "test", action: "event_burst", count: 20_000 } as never,
      );
      assert.equal(burst.ok, true, JSON.stringify(burst));
      assert.ok(
        await eventually(
          () => lines(a).filter((l) => l.type === "test").length === 20_000,
          15_000,
        ),
        `the reader that keeps up got all: ${
          lines(a).filter((l) => l.type === "test").length
        }`,
      );
      // Only now does the slow one read: what it had waiting, then its end.
      const timer = setTimeout(() => slow.close(), 10_000);
      const text = await new Response(slow.readable).text().catch(() => "");
      clearTimeout(timer);
      const last = JSON.parse(text.trim().split("\n").at(-1)!) as Line;
      assert.equal(last.type, "overflow");
      assert.ok(text.split("\n").length < 20_000);
    } finally {
      await lab.down();
    }
  },
});
