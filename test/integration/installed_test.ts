/**
 * carpd installed as an admin installs it: scripts/install.sh inside a
 * Debian box booted under its own systemd, carp.service as shipped, a peer
 * carpd in a namespace next to it, and Debian's squid as the service the
 * health check watches.
 */

import assert from "node:assert/strict";
import {
  cabledNamespaces,
  canBootContainer,
  Container,
  deleteNamespaces,
  ensureRootfs,
} from "./container.ts";
import { eventually, Proc, sh, sleep } from "./lab.ts";
import type { Status } from "../../src/control/status.ts";

const ROOT = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");
const BOX_NS = "carpsd-box";
const PEER_NS = "carpsd-peer";
const NET = "10.215.0";
const BOX = `${NET}.1`;
const PEER = `${NET}.2`;
const VIP = `${NET}.100`;
/** A dual-stack vhid, as a unit that restricted IPv6 sockets would break. */
const VIP6 = "fd15:215::100";
const ignore = !(await canBootContainer());

const BOX_CONFIG = (advskew: number): string =>
  `[daemon]
log_level = "info"
metrics = "${BOX}:9650"

[[vhid]]
id = 3
interface = "eth1"
vips = ["${VIP}/24", "${VIP6}/64"]
password_file = "/etc/carp/vhid3.key"
advbase = 1
advskew = ${advskew}
preempt = true

# As the README shows it.
[[check]]
name = "squid"
command = ["/usr/sbin/squid", "-k", "check"]
interval = 1
timeout = 1
fall = 2
rise = 2
demote = 100
`;

async function netns(): Promise<void> {
  await cabledNamespaces(BOX_NS, "eth1", PEER_NS, "eth0");
  for (
    const [ns, dev, addr] of [[BOX_NS, "eth1", BOX], [PEER_NS, "eth0", PEER]]
  ) {
    await sh(["ip", "-n", ns!, "addr", "add", `${addr}/24`, "dev", dev!]);
    const six = `fd15:215::${addr!.split(".").pop()}/64`;
    await sh(["ip", "-n", ns!, "addr", "add", six, "dev", dev!, "nodad"]);
  }
}

async function cleanNetns(): Promise<void> {
  await deleteNamespaces(BOX_NS, PEER_NS);
}

/** `carpd status --json` inside the box, as root from a shell. */
async function boxStatus(box: Container): Promise<Status> {
  const out = await box.must(["carpd", "status", "--json"]);
  return JSON.parse(out) as Status;
}

Deno.test({
  name:
    "installed by scripts/install.sh under a real systemd: enable, READY and STATUS, MASTER with its VIP, squid -k check, watchdog, reload, stop",
  ignore,
  async fn(t): Promise<void> {
    // deno-lint-ignore no-console
    const rootfs = await ensureRootfs((s) => console.log(`  ${s}`));
    await netns();
    const box = await Container.boot({
      rootfs,
      netns: BOX_NS,
      checkout: ROOT,
      name: "carpd-box",
    });
    const dir = await Deno.makeTempDir({ prefix: "carpd-installed-" });
    const procs: Proc[] = [];
    try {
      await t.step(
        "scripts/install.sh installs from the checkout, offline",
        async () => {
          const out = await box.must(["/opt/carpd-src/scripts/install.sh"]);
          assert.match(out, /installed \/usr\/local\/bin\/carpd/);
          // Only what main.ts imports: no test dependency in the install.
          const vendor = await box.must(["ls", "/usr/local/lib/carpd/vendor"]);
          assert.doesNotMatch(vendor, /fast-check/);
          assert.match(vendor, /zod@/);
        },
      );

      await t.step(
        "carpd check works from a root shell, whatever HOME or DENO_DIR",
        async () => {
          await box.write("/etc/carp/vhid3.key", "s3cret\n");
          await box.write("/etc/carp/carp.toml", BOX_CONFIG(0));
          const plain = await box.run([
            "carpd",
            "check",
            "-c",
            "/etc/carp/carp.toml",
          ]);
          assert.equal(plain.code, 0, plain.out);
          const odd = await box.run(["carpd", "check"], {
            HOME: "/nonexistent",
            DENO_DIR: "/nonexistent/deno",
            XDG_CACHE_HOME: "/nonexistent",
          });
          assert.equal(odd.code, 0, odd.out);
          assert.match(odd.out, /vhid 3 on eth1: 10\.215\.0\.100\/24/);
        },
      );

      // The peer: carpd from the checkout in the next namespace, less preferred.
      const peerConfig = `${dir}/peer.toml`;
      await Deno.writeTextFile(
        peerConfig,
        BOX_CONFIG(100).replace(
          'password_file = "/etc/carp/vhid3.key"',
          'password = "s3cret"',
        ).replace(/\[\[check\]\][^]*$/, "")
          .replace(/^metrics = .*\n/m, "")
          .replace('interface = "eth1"', 'interface = "eth0"')
          .replace(
            "[daemon]\n",
            `[daemon]\ncontrol_socket = "${dir}/peer.sock"\n`,
          ),
        { mode: 0o600 },
      );
      const peer = new Proc("peer", [
        "ip",
        "netns",
        "exec",
        PEER_NS,
        `${ROOT}/scripts/carpd`,
        "run",
        "-c",
        peerConfig,
      ]);
      procs.push(peer);
      const wire = new Proc("tcpdump", [
        "ip",
        "netns",
        "exec",
        PEER_NS,
        "tcpdump",
        "-l",
        "-n",
        "-v",
        "-T",
        "carp",
        "-i",
        "eth0",
        `ip proto 112 and src ${BOX}`,
      ]);
      procs.push(wire);
      assert.ok(await wire.waitFor(/listening on/, 5000), wire.output);
      assert.ok(await peer.waitFor(/BACKUP -> MASTER/, 8000), peer.output);
      const peerState = async (): Promise<string> => {
        const r = await new Deno.Command(`${ROOT}/scripts/carpd`, {
          args: ["status", "--json", "--socket", `${dir}/peer.sock`],
          stdout: "piped",
          stderr: "null",
        }).output();
        if (!r.success) return "unknown";
        const s = JSON.parse(new TextDecoder().decode(r.stdout)) as Status;
        return s.vhids[0]?.state ?? "unknown";
      };

      let mainPid = "";
      await t.step(
        "systemctl enable --now: READY, STATUS, MASTER with the VIP, adverts on the wire",
        async () => {
          await box.must(["systemctl", "enable", "--now", "carp.service"]);
          assert.equal(
            await box.property("carp.service", "ActiveState"),
            "active",
          );
          mainPid = await box.property("carp.service", "MainPID");
          assert.ok(
            await eventually(
              async () =>
                /^vhid 3 MASTER$/.test(
                  await box.property("carp.service", "StatusText"),
                ),
              8000,
              200,
            ),
            await box.property("carp.service", "StatusText"),
          );
          const ip = await sh([
            "ip",
            "-n",
            BOX_NS,
            "-4",
            "-o",
            "addr",
            "show",
            "dev",
            "eth1",
          ]);
          assert.match(ip, new RegExp(` ${VIP.replaceAll(".", "\\.")}/24 `));
          // Metrics through the unit's sandbox, scraped from the peer.
          const metrics = await sh([
            "ip",
            "netns",
            "exec",
            PEER_NS,
            "curl",
            "-sS",
            "-m",
            "3",
            `http://${BOX}:9650/metrics`,
          ]);
          assert.match(
            metrics,
            /^carpd_vhid_state\{vhid="3",interface="eth1",protocol="carp"\} [12]$/m,
            metrics,
          );
          assert.ok(
            await eventually(
              async () => (await sh([
                "ip",
                "netns",
                "exec",
                PEER_NS,
                "ping",
                "-c",
                "1",
                "-W",
                "1",
                VIP,
              ]).then(() => true, () => false)),
              5000,
              100,
            ),
            "the VIP answers the peer",
          );
          assert.ok(
            await eventually(
              async () => (await sh([
                "ip",
                "netns",
                "exec",
                PEER_NS,
                "ping",
                "-c",
                "1",
                "-W",
                "1",
                VIP6,
              ]).then(() => true, () => false)),
              5000,
              100,
            ),
            "the IPv6 VIP answers the peer",
          );
          assert.ok(
            await wire.waitFor(
              /10\.215\.0\.1 > 224\.0\.0\.18: CARPv2-advertise 36: vhid=3 advbase=1 advskew=0/,
              3000,
            ),
            wire.output.slice(-500),
          );
          assert.ok(
            await eventually(async () => await peerState() === "BACKUP", 3000),
          );
          const status = await box.must(["carpd", "status"]);
          assert.match(status, /vhid 3 on eth1: MASTER/);
          const shown = await box.run([
            "systemctl",
            "status",
            "--no-pager",
            "--lines=6",
            "carp.service",
          ]);
          // deno-lint-ignore no-console
          console.log(`  systemctl status carp.service:\n${shown.out}`);
        },
      );

      await t.step(
        "squid -k check passes while squid runs, demotes when it stops, recovers when it starts",
        async () => {
          assert.ok(
            await eventually(
              async () => {
                const c = (await boxStatus(box)).checks[0];
                return c !== undefined && c.up && c.runs >= 3 &&
                  c.failures === 0;
              },
              8000,
              200,
            ),
            JSON.stringify((await boxStatus(box)).checks),
          );
          await box.must(["systemctl", "stop", "squid"]);
          assert.ok(
            await eventually(
              async () => {
                const s = await boxStatus(box);
                return s.checks[0]?.up === false &&
                  s.vhids[0]?.demotions.some((d) =>
                      d.reason === "check squid"
                    ) ===
                    true;
              },
              6000,
              200,
            ),
            JSON.stringify((await boxStatus(box)).checks),
          );
          assert.ok(
            await eventually(
              async () => await peerState() === "MASTER",
              4000,
              100,
            ),
            "the peer takes over from the demoted box",
          );
          assert.equal((await boxStatus(box)).vhids[0]?.state, "BACKUP");
          await box.must(["systemctl", "start", "squid"]);
          assert.ok(
            await eventually(
              async () => {
                const s = await boxStatus(box);
                return s.checks[0]?.up === true &&
                  s.vhids[0]?.state === "MASTER";
              },
              10_000,
              200,
            ),
            JSON.stringify(await boxStatus(box)),
          );
          assert.ok(
            await eventually(async () => await peerState() === "BACKUP", 3000),
          );
          assert.equal((await boxStatus(box)).checks[0]?.hint, null);
        },
      );

      await t.step(
        "the watchdog stays quiet over 30 s of normal running",
        async () => {
          await sleep(30_000);
          assert.equal(await box.property("carp.service", "NRestarts"), "0");
          assert.equal(await box.property("carp.service", "MainPID"), mainPid);
        },
      );

      await t.step(
        "conntrackd (Debian's, its own service) driven by carpd under the shipped unit: a group's takeover commits its state, every call answered",
        async () => {
          await box.write(
            "/etc/conntrackd/conntrackd.conf",
            `Sync {
\tMode FTFW {
\t}
\tUDP {
\t\tIPv4_address ${BOX}
\t\tIPv4_Destination_Address ${PEER}
\t\tPort 3780
\t\tInterface eth1
\t}
}
General {
\tHashSize 8192
\tHashLimit 65535
\tLockFile /var/lock/conntrack.lock
\tUNIX {
\t\tPath /var/run/conntrackd.ctl
\t}
\tFilter From Userspace {
\t\tProtocol Accept {
\t\t\tTCP
\t\t}
\t}
}
`,
          );
          await box.must(["systemctl", "restart", "conntrackd.service"]);
          await box.write(
            "/etc/carp/carp.toml",
            BOX_CONFIG(0) +
              '\n[[group]]\nname = "fw"\nvhids = [3]\nconntrackd = true\n',
          );
          await box.must(["systemctl", "reload", "carp.service"]);
          await box.must(["carpd", "standby"]);
          assert.ok(
            await eventually(
              async () => await peerState() === "MASTER",
              8000,
              200,
            ),
          );
          await box.must(["carpd", "resume"]);
          assert.ok(
            await eventually(
              async () =>
                (await boxStatus(box)).groups?.[0]?.state === "MASTER",
              8000,
              200,
            ),
          );
          let g = (await boxStatus(box)).groups![0]!;
          assert.ok(
            await eventually(
              async () => {
                g = (await boxStatus(box)).groups![0]!;
                return g.conntrackd!.runs >= 6;
              },
              8000,
              200,
            ),
            JSON.stringify(g),
          );
          assert.equal(g.conntrackd!.failures, 0, JSON.stringify(g));
          assert.ok(g.preMaster!.runs >= 1 && g.preMaster!.failures === 0);
          const log = await box.must([
            "journalctl",
            "-u",
            "carp.service",
            "--no-pager",
          ]);
          assert.match(log, /group fw conntrackd -c: ok in \d+ ms/);
        },
      );

      await t.step(
        "systemctl reload: same PID, the change applied",
        async () => {
          await box.write("/etc/carp/carp.toml", BOX_CONFIG(10));
          await box.must(["systemctl", "reload", "carp.service"]);
          assert.ok(
            await eventually(
              async () =>
                (await boxStatus(box)).vhids[0]?.advskew?.configured === 10,
              5000,
              200,
            ),
          );
          assert.equal(await box.property("carp.service", "MainPID"), mainPid);
          assert.equal(
            await box.property("carp.service", "ActiveState"),
            "active",
          );
        },
      );

      await t.step(
        "a fast profile runs realtime under the unit; its checks run with the normal policy",
        async () => {
          await box.write(
            "/etc/carp/carp.toml",
            BOX_CONFIG(10) + `
[[vhid]]
id = 4
interface = "eth1"
vips = ["10.215.0.104/24"]
password_file = "/etc/carp/vhid3.key"
advbase = 0
advskew = 20

[[check]]
name = "policy"
command = ["/bin/sh", "-c", "chrt -p $$ > /run/carp/policy"]
interval = 1
`,
          );
          await box.must(["systemctl", "reload", "carp.service"]);
          assert.ok(
            await eventually(
              async () => (await boxStatus(box)).scheduling.realtime,
              5000,
              200,
            ),
            JSON.stringify((await boxStatus(box)).scheduling),
          );
          assert.match(
            (await boxStatus(box)).scheduling.reason ?? "",
            /vhid 4 on eth1 advertises every 78.1 ms/,
          );
          // Every thread, those the runtime starts later included.
          let threads = "";
          assert.ok(
            await eventually(
              async () => {
                threads = await box.must([
                  "sh",
                  "-c",
                  `for t in /proc/${mainPid}/task/*; do chrt -p "\${t##*/}"; done`,
                ]);
                return /SCHED_RR/.test(threads) && !/SCHED_OTHER/.test(threads);
              },
              3000,
              200,
            ),
            threads,
          );
          assert.ok(
            await eventually(
              async () =>
                /SCHED_OTHER/.test(
                  (await box.run(["cat", "/run/carp/policy"])).out,
                ),
              5000,
              200,
            ),
            "a check inherits no realtime policy",
          );
          await box.write("/etc/carp/carp.toml", BOX_CONFIG(10));
          await box.must(["systemctl", "reload", "carp.service"]);
          assert.ok(
            await eventually(
              async () => !(await boxStatus(box)).scheduling.realtime,
              5000,
              200,
            ),
          );
        },
      );

      await t.step(
        "a stalled daemon is restarted by the watchdog",
        async () => {
          await box.must(["kill", "-STOP", mainPid]);
          assert.ok(
            await eventually(
              async () =>
                await box.property("carp.service", "NRestarts") === "1" &&
                await box.property("carp.service", "ActiveState") === "active",
              30_000,
              500,
            ),
            (await box.run([
              "journalctl",
              "-u",
              "carp",
              "--no-pager",
              "-n",
              "20",
            ])).out,
          );
          const journal = await box.must([
            "journalctl",
            "-u",
            "carp",
            "--no-pager",
          ]);
          assert.match(journal, /Watchdog timeout/);
          mainPid = await box.property("carp.service", "MainPID");
          assert.ok(
            await eventually(
              async () => (await boxStatus(box)).vhids[0]?.state === "MASTER",
              10_000,
              200,
            ),
          );
        },
      );

      await t.step(
        "systemctl stop: exit 0, bow-out advert, VIP gone",
        async () => {
          await box.must(["systemctl", "stop", "carp.service"]);
          assert.equal(await box.property("carp.service", "Result"), "success");
          assert.equal(
            await box.property("carp.service", "ExecMainStatus"),
            "0",
          );
          assert.ok(
            await wire.waitFor(/vhid=3 advbase=255 advskew=255/, 2000),
            wire.output.slice(-500),
          );
          const ip = await sh([
            "ip",
            "-n",
            BOX_NS,
            "-4",
            "-o",
            "addr",
            "show",
            "dev",
            "eth1",
          ]);
          assert.doesNotMatch(
            ip,
            new RegExp(` ${VIP.replaceAll(".", "\\.")}/`),
          );
          assert.ok(
            await eventually(async () => await peerState() === "MASTER", 2000),
          );
        },
      );

      await t.step(
        "nothing in the journal was refused: no SIGSYS, no EPERM",
        async () => {
          const journal = await box.must([
            "journalctl",
            "--no-pager",
            "-o",
            "cat",
            "-u",
            "carp.service",
          ]);
          assert.doesNotMatch(
            journal,
            /SIGSYS|EPERM|Operation not permitted|Bad system call/,
          );
        },
      );

      await t.step(
        "without CAP_NET_ADMIN carpd refuses to start, naming it, and holds no VIP",
        async () => {
          await box.write(
            "/etc/systemd/system/carp.service.d/zz-no-net-admin.conf",
            "[Service]\nCapabilityBoundingSet=\nCapabilityBoundingSet=CAP_NET_RAW CAP_SETUID CAP_SETGID\n",
            0o644,
          );
          await box.must(["systemctl", "daemon-reload"]);
          const start = await box.run(["systemctl", "start", "carp.service"]);
          assert.notEqual(start.code, 0);
          assert.equal(
            await box.property("carp.service", "ExecMainStatus"),
            "71",
          );
          const journal = await box.must([
            "journalctl",
            "-u",
            "carp",
            "--no-pager",
            "-o",
            "cat",
            "-n",
            "20",
          ]);
          assert.match(
            journal,
            /cannot start: missing capability CAP_NET_ADMIN/,
          );
          const ip = await sh([
            "ip",
            "-n",
            BOX_NS,
            "-4",
            "-o",
            "addr",
            "show",
            "dev",
            "eth1",
          ]);
          assert.doesNotMatch(
            ip,
            new RegExp(` ${VIP.replaceAll(".", "\\.")}/`),
          );
          await box.must(["systemctl", "stop", "carp.service"]).catch(() => "");
          await box.must([
            "rm",
            "/etc/systemd/system/carp.service.d/zz-no-net-admin.conf",
          ]);
          await box.must(["systemctl", "daemon-reload"]);
        },
      );
    } finally {
      for (const p of procs) p.signal("SIGTERM");
      await Promise.all(procs.map((p) => p.exit(3000)));
      await box.poweroff();
      await cleanNetns();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});
