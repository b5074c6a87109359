/**
 * A stateful firewall pair on carpd (see `firewall_lab.ts`): one group of
 * the inside and outside vhid, conntrackd driven by carpd, a TCP stream (a
 * counter every 10 ms) and a 10 ms ping through the VIPs, the VIPs'
 * holders sampled every 100 ms. Events: the master's inside cable cut at
 * the switch (and the preferred firewall taking the group back when it
 * returns), `kill -9` of carpd on the master and its restart, `carpd
 * standby` and `resume`. For every event: the stream survives with no
 * reset and no packet of it dropped by either firewall, the VIPs are never
 * on different boxes, and the stream's connection is in the new master's
 * kernel table before its first VIP is added (a `pre_master` probe that
 * runs after conntrackd's commit records both).
 */

import assert from "node:assert/strict";
import { canBuildLab, sleep } from "./lab.ts";

const CARPD = new URL("../../scripts/carpd", import.meta.url).pathname;
import {
  type Firewall,
  FirewallPair,
  longestGap,
  pingReplies,
  splitSample,
  streamEchoes,
} from "./firewall_lab.ts";

const haveConntrackd = (() => {
  try {
    return new Deno.Command("conntrackd", {
      args: ["-v"],
      stdout: "null",
      stderr: "null",
    })
      .outputSync().success;
  } catch {
    return false;
  }
})();

/** The pre_master probe: the stream's entries and the VIPs present, per takeover. */
const PROBE = `#!/bin/sh
entries=$(conntrack -L -p tcp --dport 5555 2>/dev/null | grep -c ESTABLISHED)
vips=$(ip -4 -o addr show | grep -c -E ' 10\\.221\\.(1|2)\\.1/')
echo "probe $(date +%s%3N) entries=$entries vips=$vips" >> "$1"
`;

interface Probe {
  at: number;
  entries: number;
  vips: number;
}

async function probes(path: string): Promise<Probe[]> {
  const text = await Deno.readTextFile(path).catch(() => "");
  return text.split("\n").flatMap((l) => {
    const m = /^probe (\d+) entries=(\d+) vips=(\d+)$/.exec(l);
    return m
      ? [{ at: Number(m[1]), entries: Number(m[2]), vips: Number(m[3]) }]
      : [];
  });
}

Deno.test({
  name:
    "firewall pair: cable cut, crash, standby and takeback keep the stream, its state and the VIPs together",
  ignore: !canBuildLab || !haveConntrackd,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(): Promise<void> {
    const pair = await FirewallPair.up("t-fw");
    let logs = (): string => "";
    try {
      const probeScript = `${pair.dir}/probe.sh`;
      await Deno.writeTextFile(probeScript, PROBE, { mode: 0o755 });
      const probeLog = (fw: Firewall): string => `${pair.dir}/probe-${fw}.log`;
      const extra = (fw: Firewall): string =>
        `pre_master = ["/bin/sh", "${probeScript}", "${probeLog(fw)}"]\n`;
      await pair.conntrackd("a");
      await pair.conntrackd("b");
      const carpd = {
        a: await pair.carpd("a", extra("a")),
        b: await pair.carpd("b", extra("b")),
      };
      logs = () =>
        `carpd a:\n${carpd.a.lines.slice(-60).join("\n")}\ncarpd b:\n${
          carpd.b.lines.slice(-60).join("\n")
        }`;
      await pair.soleMaster("a", 10_000);
      await pair.server();
      pair.sample();
      const stream = await pair.stream();
      const ping = pair.ping();
      await sleep(2000);

      const events: {
        name: string;
        from: number;
        to: number;
        to_: Firewall;
      }[] = [];
      const event = async (
        name: string,
        to: Firewall,
        act: () => Promise<void>,
        withinMs: number,
      ): Promise<void> => {
        const from = Date.now();
        await act();
        await pair.soleMaster(to, withinMs);
        await sleep(2500); // retransmissions settle; the stream runs on
        events.push({ name, from, to: Date.now(), to_: to });
      };

      await event(
        "inside cable cut on the master",
        "b",
        () => pair.cable("a", "in", false),
        5000,
      );
      await event(
        "cable back: the preferred firewall takes the group back",
        "a",
        () => pair.cable("a", "in", true),
        8000,
      );
      await event("kill -9 of carpd on the master", "b", async () => {
        carpd.a.signal("SIGKILL");
        await carpd.a.exit(3000);
        // The killed daemon left its VIPs: wait for the backup to take over.
        assert.ok(
          await pair.holdsBoth("b", 5000),
          "b took over from the killed master",
        );
        carpd.a = await pair.carpd("a", extra("a"));
      }, 10_000);
      // The restarted daemon swept its leftovers and took the group back.
      events.at(-1)!.to_ = "a";
      await event("carpd standby on the master", "b", async () => {
        await pair.ctl("a", "standby");
      }, 5000);
      await event(
        "carpd resume: the preferred firewall takes the group back",
        "a",
        async () => {
          await pair.ctl("a", "resume");
        },
        8000,
      );

      const echoes = streamEchoes(stream.lines);
      const replies = pingReplies(ping.lines);
      const report = events.map((e) => ({
        event: e.name,
        pingGapMs: longestGap(replies, e.from, e.to),
        streamStallMs: longestGap(echoes, e.from, e.to),
        splitSamples: pair.samples.filter((s) =>
          s.at >= e.from && s.at <= e.to && splitSample(s)
        ).length,
      }));
      // deno-lint-ignore no-console
      console.log(JSON.stringify(report, null, 1));
      assert.ok(
        !stream.lines.some((l) =>
          l.startsWith("error")
        ),
        `the stream broke: ${
          stream.lines.filter((l) => l.startsWith("error"))
        }`,
      );
      assert.equal(
        await pair.streamDrops("a"),
        0,
        "no packet of the stream dropped by a",
      );
      assert.equal(
        await pair.streamDrops("b"),
        0,
        "no packet of the stream dropped by b",
      );
      const split = pair.samples.filter(splitSample);
      assert.deepEqual(split, [], "the VIPs are never on different boxes");
      assert.ok(
        report[0]!.pingGapMs <= 100,
        `inside cable cut: ping gap ${report[0]!.pingGapMs} ms (at most 100)`,
      );
      const start = events[0]!.from;
      for (const fw of ["a", "b"] as const) {
        for (
          const p of (await probes(probeLog(fw))).filter((p) => p.at >= start)
        ) {
          assert.equal(
            p.vips,
            0,
            `${fw}: no VIP before the pre-master step ends`,
          );
          assert.ok(
            p.entries >= 1,
            `${fw}: the stream's connection is committed before the VIPs (${
              JSON.stringify(p)
            })`,
          );
        }
      }
      const takeovers = {
        a: (await probes(probeLog("a"))).filter((p) => p.at >= start).length,
        b: (await probes(probeLog("b"))).filter((p) => p.at >= start).length,
      };
      assert.ok(
        takeovers.a >= 3 && takeovers.b >= 3,
        `a pre-master step per takeover: ${JSON.stringify(takeovers)}`,
      );
      const status = JSON.parse(await pair.ctl("a", "status", "--json"));
      assert.equal(status.groups[0].name, "fw");
      assert.equal(status.groups[0].state, "MASTER");
      assert.equal(
        status.groups[0].conntrackd.failures,
        0,
        JSON.stringify(status.groups[0]),
      );
    } catch (e) {
      // deno-lint-ignore no-console
      console.log(logs());
      throw e;
    } finally {
      await pair.down();
    }
  },
});

Deno.test({
  name:
    "firewall pair imported from keepalived (vrrp_sync_group + primary-backup.sh): one group, conntrackd driven by carpd; the inside cable cut moves both VIPs together",
  ignore: !canBuildLab || !haveConntrackd,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(): Promise<void> {
    const pair = await FirewallPair.up("t-fwi");
    try {
      await pair.conntrackd("a");
      await pair.conntrackd("b");
      for (const fw of ["a", "b"] as const) {
        const conf = await pair.keepalivedFiles(fw);
        const r = await new Deno.Command(CARPD, {
          args: ["import", "keepalived", conf],
          stdout: "piped",
          stderr: "piped",
        }).output();
        const notes = new TextDecoder().decode(r.stderr);
        assert.equal(r.code, 0, notes);
        const toml = new TextDecoder().decode(r.stdout);
        assert.match(
          toml,
          /\[\[group\]\]\nname = "fw"\nvhids = \["eth-in\/10", "eth-out\/10"\]/,
        );
        assert.match(notes, /primary-backup\.sh, so conntrackd = true/);
        // As the note says: this box's conntrackd config, and its socket.
        const config = toml.replace(
          /^conntrackd = true.*$/m,
          `conntrackd = ["/usr/sbin/conntrackd", "-C", "${pair.dir}/conntrackd-${fw}.conf"]`,
        ).replace(
          /^\[daemon\]$/m,
          `[daemon]\ncontrol_socket = "${pair.dir}/carpd-${fw}.sock"`,
        );
        await pair.carpdWith(fw, config);
      }
      await pair.soleMaster("a", 15_000);
      await pair.server();
      pair.sample(20);
      const stream = await pair.stream();
      const ping = pair.ping();
      await sleep(1500);
      const from = Date.now();
      await pair.cable("a", "in", false);
      await pair.soleMaster("b", 5000);
      await sleep(1500);
      const to = Date.now();
      const gap = longestGap(pingReplies(ping.lines), from, to);
      // VRRP: the backup waits its Skew_Time after the priority-0 advert
      // (0.61 s at priority 100), on both legs at once; keepalived waits
      // for its slowest member's master-down (over 3 s).
      assert.ok(gap < 1000, `ping gap ${gap} ms (under one advert interval)`);
      assert.equal(
        pair.splitMs(from, to),
        0,
        "the VIPs never on different boxes",
      );
      assert.ok(
        !stream.lines.some((l) => l.startsWith("error")),
        stream.lines.filter((l) => l.startsWith("error")).join(),
      );
      assert.equal(
        await pair.streamDrops("a") + await pair.streamDrops("b"),
        0,
      );
      const status = JSON.parse(await pair.ctl("b", "status", "--json"));
      assert.equal(status.groups[0].state, "MASTER");
      assert.equal(status.groups[0].conntrackd.failures, 0);
    } finally {
      await pair.down();
    }
  },
});
