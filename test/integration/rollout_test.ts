/**
 * Changes rolled out box by box, the way admins roll them (edit and reload
 * one box, a few seconds later the next): a VIP added MASTER first, the
 * password rotated MASTER first, a VIP added BACKUP first. Sampled every
 * 100 ms, the VIP stays on the MASTER alone the whole time, no box changes
 * state, and the new VIP comes up on the MASTER alone. Without the
 * roll-out window each would split the group (the backups drop the
 * master's adverts as bad_hmac and take over after master-down).
 */

import assert from "node:assert/strict";
import { canBuildLab, eventually, Lab, type Proc, sleep } from "./lab.ts";

const ignore = !canBuildLab;
const VIP = "10.213.0.50";
const VIP2 = "10.213.0.51";
const VIP3 = "10.213.0.52";
/** More than master-down (3.2 s at advbase 1): a split would show. */
const BETWEEN_MS = 4500;

function config(i: number, vips: string[], password: string): string {
  return `[daemon]
log_level = "info"

[[vhid]]
id = 7
interface = "eth0"
vips = ${JSON.stringify(vips.map((v) => `${v}/24`))}
password = "${password}"
advskew = ${(i - 1) * 50}
preempt = true
`;
}

/** Samples who holds each address every 100 ms until stopped. */
class Sampler {
  readonly samples: { at: number; holders: Record<string, number[]> }[] = [];
  #running = true;
  readonly #done: Promise<void>;

  constructor(lab: Lab, addresses: string[], n: number) {
    this.#done = (async () => {
      for (let k = 0; this.#running && k < 10_000; k++) {
        const at = performance.now();
        const holders: Record<string, number[]> = {};
        for (const a of addresses) holders[a] = await lab.holders(a, n);
        this.samples.push({ at, holders });
        await sleep(Math.max(0, 100 - (performance.now() - at)));
      }
    })();
  }

  async stop(): Promise<void> {
    this.#running = false;
    await this.#done;
  }
}

async function reload(
  lab: Lab,
  procs: Proc[],
  i: number,
  vips: string[],
  password: string,
): Promise<void> {
  await Deno.writeTextFile(
    `${lab.dir}/h${i}.toml`,
    config(i, vips, password).replace(
      "[daemon]\n",
      `[daemon]\ncontrol_socket = "${lab.socket(i)}"\n`,
    ),
  );
  const mark = procs[i - 1]!.mark();
  procs[i - 1]!.signal("SIGHUP");
  assert.ok(
    await procs[i - 1]!.waitFor(/reloaded .*1 updated in place/, 3000, mark),
    procs[i - 1]!.output,
  );
}

Deno.test({
  name:
    "roll-outs box by box (a VIP added MASTER first, the password rotated MASTER first, a VIP added BACKUP first): the VIP on the MASTER alone at every 100 ms sample, no transition",
  ignore,
  async fn(): Promise<void> {
    const lab = await Lab.up(3);
    try {
      const procs: Proc[] = [];
      for (let i = 1; i <= 3; i++) {
        procs.push(await lab.carpd(i, config(i, [VIP], "first")));
      }
      assert.ok(
        await eventually(
          async () => (await lab.holders(VIP, 3)).join() === "1",
          10_000,
          100,
        ),
        procs[0]!.output,
      );
      await sleep(1500); // every box has heard the master
      const transitions = procs.map((p) =>
        p.lines.filter((l) => / -> /.test(l)).length
      );
      const sampler = new Sampler(lab, [VIP, VIP2, VIP3], 3);
      const phases: [string, number[], string[], string][] = [
        ["VIP added, MASTER first", [1, 2, 3], [VIP, VIP2], "first"],
        ["password rotated, MASTER first", [1, 2, 3], [VIP, VIP2], "second"],
        ["VIP added, BACKUP first", [3, 2, 1], [VIP, VIP2, VIP3], "second"],
      ];
      const marks: number[] = [];
      for (const [, order, vips, password] of phases) {
        marks.push(sampler.samples.length);
        for (const i of order) {
          await reload(lab, procs, i, vips, password);
          await sleep(BETWEEN_MS);
        }
      }
      await sampler.stop();
      marks.push(sampler.samples.length);

      for (let p = 0; p < phases.length; p++) {
        const [name, , vips] = phases[p]!;
        const window = sampler.samples.slice(marks[p], marks[p + 1]);
        assert.ok(window.length >= 100, `${name}: ${window.length} samples`);
        for (const s of window) {
          assert.deepEqual(
            s.holders[VIP],
            [1],
            `${name}: ${VIP} on h1 alone at every sample, got ${
              JSON.stringify(s.holders)
            }`,
          );
          for (const v of [VIP2, VIP3]) {
            assert.ok(
              s.holders[v]!.every((h) => h === 1),
              `${name}: ${v} never on a box but h1: ${
                JSON.stringify(s.holders)
              }`,
            );
          }
        }
        const last = window.at(-1)!;
        for (const v of vips) {
          assert.deepEqual(
            last.holders[v],
            [1],
            `${name}: ${v} on h1 at the end`,
          );
        }
      }
      procs.forEach((p, i) => {
        assert.equal(
          p.lines.filter((l) => / -> /.test(l)).length,
          transitions[i],
          `h${i + 1} changed state:\n${p.output}`,
        );
        assert.ok(
          !p.lines.some((l) => /dropped packet .*bad_hmac/.test(l)),
          `h${i + 1} logged no bad_hmac:\n${p.output}`,
        );
      });
      const s = (await lab.status(2)).vhids[0]!;
      assert.equal(s.state, "BACKUP");
      assert.equal(s.rollout?.open, true);
      assert.deepEqual(s.rollout?.mastersOnEarlierKey, []);

      // carpd check -c NEW says what a reload of the running daemon would do.
      const next = await lab.file(
        "next.toml",
        config(1, [VIP, VIP2], "third").replace(
          "[daemon]\n",
          `[daemon]\ncontrol_socket = "${lab.socket(1)}"\n`,
        ),
      );
      const check = await new Deno.Command(
        new URL("../../scripts/carpd", import.meta.url).pathname,
        { args: ["check", "-c", next], stdout: "piped", stderr: "piped" },
      ).output();
      const said = new TextDecoder().decode(check.stdout);
      assert.equal(check.code, 0, said);
      assert.match(
        said,
        /a reload of the daemon running now \(pid \d+\) would do:\n {4}vhid 7 on eth0: updated in place; a roll-out window opens for 600 s \(password, 10\.213\.0\.52\/24 dropped\)/,
      );
      // deno-lint-ignore no-console
      console.log(
        `  ${sampler.samples.length} samples over three roll-outs, VIP on h1 alone in each; h2 counted ${s.counters.drops.other_key} copies under a key it did not have yet`,
      );
    } finally {
      await lab.down();
    }
  },
});
