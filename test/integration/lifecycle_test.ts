/**
 * The network's real lifecycle: interfaces deleted, re-created and created
 * late, addresses that change or are removed by someone else, adverts a
 * firewall drops, and rtnetlink events lost to an overflow.
 */

import assert from "node:assert/strict";
import { request } from "../../src/control/client.ts";
import { canBuildLab, eventually, Lab, sh, sleep, vhidConfig } from "./lab.ts";

const VIP = "10.213.0.50";
const ignore = !canBuildLab;

/**
 * Asserts that exactly `host` holds the VIP now and for `ms` (sampled).
 */
async function soleHolder(
  lab: Lab,
  host: number,
  ms: number,
  n = 2,
): Promise<void> {
  const end = performance.now() + ms;
  for (let i = 0; i < 1000 && performance.now() < end; i++) {
    assert.deepEqual(
      await lab.holders(VIP, n),
      [host],
      `only h${host} holds the VIP`,
    );
    await sleep(250);
  }
}

async function waitSoleHolder(
  lab: Lab,
  host: number,
  withinMs: number,
  n = 2,
): Promise<number> {
  const from = performance.now();
  assert.ok(
    await eventually(
      async () => (await lab.holders(VIP, n)).join() === String(host),
      withinMs,
      50,
    ),
    `h${host} alone holds the VIP within ${withinMs} ms: ${await lab.holders(
      VIP,
      n,
    )}`,
  );
  return performance.now() - from;
}

Deno.test({
  name:
    "the MASTER's interface deleted and re-created: one holder within master-down + an interval, stable; the same on a BACKUP",
  ignore,
  async fn(): Promise<void> {
    const lab = await Lab.up(2);
    try {
      const a = await lab.carpd(1, vhidConfig({ vip: VIP, advskew: 0 }));
      const b = await lab.carpd(2, vhidConfig({ vip: VIP, advskew: 50 }));
      assert.ok(await a.waitFor(/BACKUP -> MASTER/, 8000), a.output);
      await waitSoleHolder(lab, 1, 2000);
      const mark = a.mark();
      await lab.unlink(1);
      await lab.relink(1);
      assert.ok(
        await a.waitFor(/interface eth0: (re-created|present)/, 3000, mark),
        a.output,
      );
      // master-down (3.195 s) + one advert interval
      const took = await waitSoleHolder(lab, 1, 3195 + 1000 + 500);
      await soleHolder(lab, 1, 10_000);
      const s = (await lab.status(1)).vhids[0]!;
      assert.equal(s.state, "MASTER");
      assert.equal(s.source, lab.address(1));
      // deno-lint-ignore no-console
      console.log(
        `  MASTER re-created: sole holder again after ${Math.round(took)} ms`,
      );

      // The same on the BACKUP: it rejoins as BACKUP, the master keeps it.
      const markB = b.mark();
      await lab.unlink(2);
      await lab.relink(2);
      assert.ok(
        await b.waitFor(/FAULT -> BACKUP/, 3000, markB),
        b.output,
      );
      await soleHolder(lab, 1, 10_000);
      assert.equal((await lab.status(2)).vhids[0]!.state, "BACKUP");
      assert.equal((await lab.status(2)).vhids[0]!.master, lab.address(1));
    } finally {
      await lab.down();
    }
  },
});

Deno.test({
  name:
    "carpd started before its interface exists keeps running, and joins and preempts when it appears; the same after a reload",
  ignore,
  async fn(): Promise<void> {
    const lab = await Lab.up(2);
    try {
      await lab.unlink(1);
      const a = await lab.carpd(1, vhidConfig({ vip: VIP, advskew: 0 }));
      const b = await lab.carpd(2, vhidConfig({ vip: VIP, advskew: 50 }));
      assert.ok(
        await a.waitFor(
          /vhid 7: INIT -> FAULT \(interface missing: waiting for eth0\)/,
          5000,
        ),
        a.output,
      );
      assert.ok(await b.waitFor(/BACKUP -> MASTER/, 6000), b.output);
      const waiting = (await lab.status(1)).vhids[0]!;
      assert.equal(waiting.state, "FAULT");
      assert.deepEqual(waiting.faults, ["waiting for eth0"]);
      await lab.relink(1);
      assert.ok(
        await a.waitFor(/FAULT -> BACKUP \(interface back\)/, 3000),
        a.output,
      );
      assert.ok(
        await a.waitFor(/BACKUP -> MASTER \(preemption\)/, 3000),
        a.output,
      );
      await waitSoleHolder(lab, 1, 2000);

      // A reload names an interface that does not exist yet: a macvlan
      // "vlan10" on eth0, as a VLAN created later by another unit.
      const path = `${lab.dir}/h1.toml`;
      await Deno.writeTextFile(
        path,
        (await Deno.readTextFile(path)) + `
[[vhid]]
id = 9
interface = "vlan10"
vips = ["10.213.0.60/24"]
password = "vlan"
advskew = 0
`,
      );
      const mark = a.mark();
      a.signal("SIGHUP");
      assert.ok(
        await a.waitFor(
          /vhid 9: INIT -> FAULT \(interface missing: waiting for vlan10\)/,
          3000,
          mark,
        ),
        a.output,
      );
      assert.equal((await lab.status(1)).reload.ok, true);
      await lab.exec(lab.host(1), [
        "ip",
        "link",
        "add",
        "vlan10",
        "link",
        "eth0",
        "type",
        "macvlan",
        "mode",
        "bridge",
      ]);
      await lab.exec(lab.host(1), [
        "ip",
        "addr",
        "add",
        "10.213.0.21/24",
        "dev",
        "vlan10",
      ]);
      await lab.exec(lab.host(1), ["ip", "link", "set", "vlan10", "up"]);
      assert.ok(
        await a.waitFor(/vhid 9: BACKUP -> MASTER/, 6000, mark),
        a.output,
      );
      const v9 = (await lab.status(1)).vhids.find((v) => v.vhid === 9)!;
      assert.equal(v9.source, "10.213.0.21");
      assert.ok(await eventually(() => lab.ping("10.213.0.60"), 3000));
    } finally {
      await lab.down();
    }
  },
});

Deno.test({
  name:
    "a unicast box whose primary address changes: the group keeps one MASTER",
  ignore,
  async fn(): Promise<void> {
    const lab = await Lab.up(2);
    try {
      const unicast = (peers: string[]): string =>
        `mode = "unicast"\npeers = [${
          peers.map((p) => `"${p}"`).join(", ")
        }]\n`;
      const a = await lab.carpd(
        1,
        vhidConfig({ vip: VIP, advskew: 0, extra: unicast([lab.address(2)]) }),
      );
      const b = await lab.carpd(
        2,
        vhidConfig({
          vip: VIP,
          advskew: 50,
          extra: unicast([lab.address(1), "10.213.0.31"]),
        }),
      );
      assert.ok(await a.waitFor(/BACKUP -> MASTER/, 8000), a.output);
      await waitSoleHolder(lab, 1, 3000);
      // Renumbered: the new address first, then the old one goes (with
      // promote_secondaries, as systemd sets it, the new one stays).
      await lab.exec(lab.host(1), [
        "sysctl",
        "-qw",
        "net.ipv4.conf.eth0.promote_secondaries=1",
      ]);
      await lab.exec(lab.host(1), [
        "ip",
        "addr",
        "add",
        "10.213.0.31/24",
        "dev",
        "eth0",
      ]);
      await lab.exec(lab.host(1), [
        "ip",
        "addr",
        "del",
        `${lab.address(1)}/24`,
        "dev",
        "eth0",
      ]);
      assert.ok(
        await a.waitFor(
          /source address 10\.213\.0\.11 -> 10\.213\.0\.31/,
          3000,
        ),
        a.output,
      );
      await soleHolder(lab, 1, 8000);
      const sa = (await lab.status(1)).vhids[0]!;
      assert.equal(sa.source, "10.213.0.31");
      assert.equal(sa.counters.drops.wrong_destination, 0);
      const sb = (await lab.status(2)).vhids[0]!;
      assert.equal(sb.state, "BACKUP");
      assert.equal(sb.master, "10.213.0.31");
      assert.doesNotMatch(b.output, /BACKUP -> MASTER/);
    } finally {
      await lab.down();
    }
  },
});

Deno.test({
  name:
    "the MASTER's own firewall drops its adverts: it demotes itself and yields, no ping-pong; the rule removed, it preempts back",
  ignore,
  async fn(): Promise<void> {
    const lab = await Lab.up(2);
    try {
      const a = await lab.carpd(1, vhidConfig({ vip: VIP, advskew: 0 }));
      const b = await lab.carpd(2, vhidConfig({ vip: VIP, advskew: 50 }));
      assert.ok(await a.waitFor(/BACKUP -> MASTER/, 8000), a.output);
      await waitSoleHolder(lab, 1, 2000);
      // An output rule dropping protocol 112, as an admin's firewall might.
      for (
        const rule of [
          "add table inet carptest",
          "add chain inet carptest out { type filter hook output priority 0 ; }",
          "add rule inet carptest out ip protocol 112 drop",
        ]
      ) await lab.exec(lab.host(1), ["nft", rule]);
      assert.ok(
        await a.waitFor(
          /vhid 7: send errors, EPERM: its adverts cannot leave; demoted \+240/,
          5000,
        ),
        a.output,
      );
      assert.ok(
        await b.waitFor(/BACKUP -> MASTER \(master down\)/, 6000),
        b.output,
      );
      assert.ok(
        await a.waitFor(
          /vhid 7: MASTER -> BACKUP \(preferred master 10\.213\.0\.12\)/,
          3000,
        ),
        a.output,
      );
      await waitSoleHolder(lab, 2, 2000);
      const garpsBefore = (await lab.status(2)).vhids[0]!.counters.garpsSent;
      await soleHolder(lab, 2, 10_000);
      const s = (await lab.status(1)).vhids[0]!;
      assert.deepEqual(s.demotions, [{
        reason: "send errors, EPERM",
        advskew: 240,
      }]);
      assert.ok((s.counters.sendErrors["EPERM"] ?? 0) >= 3);
      assert.ok(
        (await lab.status(2)).vhids[0]!.counters.garpsSent - garpsBefore <= 2,
        "no ARP ping-pong",
      );
      // The rule goes: probes get out, the demotion ends, a preempts back.
      await lab.exec(lab.host(1), [
        "nft",
        "delete",
        "table",
        "inet",
        "carptest",
      ]);
      assert.ok(
        await a.waitFor(
          /adverts leave again; demotion for send errors ended/,
          6000,
        ),
        a.output,
      );
      assert.ok(
        await a.waitFor(/BACKUP -> MASTER \(preemption\)/, 3000),
        a.output,
      );
      await waitSoleHolder(lab, 1, 2000);
      assert.deepEqual((await lab.status(1)).vhids[0]!.demotions, []);
    } finally {
      await sh([
        "ip",
        "netns",
        "exec",
        lab.host(1),
        "nft",
        "delete",
        "table",
        "inet",
        "carptest",
      ]).catch(() => {});
      await lab.down();
    }
  },
});

Deno.test({
  name:
    "a VIP removed by hand from the MASTER is back within a second, counted",
  ignore,
  async fn(): Promise<void> {
    const lab = await Lab.up(1);
    try {
      const a = await lab.carpd(1, vhidConfig({ vip: VIP, advskew: 0 }));
      assert.ok(await a.waitFor(/BACKUP -> MASTER/, 8000), a.output);
      await waitSoleHolder(lab, 1, 2000, 1);
      await lab.exec(lab.host(1), [
        "ip",
        "addr",
        "del",
        `${VIP}/24`,
        "dev",
        "eth0",
      ]);
      const back = await waitSoleHolder(lab, 1, 1000, 1);
      assert.ok(
        await a.waitFor(
          /10\.213\.0\.50\/24 was removed from eth0 while MASTER; putting it back/,
          1000,
        ),
        a.output,
      );
      const s = (await lab.status(1)).vhids[0]!;
      assert.equal(s.counters.vipsRestored, 1);
      assert.equal(s.state, "MASTER");
      // deno-lint-ignore no-console
      console.log(`  VIP back after ${Math.round(back)} ms`);
    } finally {
      await lab.down();
    }
  },
});

Deno.test({
  name:
    "rtnetlink events lost to an overflow: the state is re-read and a lost link-down is seen",
  ignore,
  async fn(): Promise<void> {
    const lab = await Lab.up(1);
    try {
      const a = await lab.carpd(1, vhidConfig({ vip: VIP, advskew: 0 }), {
        CARPD_TEST_HOOKS: "1",
      });
      assert.ok(await a.waitFor(/BACKUP -> MASTER/, 8000), a.output);
      const hook = (body: Record<string, unknown>): Promise<unknown> =>
        request(lab.socket(1), { command: "test", ...body } as never);
      await hook({ action: "monitor_buffer", bytes: 1 });
      // While the loop serves nothing, a burst of link events overflows the
      // tiny buffer, and the cable is pulled in the middle of it.
      await hook({ action: "stall", ms: 1500 });
      const script = [
        "for i in $(seq 1 60); do ip link add d$i type veth peer name e$i; done",
        "ip link set eth0 down",
        "for i in $(seq 1 60); do ip link del d$i; done",
      ].join("; ");
      await lab.exec(lab.host(1), ["sh", "-c", script]);
      assert.ok(
        await a.waitFor(
          /rtnetlink events were lost .*re-reading every link and address/,
          5000,
        ),
        a.output,
      );
      assert.ok(
        await a.waitFor(/vhid 7: MASTER -> FAULT \(link down on eth0\)/, 3000),
        a.output,
      );
      const s = await lab.status(1);
      assert.ok(s.linkResyncs >= 1);
      assert.equal(s.vhids[0]!.state, "FAULT");
      await lab.exec(lab.host(1), ["ip", "link", "set", "eth0", "up"]);
      assert.ok(await a.waitFor(/FAULT -> BACKUP \(link up\)/, 3000), a.output);
    } finally {
      await lab.down();
    }
  },
});
