/**
 * carpd on a real (namespaced) network: election, ping to the VIP, cable
 * cuts, graceful stop, reload, signals, and what goes on the wire.
 */

import assert from "node:assert/strict";
import { canBuildLab, eventually, Lab, sleep, vhidConfig } from "./lab.ts";

const VIP = "10.213.0.50";
const ignore = !canBuildLab; // needs root and iproute2; scripts/test.sh runs it as root

/** Milliseconds between two ISO-stamped log lines. */
function msBetween(a: string, b: string): number {
  return Date.parse(b.split(" ")[0]!) - Date.parse(a.split(" ")[0]!);
}

Deno.test({
  name: "three carpd nodes elect one MASTER, which answers pings on the VIP",
  ignore,
  async fn(): Promise<void> {
    const lab = await Lab.up(3);
    try {
      const nodes = await Promise.all(
        [0, 50, 100].map((skew, i) =>
          lab.carpd(i + 1, vhidConfig({ vip: VIP, advskew: skew }))
        ),
      );
      assert.ok(
        await nodes[0]!.waitFor(/BACKUP -> MASTER/, 8000),
        nodes[0]!.output,
      );
      assert.ok(
        await eventually(() => lab.ping(VIP), 5000),
        "VIP answers pings",
      );
      await sleep(1500);
      assert.deepEqual(await lab.holders(VIP, 3), [1]);
      for (const n of nodes.slice(1)) {
        assert.ok(!n.output.includes("-> MASTER"), n.output);
        assert.match(n.output, /INIT -> BACKUP/);
      }
    } finally {
      await lab.down();
    }
  },
});

Deno.test({
  name:
    "a cut cable moves the VIP to a backup; plugged back, preemption returns it",
  ignore,
  async fn(): Promise<void> {
    const lab = await Lab.up(2);
    try {
      const [a, b] = await Promise.all([
        lab.carpd(1, vhidConfig({ vip: VIP, advskew: 0 })),
        lab.carpd(2, vhidConfig({ vip: VIP, advskew: 50 })),
      ]);
      assert.ok(await a!.waitFor(/BACKUP -> MASTER/, 8000), a!.output);
      assert.ok(await eventually(() => lab.ping(VIP), 5000));
      const before = b!.mark();
      await lab.cut(1);
      assert.ok(
        await a!.waitFor(/MASTER -> FAULT \(link down on eth0\)/, 3000),
        a!.output,
      );
      assert.ok(
        await b!.waitFor(/BACKUP -> MASTER \(master down\)/, 6000, before),
        b!.output,
      );
      assert.ok(
        await eventually(() => lab.ping(VIP), 3000),
        "pings resume via the backup",
      );
      assert.deepEqual(await lab.holders(VIP, 2), [2]);
      await lab.plug(1);
      assert.ok(
        await a!.waitFor(/FAULT -> BACKUP \(link up\)/, 3000),
        a!.output,
      );
      assert.ok(
        await a!.waitFor(/BACKUP -> MASTER \(preemption\)/, 4000),
        a!.output,
      );
      assert.ok(
        await b!.waitFor(/MASTER -> BACKUP \(preferred master/, 3000),
        b!.output,
      );
      assert.ok(
        await eventually(
          async () => (await lab.holders(VIP, 2)).join() === "1",
          2000,
        ),
      );
      assert.ok(
        await eventually(() => lab.ping(VIP), 3000),
        "pings reach the returning master",
      );
    } finally {
      await lab.down();
    }
  },
});

Deno.test({
  name:
    "a master stopped with SIGTERM bows out and a backup takes over at once",
  ignore,
  async fn(): Promise<void> {
    const lab = await Lab.up(2);
    try {
      const [a, b] = await Promise.all([
        lab.carpd(1, vhidConfig({ vip: VIP, advskew: 0 })),
        lab.carpd(2, vhidConfig({ vip: VIP, advskew: 50, preempt: false })),
      ]);
      assert.ok(await a!.waitFor(/BACKUP -> MASTER/, 8000));
      await sleep(1200);
      a!.signal("SIGTERM");
      const status = await a!.exit();
      assert.equal(status.code, 0, a!.output);
      const stop = (await a!.waitFor(/stopping \(SIGTERM\)/, 100))!;
      const takeover = await b!.waitFor(
        /BACKUP -> MASTER \(master bowing out\)/,
        3000,
      );
      assert.ok(takeover, b!.output);
      const ms = msBetween(stop, takeover);
      assert.ok(ms < 250, `takeover took ${ms} ms`);
      assert.deepEqual(
        await lab.holders(VIP, 2),
        [2],
        "the stopped master released the VIP",
      );
      assert.ok(await eventually(() => lab.ping(VIP), 3000));
    } finally {
      await lab.down();
    }
  },
});

Deno.test({
  name:
    "adverts on the wire: TTL 255, protocol 112, to 224.0.0.18, authenticated",
  ignore,
  async fn(): Promise<void> {
    const lab = await Lab.up(2);
    try {
      const dump = lab.spawn("tcpdump", [
        "ip",
        "netns",
        "exec",
        lab.host(2),
        "tcpdump",
        "-l",
        "-n",
        "-v",
        "-T",
        "carp",
        "-c",
        "2",
        "-i",
        "eth0",
        "ip proto 112",
      ]);
      await dump.waitFor(/listening on/, 5000);
      const a = await lab.carpd(1, vhidConfig({ vip: VIP, advskew: 20 }));
      assert.ok(await a.waitFor(/BACKUP -> MASTER/, 8000));
      await dump.exit(5000);
      const text = dump.output;
      assert.match(
        text,
        /tos 0x10, ttl 255, .*flags \[DF\], proto VRRP \(112\), length 56/,
      );
      assert.match(
        text,
        /10\.213\.0\.11 > 224\.0\.0\.18: CARPv2-advertise 36: vhid=7 advbase=1 advskew=20 authlen=7 counter=\d+/,
      );
    } finally {
      await lab.down();
    }
  },
});

Deno.test({
  name:
    "SIGHUP reloads: a bad file is rejected, an unchanged vhid keeps MASTER, a new one starts",
  ignore,
  async fn(): Promise<void> {
    const lab = await Lab.up(1);
    try {
      const a = await lab.carpd(
        1,
        vhidConfig({ vip: VIP, advskew: 0, advbase: 0 }).replace(
          "advskew = 0",
          "advskew = 20",
        ),
      );
      assert.ok(await a.waitFor(/BACKUP -> MASTER/, 5000), a.output);
      const path = `${lab.dir}/h1.toml`;
      const first = await Deno.readTextFile(path); // with the lab's control_socket
      await Deno.writeTextFile(path, first + "\nbogus = 1\n");
      a.signal("SIGHUP");
      assert.ok(
        await a.waitFor(
          /reload rejected, running config kept: vhid\[0\]\.bogus: unknown key/,
          3000,
        ),
        a.output,
      );
      const second = first + `
[[vhid]]
id = 8
interface = "eth0"
vips = ["10.213.0.51/24"]
password = "other"
advbase = 0
advskew = 20
`;
      await Deno.writeTextFile(path, second);
      a.signal("SIGHUP");
      assert.ok(
        await a.waitFor(/reloaded .*: 2 vhid\(s\), 1 \(re\)started/, 3000),
        a.output,
      );
      assert.ok(await a.waitFor(/vhid 8: BACKUP -> MASTER/, 3000), a.output);
      assert.equal(
        a.lines.filter((l) => /vhid 7: .*-> MASTER/.test(l)).length,
        1,
        "vhid 7 never flapped",
      );
      assert.ok(await lab.has(1, VIP) && await lab.has(1, "10.213.0.51"));
      // Only vhid 7's advskew changes: updated in place, no transition.
      await Deno.writeTextFile(
        path,
        second.replace("advskew = 20", "advskew = 30"),
      );
      a.signal("SIGHUP");
      assert.ok(
        await a.waitFor(
          /reloaded .*: 2 vhid\(s\), 0 \(re\)started, 1 updated in place/,
          3000,
        ),
        a.output,
      );
      const v7 = (await lab.status(1)).vhids.find((v) => v.vhid === 7)!;
      assert.equal(v7.state, "MASTER");
      assert.deepEqual(v7.advskew, { configured: 30, effective: 30 });
      assert.equal(
        a.lines.filter((l) => /vhid 7: .*-> MASTER/.test(l)).length,
        1,
        "still no flap",
      );
      a.signal("SIGUSR2");
      assert.ok(
        await a.waitFor(/vhid 7: MASTER -> BACKUP \(step down\)/, 2000),
        a.output,
      );
      a.signal("SIGTERM");
      assert.equal((await a.exit()).code, 0);
      assert.deepEqual(await lab.holders(VIP, 1), [], "VIPs removed on exit");
      assert.ok(!(await lab.has(1, "10.213.0.51")));
    } finally {
      await lab.down();
    }
  },
});

Deno.test({
  name: "a leftover VIP found at start while BACKUP is removed",
  ignore,
  async fn(): Promise<void> {
    const lab = await Lab.up(2);
    try {
      const a = await lab.carpd(1, vhidConfig({ vip: VIP, advskew: 0 }));
      assert.ok(await a.waitFor(/BACKUP -> MASTER/, 8000));
      await lab.exec(lab.host(2), [
        "ip",
        "addr",
        "add",
        `${VIP}/24`,
        "dev",
        "eth0",
      ]);
      const b = await lab.carpd(2, vhidConfig({ vip: VIP, advskew: 50 }));
      assert.ok(await b.waitFor(/INIT -> BACKUP/, 5000));
      assert.ok(
        await eventually(async () => !(await lab.has(2, VIP)), 2000),
        "leftover removed",
      );
    } finally {
      await lab.down();
    }
  },
});

Deno.test({
  name:
    "gratuitous ARP on becoming MASTER, repeated after garp_interval, as ucarp sends it",
  ignore,
  async fn(): Promise<void> {
    const lab = await Lab.up(1);
    try {
      const dump = lab.spawn("tcpdump", [
        ...[
          "ip",
          "netns",
          "exec",
          lab.client,
          "tcpdump",
          "-l",
          "-n",
          "-e",
          "-c",
          "2",
          "-i",
          "eth0",
        ],
        `arp and src host ${VIP}`,
      ]);
      await dump.waitFor(/listening on/, 5000);
      const a = await lab.carpd(
        1,
        vhidConfig({ vip: VIP, advskew: 20, extra: "garp_interval = 0.5" }),
      );
      const became = await a.waitFor(/BACKUP -> MASTER/, 8000);
      assert.ok(became);
      await dump.exit(5000);
      const arps = dump.lines.filter((l) => /Request who-has /.test(l));
      assert.equal(arps.length, 2, dump.output);
      const mac =
        (await lab.exec(lab.host(1), ["cat", "/sys/class/net/eth0/address"]))
          .trim();
      for (const l of arps) {
        assert.match(
          l,
          new RegExp(`^\\S+ ${mac} > ff:ff:ff:ff:ff:ff, ethertype ARP`),
        );
        assert.match(
          l,
          new RegExp(
            `Request who-has ${VIP.replaceAll(".", "\\.")} \\(${mac}\\) tell ${
              VIP.replaceAll(".", "\\.")
            }`,
          ),
        );
      }
      const t = arps.map((l) => {
        const [h, m, s] = l.split(" ")[0]!.split(":").map(Number);
        return (h! * 3600 + m! * 60 + s!) * 1000;
      });
      const gap = t[1]! - t[0]!;
      assert.ok(
        gap > 400 && gap < 700,
        `second GARP ${gap} ms after the first`,
      );
    } finally {
      await lab.down();
    }
  },
});

Deno.test({
  name:
    "unicast mode sends to each peer and elects one MASTER; broadcast mode uses ff:ff:ff:ff:ff:ff",
  ignore,
  async fn(): Promise<void> {
    const lab = await Lab.up(2);
    try {
      const dump = lab.spawn("tcpdump", [
        ...[
          "ip",
          "netns",
          "exec",
          lab.client,
          "tcpdump",
          "-l",
          "-n",
          "-e",
          "-c",
          "3",
          "-i",
          "eth0",
        ],
        "ip proto 112",
      ]);
      await dump.waitFor(/listening on/, 5000);
      const unicast = (me: number, other: number): string =>
        vhidConfig({
          vip: VIP,
          advskew: me * 10,
          advbase: 0,
          extra: `mode = "unicast"\npeers = ["${lab.address(other)}"]`,
        });
      const [a, b] = await Promise.all([
        lab.carpd(1, unicast(1, 2)),
        lab.carpd(2, unicast(2, 1)),
      ]);
      assert.ok(await a!.waitFor(/BACKUP -> MASTER/, 5000), a!.output);
      await sleep(600);
      assert.doesNotMatch(b!.output, /-> MASTER/, b!.output);
      assert.deepEqual(await lab.holders(VIP, 2), [1]);
      // The client is not a peer: on a switch it would see nothing; on this
      // bridge (flooding unknown unicast) it may see the adverts to the peer.
      await dump.exit(1500);
      assert.doesNotMatch(
        dump.output,
        /> 224\.0\.0\.18/,
        "no multicast in unicast mode",
      );
      a!.signal("SIGTERM");
      assert.ok(
        await b!.waitFor(/BACKUP -> MASTER \(master bowing out\)/, 2000),
        b!.output,
      );
      await Promise.all([a!.exit(), (b!.signal("SIGTERM"), b!.exit())]);

      const bdump = lab.spawn("tcpdump", [
        ...[
          "ip",
          "netns",
          "exec",
          lab.client,
          "tcpdump",
          "-l",
          "-n",
          "-e",
          "-c",
          "2",
          "-i",
          "eth0",
        ],
        "ip proto 112",
      ]);
      await bdump.waitFor(/listening on/, 5000);
      const bcast = (skew: number): string =>
        vhidConfig({
          vip: VIP,
          advskew: skew,
          advbase: 0,
          extra: 'mode = "broadcast"',
        });
      const [c, d] = await Promise.all([
        lab.carpd(1, bcast(10)),
        lab.carpd(2, bcast(20)),
      ]);
      assert.ok(await c!.waitFor(/BACKUP -> MASTER/, 5000), c!.output);
      await sleep(600);
      assert.doesNotMatch(d!.output, /-> MASTER/, d!.output);
      await bdump.exit(3000);
      assert.match(
        bdump.output,
        /> ff:ff:ff:ff:ff:ff, ethertype IPv4.*10\.213\.0\.11 > 224\.0\.0\.18/,
      );
    } finally {
      await lab.down();
    }
  },
});
