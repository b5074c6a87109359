/**
 * scripts/build.sh and scripts/install.sh, staged into a directory.
 */

import assert from "node:assert/strict";
import { canBuildLab } from "./lab.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const decoder = new TextDecoder();

async function run(
  argv: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; out: string }> {
  const r = await new Deno.Command(argv[0]!, {
    args: argv.slice(1),
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    code: r.code,
    out: decoder.decode(r.stdout) + decoder.decode(r.stderr),
  };
}

Deno.test({
  name:
    "scripts/build.sh builds dist/carpd, or says why not and leaves no file",
  ignore: !canBuildLab, // runs as root in scripts/test.sh, like the other install tests
  async fn(): Promise<void> {
    const before = await Deno.stat(`${ROOT}dist/carpd`).then(
      () => true,
      () => false,
    );
    const r = await run([`${ROOT}scripts/build.sh`]);
    if (r.code === 0) {
      const v = await run([`${ROOT}dist/carpd`, "--version"]);
      assert.match(v.out, /^carpd \d/);
    } else {
      assert.match(
        r.out,
        /cannot build dist\/carpd here: deno compile needs Deno's/,
      );
      assert.equal(
        await Deno.stat(`${ROOT}dist/carpd`).then(() => true, () => false),
        before,
      );
      const leftovers = [...Deno.readDirSync(`${ROOT}`)].filter((e) =>
        e.name.includes(".tmp-")
      );
      assert.deepEqual(leftovers, []);
    }
  },
});

Deno.test({
  name:
    "scripts/install.sh installs carpd, the unit and a 0600 config, and never overwrites a config",
  ignore: !canBuildLab,
  async fn(): Promise<void> {
    const stage = await Deno.makeTempDir({ prefix: "carpd-install-" });
    try {
      const first = await run([`${ROOT}scripts/install.sh`], {
        DESTDIR: stage,
      });
      assert.equal(first.code, 0, first.out);
      const unit = await Deno.readTextFile(
        `${stage}/etc/systemd/system/carp.service`,
      );
      assert.match(
        unit,
        /^ExecStart=\/usr\/local\/bin\/carpd run -c \/etc\/carp\/carp\.toml$/m,
      );
      assert.equal(
        (await Deno.stat(`${stage}/etc/carp/carp.toml`)).mode! & 0o777,
        0o600,
      );
      assert.equal((await Deno.stat(`${stage}/etc/carp`)).mode! & 0o777, 0o700);
      const bin = `${stage}/usr/local/bin/carpd`;
      const wrapper = await Deno.readTextFile(bin);
      const binary = !wrapper.startsWith("#!");
      // A source install's wrapper names its final paths; aim it at the stage.
      const exe = binary ? bin : `${stage}/carpd-staged`;
      if (!binary) {
        assert.match(wrapper, /--cached-only/, "never downloads at run time");
        await Deno.writeTextFile(
          exe,
          wrapper.replaceAll(
            "/usr/local/lib/carpd",
            `${stage}/usr/local/lib/carpd`,
          )
            .replace(
              "DENO_DIR=/var/cache/carpd/deno",
              `DENO_DIR=${stage}/cache`,
            ),
          { mode: 0o755 },
        );
        const vendor = [
          ...Deno.readDirSync(`${stage}/usr/local/lib/carpd/vendor`),
        ]
          .map((e) => e.name).sort();
        assert.deepEqual(
          vendor.map((n) => n.replace(/@.*/, "")),
          ["smol-toml", "zod"],
          "only what main.ts imports",
        );
      }
      const env = { HOME: "/nonexistent", DENO_DIR: "/nonexistent" };
      const v = await run([exe, "--version"], env);
      assert.match(
        v.out,
        /carpd \d+\.\d+\.\d+/,
        "runs without a home directory, as under ProtectHome",
      );
      const check = await run([
        exe,
        "check",
        "-c",
        `${stage}/etc/carp/carp.toml`,
      ], env);
      assert.equal(
        check.code,
        78,
        "the example names a password file that does not exist yet",
      );
      assert.match(
        check.out,
        /vhid\[0\]\.password_file: "\/etc\/carp\/vhid3\.key" cannot be read/,
      );

      await Deno.writeTextFile(`${stage}/etc/carp/carp.toml`, "# mine\n");
      const second = await run([`${ROOT}scripts/install.sh`], {
        DESTDIR: stage,
      });
      assert.equal(second.code, 0, second.out);
      assert.match(second.out, /kept the existing \/etc\/carp\/carp\.toml/);
      assert.equal(
        await Deno.readTextFile(`${stage}/etc/carp/carp.toml`),
        "# mine\n",
      );
    } finally {
      await Deno.remove(stage, { recursive: true });
    }
  },
});
