/**
 * carpd as a Debian package: scripts/package.sh builds the .deb, lintian and
 * mandoc accept it and its manual pages, and apt installs it offline into a
 * Debian box booted under its own systemd (the one installed_test.ts uses),
 * where carp.service is enabled but not started until there is a config,
 * then runs MASTER with its VIP, is restarted by a reinstall, stopped by a
 * removal and forgotten, with /etc/carp, by a purge.
 */

import assert from "node:assert/strict";
import {
  cabledNamespaces,
  canBootContainer,
  Container,
  deleteNamespaces,
  ensureRootfs,
} from "./container.ts";
import { eventually, sh } from "./lab.ts";
import { VERSION } from "../../src/version.ts";

const ROOT = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");
// Not installed_test's names (carpsd-box, carpsd-peer, carpd-box).
const BOX_NS = "carpsd-pkg";
const LINK_NS = "carpsd-pkglink";
const MACHINE = "carpd-pkgbox";
const NET = "10.216.0";
const BOX = `${NET}.1`;
const VIP = `${NET}.100`;
const VIP_RE = new RegExp(` ${VIP.replaceAll(".", "\\.")}/24 `);

/** Whether a program is on PATH. */
async function have(program: string): Promise<boolean> {
  return await sh(["which", program]).then(() => true, () => false);
}

const ignore = !(await canBootContainer()) || !(await have("dpkg-deb"));

const CONFIG = `[daemon]
log_level = "info"

[[vhid]]
id = 3
interface = "eth1"
vips = ["${VIP}/24"]
password_file = "/etc/carp/vhid3.key"
advbase = 1
advskew = 0
preempt = true
`;

/** A command's exit code and its output, stdout then stderr. */
async function run(
  argv: string[],
): Promise<{ code: number; out: string }> {
  const r = await new Deno.Command(argv[0]!, {
    args: argv.slice(1),
    stdout: "piped",
    stderr: "piped",
  }).output();
  const d = new TextDecoder();
  return { code: r.code, out: d.decode(r.stdout) + d.decode(r.stderr) };
}

async function netns(): Promise<void> {
  // The other end of the cable, so eth1 has a carrier; nobody answers there.
  await cabledNamespaces(BOX_NS, "eth1", LINK_NS, "eth0");
  await sh(["ip", "-n", BOX_NS, "addr", "add", `${BOX}/24`, "dev", "eth1"]);
}

async function cleanNetns(): Promise<void> {
  await deleteNamespaces(BOX_NS, LINK_NS);
}

/** Waits until systemd shows the box's carpd MASTER. */
async function becomesMaster(b: Container): Promise<void> {
  assert.ok(
    await eventually(
      async () =>
        await b.property("carp.service", "StatusText") === "vhid 3 MASTER",
      8000,
      200,
    ),
    await b.property("carp.service", "StatusText"),
  );
}

async function boxAddresses(): Promise<string> {
  return await sh(["ip", "-n", BOX_NS, "-4", "-o", "addr", "show", "eth1"]);
}

Deno.test({
  name:
    "the .deb: lintian and mandoc clean, apt install offline under systemd, enabled not started, MASTER with its VIP, reinstall restarts, remove stops, purge cleans",
  ignore,
  async fn(t): Promise<void> {
    const dir = await Deno.makeTempDir({ prefix: "carpd-package-" });
    const arch = (await sh(["dpkg", "--print-architecture"])).trim();
    const name = `carpd_${VERSION}_${arch}.deb`;
    let deb = "";
    let box: Container | null = null;
    try {
      await t.step("scripts/package.sh builds the .deb", async () => {
        // Into a directory of the test's own: dist/ is left alone. --fast:
        // gzip -1 instead of xz, the same package built in seconds.
        const r = await run([
          `${ROOT}/scripts/package.sh`,
          "--output",
          dir,
          "--fast",
        ]);
        assert.equal(r.code, 0, r.out);
        deb = r.out.split("\n").find((l) => l.endsWith(`/${name}`)) ?? "";
        assert.equal(deb, `${dir}/${name}`, r.out);
        const listing = await sh(["dpkg-deb", "-c", deb]);
        for (
          const path of [
            "./usr/bin/carpd",
            "./lib/systemd/system/carp.service",
            "./usr/share/man/man8/carpd.8.gz",
            "./usr/share/man/man5/carp.toml.5.gz",
            "./usr/share/doc/carpd/copyright",
            "./usr/share/doc/carpd/examples/carpd-alerts.yml",
          ]
        ) {
          assert.match(
            listing,
            new RegExp(` ${path.replaceAll(".", "\\.")}$`, "m"),
          );
        }
        assert.match(
          listing,
          /^-rw------- root\/root .* \.\/etc\/carp\/carp\.toml$/m,
        );
        assert.match(
          listing,
          / \.\/usr\/share\/doc\/carpd\/changelog(\.Debian)?\.gz$/m,
        );
        const control = await sh(["dpkg-deb", "-f", deb]);
        assert.match(control, new RegExp(`^Version: ${VERSION}$`, "m"));
        assert.match(control, new RegExp(`^Architecture: ${arch}$`, "m"));
        assert.match(control, /^Depends: .*libc6/m);
        assert.doesNotMatch(control, /iproute2/);
        const conffiles = await sh(["dpkg-deb", "-I", deb, "conffiles"]);
        assert.equal(conffiles.trim(), "/etc/carp/carp.toml");
        const unit = await sh([
          "sh",
          "-c",
          `dpkg-deb --fsys-tarfile "$1" | tar -xO ./lib/systemd/system/carp.service`,
          "-",
          deb,
        ]);
        assert.match(
          unit,
          /^ExecStart=\/usr\/bin\/carpd run -c \/etc\/carp\/carp\.toml$/m,
        );
        assert.match(
          unit,
          /^Documentation=man:carpd\(8\) man:carp\.toml\(5\)$/m,
        );
      });

      await t.step("lintian: no errors", async () => {
        assert.ok(
          await have("lintian"),
          "lintian is missing: apt-get install lintian (scripts/test.sh does)",
        );
        const r = await run(["lintian", deb]);
        const errors = r.out.split("\n").filter((l) => l.startsWith("E:"));
        assert.deepEqual(errors, [], r.out);
        // deno-lint-ignore no-console
        console.log(
          `  lintian: ${
            r.out.split("\n").filter((l) => /^[WIP]:/.test(l)).join("; ") ||
            "clean"
          }`,
        );
      });

      await t.step(
        "mandoc -T lint: nothing to say about carpd(8) and carp.toml(5); man finds them",
        async () => {
          assert.ok(
            await have("mandoc"),
            "mandoc is missing: apt-get install mandoc (scripts/test.sh does)",
          );
          const r = await run([
            "mandoc",
            "-T",
            "lint",
            `${ROOT}/man/carpd.8`,
            `${ROOT}/man/carp.toml.5`,
          ]);
          // Whether a page named by .Xr is installed, and mandoc.db's state,
          // depend on this machine, not on the pages: carpd(8) and
          // carp.toml(5) name each other and are not installed here.
          const said = r.out.split("\n").filter((l) =>
            l !== "" &&
            !/STYLE: referenced manual not found|outdated mandoc\.db/.test(l)
          );
          assert.deepEqual(said, []);
          // man(1) finds both in the package's tree.
          if (await have("man")) {
            const tree = `${dir}/tree`;
            await sh(["dpkg-deb", "-x", deb, tree]);
            for (
              const [page, file] of [["carpd", "man8/carpd.8.gz"], [
                "carp.toml",
                "man5/carp.toml.5.gz",
              ]]
            ) {
              const where = await sh([
                "man",
                "-M",
                `${tree}/usr/share/man`,
                "-w",
                page!,
              ]);
              assert.equal(where.trim(), `${tree}/usr/share/man/${file}`);
            }
            await Deno.remove(tree, { recursive: true });
          }
        },
      );

      // deno-lint-ignore no-console
      const rootfs = await ensureRootfs((s) => console.log(`  ${s}`));
      await netns();
      box = await Container.boot({
        rootfs,
        netns: BOX_NS,
        checkout: ROOT,
        name: MACHINE,
      });
      const b = box;

      await t.step(
        `apt-get install ${name} offline: enabled, not started (the sample config does not pass carpd check)`,
        async () => {
          const inBox = `/tmp/${name}`;
          await Deno.copyFile(deb, `/proc/${b.leader}/root${inBox}`);
          await Deno.chmod(`/proc/${b.leader}/root${inBox}`, 0o644);
          const out = await b.must(
            ["apt-get", "install", "-y", inBox],
            { DEBIAN_FRONTEND: "noninteractive" },
          );
          assert.match(out, /Setting up carpd /);
          assert.match(out, /enabled but not started/);
          assert.equal(
            (await b.run(["systemctl", "is-enabled", "carp.service"])).out
              .trim(),
            "enabled",
          );
          assert.equal(
            await b.property("carp.service", "ActiveState"),
            "inactive",
          );
          assert.equal(
            (await b.must(["carpd", "--version"])).trim(),
            `carpd ${VERSION}`,
          );
          assert.equal(
            (await b.must(["stat", "-c", "%a %U", "/etc/carp/carp.toml"]))
              .trim(),
            "600 root",
          );
          for (
            const f of [
              "/usr/share/man/man8/carpd.8.gz",
              "/usr/share/man/man5/carp.toml.5.gz",
              "/usr/share/doc/carpd/copyright",
              "/usr/share/doc/carpd/examples/carpd-alerts.yml",
            ]
          ) {
            await b.must(["test", "-s", f]);
          }
          assert.match(
            await b.property("carp.service", "FragmentPath"),
            /^\/(usr\/)?lib\/systemd\/system\/carp\.service$/,
          );
          assert.equal(
            await b.property("carp.service", "Documentation"),
            '"man:carpd(8)" "man:carp.toml(5)"',
          );
          assert.doesNotMatch(await boxAddresses(), VIP_RE);
        },
      );

      let mainPid = "";
      await t.step(
        "with a config: systemctl enable --now, MASTER with the VIP",
        async () => {
          await b.write("/etc/carp/vhid3.key", "s3cret\n");
          await b.write("/etc/carp/carp.toml", CONFIG);
          await b.must(["carpd", "check"]);
          await b.must(["systemctl", "enable", "--now", "carp.service"]);
          assert.equal(
            await b.property("carp.service", "ActiveState"),
            "active",
          );
          await becomesMaster(b);
          assert.match(await boxAddresses(), VIP_RE);
          assert.match(
            await b.must(["carpd", "status"]),
            /vhid 3 on eth1: MASTER/,
          );
          mainPid = await b.property("carp.service", "MainPID");
          // Built from source: Deno's cache is the unit's CacheDirectory.
          if ((await b.run(["test", "-d", "/usr/lib/carpd"])).code === 0) {
            await b.must(["test", "-d", "/var/cache/carpd/deno"]);
          }
        },
      );

      await t.step(
        "reinstalling (an upgrade) restarts it, the config passing carpd check",
        async () => {
          await b.must(
            [
              "apt-get",
              "install",
              "-y",
              "--reinstall",
              `/tmp/${name}`,
            ],
            { DEBIAN_FRONTEND: "noninteractive" },
          );
          assert.equal(
            await b.property("carp.service", "ActiveState"),
            "active",
          );
          assert.notEqual(await b.property("carp.service", "MainPID"), mainPid);
          await becomesMaster(b);
          assert.match(await boxAddresses(), VIP_RE);
        },
      );

      await t.step(
        "apt-get remove: carpd stopped, no process, no VIP; the config kept",
        async () => {
          await b.must(["apt-get", "remove", "-y", "carpd"], {
            DEBIAN_FRONTEND: "noninteractive",
          });
          const ps = await b.run(["pgrep", "-a", "-f", "carpd|deno"]);
          assert.equal(ps.code, 1, ps.out);
          assert.doesNotMatch(await boxAddresses(), VIP_RE);
          await b.must(["test", "-f", "/etc/carp/carp.toml"]);
          await b.must(["test", "!", "-e", "/usr/bin/carpd"]);
        },
      );

      await t.step(
        "apt-get purge: /etc/carp, the cache and the enablement gone",
        async () => {
          await b.must(["apt-get", "purge", "-y", "carpd"], {
            DEBIAN_FRONTEND: "noninteractive",
          });
          await b.must(["test", "!", "-e", "/etc/carp"]);
          await b.must(["test", "!", "-e", "/var/cache/carpd"]);
          const left = await b.run([
            "find",
            "/etc/systemd/system",
            "-name",
            "carp.service*",
          ]);
          assert.equal(left.out.trim(), "");
          const status = await b.run([
            "dpkg-query",
            "-W",
            "-f",
            "${Status}",
            "carpd",
          ]);
          assert.doesNotMatch(status.out, /install ok installed|config-files/);
        },
      );
    } finally {
      await box?.poweroff();
      await cleanNetns();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});
