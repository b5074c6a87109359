/**
 * Mixed groups with Debian's ucarp 1.5.2: the same wire, the same election.
 */

import assert from "node:assert/strict";
import {
  canBuildLab,
  eventually,
  Lab,
  type Proc,
  sleep,
  vhidConfig,
} from "./lab.ts";

const VIP = "10.213.0.50";
const hasUcarp = canBuildLab &&
  new Deno.Command("sh", { args: ["-c", "command -v ucarp"], stdout: "null" })
    .outputSync().success;
const ignore = !hasUcarp; // needs root, iproute2 and ucarp; scripts/test.sh installs them

/** Starts ucarp on host `i` with scripts that add and remove the VIP. */
async function ucarp(
  lab: Lab,
  i: number,
  advskew: number,
  password = "s3cret",
): Promise<Proc> {
  const up = await lab.file(
    "vip-up",
    '#!/bin/sh\nexec ip addr add "$2"/24 dev "$1"\n',
    0o755,
  );
  const down = await lab.file(
    "vip-down",
    '#!/bin/sh\nexec ip addr del "$2"/24 dev "$1"\n',
    0o755,
  );
  return lab.spawn(`ucarp h${i}`, [
    "ip",
    "netns",
    "exec",
    lab.host(i),
    "ucarp",
    "-i",
    "eth0",
    "-s",
    lab.address(i),
    "-v",
    "7",
    "-p",
    password,
    "-a",
    VIP,
    "-u",
    up,
    "-d",
    down,
    "-k",
    String(advskew),
    "-P",
    "-z",
  ]);
}

Deno.test({
  name:
    "ucarp master with carpd backups: carpd stays BACKUP, then takes over when ucarp dies",
  ignore,
  async fn(): Promise<void> {
    const lab = await Lab.up(3);
    try {
      const u = await ucarp(lab, 1, 0);
      assert.ok(await u.waitFor(/Switching to state: MASTER/, 8000), u.output);
      const [b, c] = await Promise.all([
        lab.carpd(2, vhidConfig({ vip: VIP, advskew: 50 })),
        lab.carpd(3, vhidConfig({ vip: VIP, advskew: 100 })),
      ]);
      await sleep(4500); // longer than master-down: only adverts keep them BACKUP
      for (const n of [b!, c!]) {
        assert.match(n.output, /INIT -> BACKUP/);
        assert.doesNotMatch(n.output, /-> MASTER/, n.output);
      }
      assert.deepEqual(await lab.holders(VIP, 3), [1]);
      assert.ok(await lab.ping(VIP));
      u.signal("SIGTERM");
      await u.exit();
      assert.ok(
        await b!.waitFor(/BACKUP -> MASTER \(master down\)/, 6000),
        b!.output,
      );
      assert.ok(
        await eventually(() => lab.ping(VIP), 3000),
        "pings resume via carpd",
      );
      await sleep(1500);
      assert.deepEqual(await lab.holders(VIP, 3), [2]);
      assert.doesNotMatch(c!.output, /-> MASTER/);
    } finally {
      await lab.down();
    }
  },
});

Deno.test({
  name:
    "carpd master with ucarp backups: ucarp takes over at once on carpd's bow-out, and carpd preempts back",
  ignore,
  async fn(): Promise<void> {
    const lab = await Lab.up(3);
    try {
      const a = await lab.carpd(1, vhidConfig({ vip: VIP, advskew: 0 }));
      assert.ok(await a.waitFor(/BACKUP -> MASTER/, 8000), a.output);
      const [u2, u3] = [await ucarp(lab, 2, 50), await ucarp(lab, 3, 100)];
      await sleep(4500);
      for (const u of [u2, u3]) {
        assert.match(u.output, /Switching to state: BACKUP/);
        assert.doesNotMatch(u.output, /Switching to state: MASTER/, u.output);
      }
      assert.deepEqual(await lab.holders(VIP, 3), [1]);
      a.signal("SIGTERM");
      assert.equal((await a.exit()).code, 0);
      // ucarp takes the 255/255 advert as a slower master (its preemption
      // rule comes first) or as one going to time out; libpcap may hold the
      // packet up to 1 s. Both backups jump, and the slower one then yields.
      const stop = (await a.waitFor(/stopping \(SIGTERM\)/, 100))!;
      const jump = await u2.waitFor(
        /Putting MASTER (down - preemption|DOWN \(going to time out\))/,
        2500,
      );
      assert.ok(jump, u2.output);
      const ms = Date.parse(jump.slice(0, 26) + "Z") -
        Date.parse(stop.slice(0, 24));
      assert.ok(ms < 1500, `ucarp took over ${ms} ms after the bow-out`);
      assert.ok(
        await eventually(
          async () => (await lab.holders(VIP, 3)).join() === "2",
          5000,
        ),
      );
      assert.ok(
        await eventually(() => lab.ping(VIP), 3000),
        "pings resume via ucarp",
      );
      const back = await lab.carpd(1, vhidConfig({ vip: VIP, advskew: 0 }));
      assert.ok(
        await back.waitFor(/BACKUP -> MASTER \(preemption\)/, 5000),
        back.output,
      );
      assert.ok(
        await u2.waitFor(
          /Preferred master advertised: going back to BACKUP state/,
          3000,
        ),
        u2.output,
      );
      assert.ok(
        await eventually(
          async () => (await lab.holders(VIP, 3)).join() === "1",
          3000,
        ),
      );
      assert.ok(await eventually(() => lab.ping(VIP), 3000));
    } finally {
      await lab.down();
    }
  },
});

Deno.test({
  name:
    "a wrong password on one side: both refuse each other's adverts; carpd counts bad HMAC",
  ignore,
  async fn(): Promise<void> {
    const lab = await Lab.up(2);
    try {
      const a = await lab.carpd(
        1,
        vhidConfig({ vip: VIP, advskew: 0, password: "right" }),
      );
      const u = await ucarp(lab, 2, 50, "wrong");
      assert.ok(await a.waitFor(/BACKUP -> MASTER/, 8000), a.output);
      assert.ok(await u.waitFor(/Switching to state: MASTER/, 8000), u.output);
      assert.ok(await u.waitFor(/Bad digest/, 5000), u.output);
      await sleep(1500);
      a.signal("SIGUSR1");
      const line = await a.waitFor(
        /adverts sent \d+, received 0, transitions \d+, drops bad_hmac=\d+/,
        3000,
      );
      assert.ok(line, a.output);
      assert.match(a.output, /vhid 7 on eth0: MASTER/);
      assert.ok(Number(/bad_hmac=(\d+)/.exec(line)![1]) >= 2);
      assert.doesNotMatch(
        a.output,
        /Debugger listening/,
        "SIGUSR1 opens no debugger",
      );
      assert.match(
        a.output,
        /dropped packet from 10\.213\.0\.12 \(vhid 7\): bad_hmac/,
      );
      assert.doesNotMatch(
        a.output,
        /right|wrong/,
        "the password is never logged",
      );
    } finally {
      await lab.down();
    }
  },
});

Deno.test({
  name:
    "carpd ucarp runs an existing ucarp command line next to real ucarp; HUP stops it as ucarp -z does",
  ignore,
  async fn(): Promise<void> {
    const lab = await Lab.up(2);
    try {
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
      const carpdUcarp = lab.spawn("carpd ucarp h1", [
        "ip",
        "netns",
        "exec",
        lab.host(1),
        `${new URL("../../scripts/carpd", import.meta.url).pathname}`,
        "ucarp",
        "-i",
        "eth0",
        "-s",
        lab.address(1),
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
        "0",
        "-P",
        "-z",
      ]);
      assert.ok(
        await carpdUcarp.waitFor(/BACKUP -> MASTER/, 8000),
        carpdUcarp.output,
      );
      assert.ok(
        await eventually(() => lab.has(1, VIP), 3000),
        "the up script added the VIP",
      );
      assert.ok(await eventually(() => lab.ping(VIP), 3000));
      const u = await ucarp(lab, 2, 50);
      await sleep(4000); // past ucarp's master-down: only carpd's adverts hold it
      assert.doesNotMatch(u.output, /Switching to state: MASTER/, u.output);
      carpdUcarp.signal("SIGHUP");
      assert.equal((await carpdUcarp.exit()).code, 0, carpdUcarp.output);
      assert.ok(!(await lab.has(1, VIP)), "the down script removed the VIP");
      assert.ok(await u.waitFor(/Switching to state: MASTER/, 2500), u.output);
      assert.ok(
        await eventually(() => lab.ping(VIP), 3000),
        "ucarp serves the VIP",
      );
    } finally {
      await lab.down();
    }
  },
});

Deno.test({
  name:
    "carpd ucarp -B (any spelling, any order) leaves exactly one detached daemon, with no password on its command line",
  ignore,
  async fn(t): Promise<void> {
    const lab = await Lab.up(1);
    try {
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
      const secret = "Detached-Secret";
      const carpd = `${
        new URL("../../scripts/carpd", import.meta.url).pathname
      }`;
      const pids = async (): Promise<number[]> => {
        const r = await new Deno.Command("pgrep", {
          args: ["-f", "ucarp --detached-from-parent"],
          stdout: "piped",
        }).output();
        return new TextDecoder().decode(r.stdout).split("\n").filter((l) =>
          l !== ""
        ).map(Number);
      };
      for (
        const flags of [
          ["-PB"],
          ["-P", "--daemonize"],
          ["-B", "-P"],
        ]
      ) {
        await t.step(flags.join(" "), async () => {
          const base = [
            "-i",
            "eth0",
            "-s",
            lab.address(1),
            "-v",
            "7",
            "-p",
            secret,
            "-a",
            VIP,
            "-u",
            up,
            "-d",
            down,
          ];
          const args = flags[0] === "-B"
            ? [flags[0]!, ...base, ...flags.slice(1)]
            : [...base, ...flags];
          const started = performance.now();
          const parent = await new Deno.Command("ip", {
            args: ["netns", "exec", lab.host(1), carpd, "ucarp", ...args],
            stdout: "piped",
            stderr: "piped",
          }).output();
          assert.equal(parent.code, 0, new TextDecoder().decode(parent.stderr));
          assert.ok(performance.now() - started < 10_000, "the parent returns");
          assert.ok(
            await eventually(() => lab.has(1, VIP), 8000),
            "the detached daemon became MASTER and ran the up script",
          );
          await sleep(500);
          const running = await pids();
          assert.equal(running.length, 1, `daemons: ${running.join(", ")}`);
          const cmdline = await Deno.readTextFile(
            `/proc/${running[0]}/cmdline`,
          );
          assert.ok(
            !cmdline.includes(secret),
            "no password on its command line",
          );
          assert.doesNotMatch(
            cmdline.replaceAll("\0", " "),
            / -p | -B |daemonize/,
          );
          Deno.kill(running[0]!, "SIGTERM");
          assert.ok(
            await eventually(async () => (await pids()).length === 0, 5000),
          );
          assert.ok(
            await eventually(async () => !(await lab.has(1, VIP)), 3000),
            "the down script ran on the way out",
          );
        });
      }
      await t.step(
        "a bad value is refused on the terminal, before detaching",
        async () => {
          const r = await new Deno.Command("ip", {
            args: [
              "netns",
              "exec",
              lab.host(1),
              carpd,
              "ucarp",
              "-B",
              "-i",
              "eth0",
              "-s",
              lab.address(1),
              "-v",
              "300",
              "-p",
              "x",
              "-a",
              VIP,
            ],
            stdout: "piped",
            stderr: "piped",
          }).output();
          assert.equal(r.code, 78);
          assert.match(
            new TextDecoder().decode(r.stderr),
            /--vhid: 300 is not allowed/,
          );
          assert.deepEqual(await pids(), []);
        },
      );
    } finally {
      for (
        const p of await new Deno.Command("pgrep", {
          args: ["-f", "ucarp --detached-from-parent"],
          stdout: "piped",
        }).output().then((r) =>
          new TextDecoder().decode(r.stdout).split("\n").filter((l) => l !== "")
        )
      ) {
        try {
          Deno.kill(Number(p), "SIGKILL");
        } catch {
          // gone
        }
      }
      await lab.down();
    }
  },
});

Deno.test({
  name:
    "a password rotated on a carpd MASTER first, with a ucarp BACKUP: ucarp verifies the copies under the old key and stays BACKUP; restarted with the new password it verifies the others",
  ignore,
  async fn(): Promise<void> {
    const lab = await Lab.up(2);
    try {
      const a = await lab.carpd(1, vhidConfig({ vip: VIP, advskew: 0 }));
      assert.ok(await a.waitFor(/BACKUP -> MASTER/, 8000), a.output);
      let u = await ucarp(lab, 2, 50);
      assert.ok(await u.waitFor(/Switching to state: BACKUP/, 8000), u.output);
      const path = `${lab.dir}/h1.toml`;
      await Deno.writeTextFile(
        path,
        (await Deno.readTextFile(path)).replace(
          'password = "s3cret"',
          'password = "n3w"',
        ),
      );
      a.signal("SIGHUP");
      assert.ok(await a.waitFor(/password: roll-out window opened/, 3000));
      const holders = async (ms: number): Promise<void> => {
        const end = performance.now() + ms;
        for (let k = 0; k < 200 && performance.now() < end; k++) {
          assert.deepEqual(await lab.holders(VIP, 2), [1], u.output);
          await sleep(100);
        }
      };
      await holders(4500); // past ucarp's master-down
      assert.doesNotMatch(u.output, /Switching to state: MASTER/);
      assert.match(u.output, /[Bb]ad digest/, "the copies it cannot read");
      // ucarp has no reload: restarted with the new password.
      u.signal("SIGKILL");
      await u.exit(3000);
      u = await ucarp(lab, 2, 50, "n3w");
      assert.ok(await u.waitFor(/Switching to state: BACKUP/, 8000), u.output);
      await holders(4500);
      assert.doesNotMatch(u.output, /Switching to state: MASTER/);
      assert.doesNotMatch(a.output, /MASTER -> /);
    } finally {
      await lab.down();
    }
  },
});
