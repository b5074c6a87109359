/**
 * The systemd side: sd_notify, the watchdog, journald prefixes, and the unit.
 */

import assert from "node:assert/strict";
import { UnixDatagram } from "../../ffi/unix_datagram.ts";
import { waitReadable } from "../../ffi/poll.ts";
import { canBuildLab, eventually, Lab, sh, sleep, vhidConfig } from "./lab.ts";
import { request } from "../../src/control/client.ts";

const VIP = "10.213.0.50";
const ignore = !canBuildLab; // needs root and iproute2; scripts/test.sh runs it as root
const ROOT = new URL("../../", import.meta.url).pathname;

/** Plays systemd's side of NOTIFY_SOCKET, recording what arrives and when. */
class FakeSystemd {
  readonly messages: { at: number; text: string }[] = [];
  readonly #socket: UnixDatagram;
  #open = true;
  readonly #loop: Promise<void>;

  constructor(path: string) {
    this.#socket = UnixDatagram.listen(path);
    this.#loop = this.#receive();
  }

  async #receive(): Promise<void> {
    for (let i = 0; i < 100_000 && this.#open; i++) {
      await waitReadable([this.#socket.fd], 100);
      for (
        let m = this.#socket.receive();
        m !== null;
        m = this.#socket.receive()
      ) {
        this.messages.push({ at: performance.now(), text: m });
      }
    }
  }

  count(pattern: RegExp, from = 0, to = Infinity): number {
    return this.messages.filter((m) =>
      m.at >= from && m.at < to && pattern.test(m.text)
    ).length;
  }

  async waitFor(
    pattern: RegExp,
    timeoutMs: number,
  ): Promise<{ at: number; text: string } | null> {
    const end = performance.now() + timeoutMs;
    for (let i = 0; i < 10_000 && performance.now() < end; i++) {
      const m = this.messages.find((x) => pattern.test(x.text));
      if (m) return m;
      await sleep(20);
    }
    return this.messages.find((x) => pattern.test(x.text)) ?? null;
  }

  async close(): Promise<void> {
    this.#open = false;
    await this.#loop;
    this.#socket.close();
  }
}

Deno.test({
  name:
    "sd_notify: READY, STATUS changes, watchdog pings at half the interval, RELOADING on HUP, STOPPING on TERM",
  ignore,
  async fn(): Promise<void> {
    const lab = await Lab.up(1);
    const systemd = new FakeSystemd(`${lab.dir}/notify.sock`);
    try {
      const a = await lab.carpd(
        1,
        vhidConfig({ vip: VIP, advskew: 20, advbase: 0 }),
        {
          NOTIFY_SOCKET: `${lab.dir}/notify.sock`,
          WATCHDOG_USEC: "1000000",
          CARPD_TEST_HOOKS: "1",
        },
      );
      const ready = await systemd.waitFor(/READY=1/, 5000);
      assert.ok(ready, a.output);
      assert.match(ready.text, /STATUS=vhid 7 BACKUP/);
      assert.ok(
        await systemd.waitFor(/STATUS=vhid 7 MASTER/, 3000),
        JSON.stringify(systemd.messages),
      );

      const from = performance.now();
      await sleep(3000);
      const pings = systemd.count(/^WATCHDOG=1$/, from, performance.now());
      assert.ok(
        pings >= 5 && pings <= 7,
        `${pings} pings in 3 s at a 1 s watchdog`,
      );

      a.signal("SIGHUP");
      const reloading = await systemd.waitFor(
        /RELOADING=1\nMONOTONIC_USEC=\d+/,
        2000,
      );
      assert.ok(reloading, JSON.stringify(systemd.messages.slice(-5)));
      // The new config is validated in a process of its own: READY=1 comes
      // when it has been taken.
      assert.ok(
        await eventually(
          () =>
            systemd.messages.some((m) =>
              m.at >= reloading.at && /READY=1/.test(m.text) && m !== ready
            ),
          5000,
          20,
        ),
        "READY=1 after the reload",
      );

      // A receive loop that stops serving its sockets (timers still firing,
      // as with a stuck helper thread) must stop the pings: only a working
      // liveness check can tell. The stall is injected from inside.
      const stall = await request(lab.socket(1), {
        command: "test",
        action: "stall",
        ms: 5500,
      });
      assert.ok(stall.ok, JSON.stringify(stall));
      const stalledAt = performance.now();
      await sleep(5500);
      const doneAt = performance.now();
      assert.equal(
        systemd.count(/^WATCHDOG=1$/, stalledAt + 3600, doneAt - 100),
        0,
        "pings while the loop served nothing for over 3 s",
      );
      assert.ok(
        systemd.count(/^WATCHDOG=1$/, stalledAt, stalledAt + 2900) >= 4,
        "timers alone kept pinging for the liveness window",
      );
      // Its timers fired seconds late too, which withholds pings for 3 s.
      await sleep(5000);
      assert.ok(
        systemd.count(/^WATCHDOG=1$/, doneAt, performance.now()) >= 2,
        "pings resume once the loop turns again",
      );

      a.signal("SIGTERM");
      assert.equal((await a.exit()).code, 0);
      assert.ok(await systemd.waitFor(/^STOPPING=1$/, 1000));
    } finally {
      await systemd.close();
      await lab.down();
    }
  },
});

Deno.test({
  name:
    "under journald every line carries its priority prefix, and no line holds the password",
  ignore,
  async fn(): Promise<void> {
    const lab = await Lab.up(2);
    try {
      const secret = "Pa55-w0rd-19-bytes!";
      const a = await lab.carpd(
        1,
        vhidConfig({ vip: VIP, advskew: 0, password: secret }),
        {
          JOURNAL_STREAM: "8:12345",
        },
      );
      const b = await lab.carpd(
        2,
        vhidConfig({ vip: VIP, advskew: 50, password: "wrong" }),
        {
          JOURNAL_STREAM: "8:12345",
        },
      );
      assert.ok(
        await a.waitFor(/^<6>vhid 7: BACKUP -> MASTER/, 8000),
        a.output,
      );
      assert.ok(
        await a.waitFor(/^<4>eth0: dropped packet .*bad_hmac/, 5000),
        a.output,
      );
      a.signal("SIGUSR1");
      assert.ok(await a.waitFor(/^<6>carpd \d/, 2000));
      a.signal("SIGTERM");
      await a.exit();
      b.signal("SIGTERM");
      await b.exit();
      // Deno itself reports that its SIGUSR1 debugger could not take the port
      // carpd holds (see src/daemon/debugger_guard.ts); that line is not ours.
      const lines = a.lines.filter((l) =>
        l.trim() !== "" && !/^Failed to start inspector server/.test(l)
      );
      assert.ok(lines.length > 5);
      for (const l of lines) assert.match(l, /^<[3467]>/, `no prefix: ${l}`);
      assert.ok(
        !a.output.includes(secret) && !b.output.includes("wrong"),
        "password in the logs",
      );
    } finally {
      await lab.down();
    }
  },
});

Deno.test({
  name:
    "units/carp.service passes systemd-analyze verify and scores an exposure of at most 3.0",
  ignore: !canBuildLab, // needs systemd's tools, which scripts/test.sh installs as root
  async fn(): Promise<void> {
    const dir = await Deno.makeTempDir();
    try {
      // verify insists that ExecStart exists; point it at a stand-in binary.
      const unit = await Deno.readTextFile(`${ROOT}units/carp.service`);
      await Deno.writeTextFile(`${dir}/carpd`, "#!/bin/sh\n", { mode: 0o755 });
      await Deno.writeTextFile(
        `${dir}/carp.service`,
        unit.replace("/usr/local/bin/carpd", `${dir}/carpd`),
      );
      // verify also runs man for Documentation=: the pages of the checkout.
      for (const [section, page] of [["8", "carpd.8"], ["5", "carp.toml.5"]]) {
        await Deno.mkdir(`${dir}/man/man${section}`, { recursive: true });
        await Deno.copyFile(
          `${ROOT}man/${page}`,
          `${dir}/man/man${section}/${page}`,
        );
      }
      const verify = await new Deno.Command("systemd-analyze", {
        args: ["verify", `${dir}/carp.service`],
        cwd: dir,
        env: { MANPATH: `${dir}/man` },
        stdout: "piped",
        stderr: "piped",
      }).output();
      const said = new TextDecoder().decode(verify.stderr) +
        new TextDecoder().decode(verify.stdout);
      assert.ok(verify.success, said);
      const security = await sh([
        "systemd-analyze",
        "security",
        "--offline=true",
        `${ROOT}units/carp.service`,
      ]);
      const m = /Overall exposure level for carp\.service: (\d+\.\d+)/.exec(
        security,
      );
      assert.ok(m, security.slice(-500));
      assert.ok(Number(m[1]) <= 3.0, `exposure ${m[1]}`);
      assert.doesNotMatch(
        unit,
        /^MemoryDenyWriteExecute=yes/m,
        "V8 needs W+X memory",
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "an exception in the receive loop takes the graceful stop path: bow-out, VIPs released, STOPPING=1, exit 70",
  ignore,
  async fn(): Promise<void> {
    const lab = await Lab.up(2);
    const systemd = new FakeSystemd(`${lab.dir}/notify.sock`);
    try {
      const a = await lab.carpd(
        1,
        vhidConfig({ vip: VIP, advskew: 0 }),
        { NOTIFY_SOCKET: `${lab.dir}/notify.sock`, CARPD_TEST_HOOKS: "1" },
      );
      const b = await lab.carpd(2, vhidConfig({ vip: VIP, advskew: 50 }));
      assert.ok(await a.waitFor(/BACKUP -> MASTER/, 8000), a.output);
      assert.ok(await lab.has(1, VIP));
      const refused = await request(lab.socket(2), {
        command: "test",
        action: "throw",
      });
      assert.equal(refused.ok, false, "off unless CARPD_TEST_HOOKS=1");
      const r = await request(lab.socket(1), {
        command: "test",
        action: "throw",
      });
      assert.ok(r.ok, JSON.stringify(r));
      const status = await a.exit(5000);
      assert.equal(status.code, 70, a.output);
      assert.match(
        a.output,
        /fatal error: test hook: an exception in the receive loop/,
      );
      assert.match(a.output, /stopping \(fatal error/);
      assert.ok(await systemd.waitFor(/^STOPPING=1$/, 1000), "STOPPING=1");
      assert.equal(await lab.has(1, VIP), false, "the VIP was released");
      assert.ok(
        await b.waitFor(/BACKUP -> MASTER \(master bowing out\)/, 2000),
        b.output,
      );
    } finally {
      await systemd.close();
      await lab.down();
    }
  },
});
