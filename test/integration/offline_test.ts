/**
 * A fresh clone on a box that reaches no registry: the scripts say what is
 * missing and what to do within seconds, instead of hanging in npm; a
 * prepared checkout runs offline.
 */

import assert from "node:assert/strict";
import { canBuildLab, sh } from "./lab.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const NS = "carpoffline";
const decoder = new TextDecoder();

async function offline(
  argv: string[],
): Promise<{ code: number; out: string; ms: number }> {
  const started = performance.now();
  const r = await new Deno.Command("ip", {
    args: ["netns", "exec", NS, "timeout", "120", ...argv],
    stdout: "piped",
    stderr: "piped",
    env: { DENO_DIR: "/nonexistent", HOME: "/root" },
  }).output();
  return {
    code: r.code,
    out: decoder.decode(r.stdout) + decoder.decode(r.stderr),
    ms: performance.now() - started,
  };
}

/** A copy of the checkout's tracked files, as `git clone` would give. */
async function freshClone(dir: string): Promise<void> {
  const files = (await sh(["git", "-C", ROOT, "ls-files", "-z"])).split("\0")
    .filter((f) => f !== "");
  for (const f of files) {
    const to = `${dir}/${f}`;
    await Deno.mkdir(to.slice(0, to.lastIndexOf("/")), { recursive: true });
    await Deno.copyFile(`${ROOT}${f}`, to).catch(() => {}); // deleted in the tree
    const mode = (await Deno.stat(`${ROOT}${f}`).catch(() => null))?.mode;
    if (mode) await Deno.chmod(to, mode & 0o777);
  }
}

Deno.test({
  name:
    "offline, a fresh clone's scripts fail within seconds saying what to do; a prepared one runs",
  ignore: !canBuildLab,
  async fn(t): Promise<void> {
    const dir = await Deno.makeTempDir({ prefix: "carpd-clone-" });
    await sh(["ip", "netns", "del", NS]).catch(() => {});
    await sh(["ip", "netns", "add", NS]);
    try {
      await freshClone(dir);
      for (
        const script of ["scripts/carpd", "scripts/demo.sh", "scripts/test.sh"]
      ) {
        await t.step(`${script} without Deno`, async () => {
          const r = await offline([`${dir}/${script}`, "--version"]);
          assert.notEqual(r.code, 0, r.out);
          assert.ok(r.ms < 30_000, `took ${Math.round(r.ms)} ms`);
          assert.match(
            r.out,
            /Deno 2\.9\.6 \(not in \.tools\/ yet\) must be downloaded, but the npm registry .* does not answer/,
          );
          assert.match(
            r.out,
            /copy a\s+checkout prepared on a connected machine/,
          );
        });
      }
      await sh(["cp", "-a", `${ROOT}.tools/node_modules`, `${dir}/.tools/`]);
      await t.step(
        "scripts/carpd with Deno but without the npm packages",
        async () => {
          const r = await offline([`${dir}/scripts/carpd`, "--version"]);
          assert.notEqual(r.code, 0, r.out);
          assert.ok(r.ms < 30_000, `took ${Math.round(r.ms)} ms`);
          assert.match(
            r.out,
            /The npm packages pinned in deno\.json .* must be downloaded, but the npm registry/,
          );
        },
      );
      await sh(["cp", "-a", `${ROOT}.tools/deno-dir`, `${dir}/.tools/`]);
      await t.step("a prepared checkout runs offline", async () => {
        const r = await offline([`${dir}/scripts/carpd`, "--version"]);
        assert.equal(r.code, 0, r.out);
        assert.match(r.out, /^carpd \d+\.\d+\.\d+/);
      });
    } finally {
      await sh(["ip", "netns", "del", NS]).catch(() => {});
      await Deno.remove(dir, { recursive: true });
    }
  },
});
