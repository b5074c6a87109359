/**
 * VRRPv3 on a real (namespaced) LAN, in one group with Debian's keepalived
 * 2.2.7 (`vrrp_version 3`) as the peer: both directions of a cable cut,
 * a planned stop with priority 0, a failing health check, a VIP-list
 * mismatch, IPv6, and a carpd pair at 0.1 s adverts. keepalived's log must
 * never complain about carpd's adverts.
 */

import assert from "node:assert/strict";
import type { VhidStatus } from "../../src/control/status.ts";
import { skewMs } from "../../src/fsm/vrrp_election.ts";
import { activeDownMs } from "../fsm/_fixture.ts";
import {
  canBuildLab,
  eventually,
  Lab,
  linkLocal,
  PingStream,
  type Proc,
  sh,
  sleep,
  soleHolder,
} from "./lab.ts";

const VIP = "10.213.0.50";
const VIP6 = "fd13:213::50";
const ignore = !canBuildLab;

/** What keepalived 2.2.7 logs when it dislikes an advert. */
const KEEPALIVED_COMPLAINTS =
  /Invalid VRRPv3 checksum|wrong version|unexpected ip number count|packet too (long|short)|invalid TTL|not present in MASTER advert|equal priority advert|CONFIGURATION ERROR/i;

/** A carpd config with one VRRP vhid (id 9). */
function carpdVrrp(o: {
  priority: number;
  vips?: string[];
  interval?: number;
  extra?: string;
  check?: string;
}): string {
  return `[daemon]
log_level = "info"

[[vhid]]
protocol = "vrrp"
id = 9
interface = "eth0"
vips = ${JSON.stringify(o.vips ?? [`${VIP}/24`])}
priority = ${o.priority}
advert_interval = ${o.interval ?? 1}
${o.extra ?? ""}
${o.check ?? ""}
`;
}

/** A keepalived VRRPv3 instance (VRID 9) as `vrrp_instance` text. */
function kaInstance(o: {
  priority: number;
  vips?: string[];
  interval?: number;
  extra?: string;
}): string {
  return `vrrp_instance VI_9 {
  state BACKUP
  interface eth0
  virtual_router_id 9
  priority ${o.priority}
  advert_int ${o.interval ?? 1}
  virtual_ipaddress {
    ${(o.vips ?? [`${VIP}/24`]).join("\n    ")}
  }
  ${o.extra ?? ""}
}`;
}

const KA_GLOBALS = "  vrrp_version 3\n  vrrp_garp_master_delay 1";

function keepalived(
  lab: Lab,
  i: number,
  o: Parameters<typeof kaInstance>[0],
): Promise<Proc> {
  return lab.keepalived(i, KA_GLOBALS, kaInstance(o));
}

async function vhidOf(lab: Lab, i: number): Promise<VhidStatus> {
  return (await lab.status(i)).vhids[0]!;
}

function assertClean(ka: Proc, carpd: Proc): void {
  assert.doesNotMatch(ka.output, KEEPALIVED_COMPLAINTS, ka.output);
  assert.doesNotMatch(carpd.output, /Uncaught|panicked|error: /i);
  assert.doesNotMatch(carpd.output, /dropped packet/, carpd.output);
}

Deno.test({
  name:
    "keepalived MASTER, carpd BACKUP: carpd follows it, takes over within Master_Down_Interval of a cable cut, and yields when it comes back",
  ignore,
  async fn(): Promise<void> {
    const lab = await Lab.up(2);
    try {
      const ka = await keepalived(lab, 1, { priority: 150 });
      await soleHolder(lab, VIP, 1, 2, 6000);
      const carpd = await lab.carpd(2, carpdVrrp({ priority: 100 }));
      assert.ok(
        await eventually(async () => {
          const v = await vhidOf(lab, 2).catch(() => null);
          return v?.state === "BACKUP" && v.master === lab.address(1);
        }, 6000),
        "carpd is BACKUP to keepalived",
      );
      await sleep(2500);
      const v = await vhidOf(lab, 2);
      assert.equal(v.protocol, "vrrp");
      assert.deepEqual(v.priority, { configured: 100, effective: 100 });
      assert.equal(v.checksum, "pseudo");
      const peer = v.peers.find((p) => p.address === lab.address(1));
      assert.equal(peer?.priority, 150);
      assert.equal(peer?.advertInterval, 1);
      assert.ok((peer?.checksums.pseudo ?? 0) >= 2, JSON.stringify(peer));
      assert.equal(v.counters.vipListMismatches, 0);
      assert.deepEqual(await lab.holders(VIP, 2), [1]);

      // Cable cut: carpd takes over within 3 x 1 s + Skew_Time(100).
      const mdi = activeDownMs(100, 100);
      const t0 = performance.now();
      await lab.cut(1);
      assert.ok(
        await eventually(() => lab.has(2, VIP), mdi + 1000, 10),
        "carpd took the VIP",
      );
      const took = Math.round(performance.now() - t0);
      assert.ok(took <= mdi + 300, `took over after ${took} ms (MDI ${mdi})`);
      assert.equal((await vhidOf(lab, 2)).state, "MASTER");

      // Back: keepalived (150) answers carpd's advert at once; carpd yields.
      const mark = carpd.mark();
      await lab.plug(1);
      await soleHolder(lab, VIP, 1, 2, 5000);
      assert.ok(
        await carpd.waitFor(/MASTER -> BACKUP \(preferred master/, 3000, mark),
        carpd.output,
      );
      await sleep(1500);
      assert.deepEqual(await lab.holders(VIP, 2), [1], "stable");
      assertClean(ka, carpd);
      // deno-lint-ignore no-console
      console.log(`  keepalived cut: carpd took over after ${took} ms`);
    } finally {
      await lab.down();
    }
  },
});

Deno.test({
  name:
    "carpd MASTER, keepalived BACKUP: a stop hands over with priority 0 within Skew_Time and no lost ping; a failing check lets keepalived preempt",
  ignore,
  async fn(): Promise<void> {
    const lab = await Lab.up(2);
    try {
      const flag = `${lab.dir}/squid-ok`;
      await Deno.writeTextFile(flag, "");
      const check = `[[check]]
name = "service"
command = ["/usr/bin/test", "-e", "${flag}"]
interval = 0.2
fall = 1
rise = 1
demote = 150
`;
      const carpd = await lab.carpd(2, carpdVrrp({ priority: 200, check }));
      await soleHolder(lab, VIP, 2, 2, 6000);
      const ka = await keepalived(lab, 1, { priority: 100 });
      assert.ok(
        await ka.waitFor(/Entering BACKUP STATE/, 5000),
        ka.output,
      );
      await sleep(2500);
      assert.deepEqual(await lab.holders(VIP, 2), [2], "keepalived follows");

      // The check fails: priority 200 - 150 = 50 < 100. carpd bows out
      // with priority 0; keepalived takes over after its Skew_Time.
      const ping = new PingStream(lab, VIP);
      assert.ok(await eventually(() => ping.flowing(), 3000, 20));
      let t0 = performance.now();
      await Deno.remove(flag);
      await soleHolder(lab, VIP, 1, 2, 3000);
      const handover = Math.round(performance.now() - t0);
      const v = await vhidOf(lab, 2);
      assert.equal(v.state, "BACKUP");
      assert.equal(v.priority?.effective, 50);
      assert.deepEqual(
        v.demotions.map((d) => [d.reason, d.advskew]),
        [["check service", 150]],
      );
      await sleep(300);
      const healthGap = ping.gapSince(t0 - 50);

      // Healthy again: carpd preempts after its own Master_Down_Interval.
      t0 = performance.now();
      await Deno.writeTextFile(flag, "");
      await soleHolder(lab, VIP, 2, 2, activeDownMs(200, 100) + 1500);
      const preempted = Math.round(performance.now() - t0);
      await sleep(1500);
      assert.deepEqual(await lab.holders(VIP, 2), [2], "stable");

      // Standby: priority 0 now, then priority 1 until resume.
      t0 = performance.now();
      assert.equal((await lab.ctl(2, "standby")).code, 0);
      await soleHolder(lab, VIP, 1, 2, 2000);
      const standby = Math.round(performance.now() - t0);
      await sleep(300);
      const standbyGap = ping.gapSince(t0 - 50);
      assert.equal((await vhidOf(lab, 2)).priority?.effective, 1);
      assert.equal((await lab.ctl(2, "resume")).code, 0);
      await soleHolder(lab, VIP, 2, 2, activeDownMs(200, 100) + 1500);
      await sleep(1000);

      // Planned stop: priority 0; keepalived (100) takes over after
      // Skew_Time = 609 ms; carpd keeps the VIP until it has.
      const skew = skewMs(100, 100);
      t0 = performance.now();
      const mark = ka.mark();
      carpd.signal("SIGTERM");
      assert.ok(await ka.waitFor(/Entering MASTER STATE/, 2000, mark));
      const stopHandover = Math.round(performance.now() - t0);
      assert.ok(
        stopHandover <= skew + 300,
        `keepalived master after ${stopHandover} ms (skew ${skew})`,
      );
      assert.equal((await carpd.exit(5000)).code, 0);
      await soleHolder(lab, VIP, 1, 2, 1000);
      await sleep(300);
      const stopGap = ping.gapSince(t0 - 50);
      await ping.stop();
      assert.ok(stopGap < 100, `ping gap on stop ${stopGap} ms`);
      assert.ok(healthGap < 100, `ping gap on handover ${healthGap} ms`);
      assert.ok(standbyGap < 100, `ping gap on standby ${standbyGap} ms`);
      assert.match(ka.output, /Backup received priority 0|Entering MASTER/);
      assertClean(ka, carpd);
      // deno-lint-ignore no-console
      console.log(
        `  carpd -> keepalived: check handover ${handover} ms (gap ${healthGap} ms), preempted back after ${preempted} ms, standby ${standby} ms (gap ${standbyGap} ms), stop ${stopHandover} ms (gap ${stopGap} ms)`,
      );
    } finally {
      await lab.down();
    }
  },
});

Deno.test({
  name:
    "VRRPv2 with keepalived's defaults (no vrrp_version, auth_type PASS): carpd follows, takes over on a cut, and a stop hands back with priority 0",
  ignore,
  async fn(): Promise<void> {
    const lab = await Lab.up(2);
    try {
      const auth =
        "authentication {\n    auth_type PASS\n    auth_pass k33p\n  }";
      const ka = await lab.keepalived(
        1,
        "  vrrp_garp_master_delay 1",
        kaInstance({ priority: 150, extra: auth }),
      );
      await soleHolder(lab, VIP, 1, 2, 6000);
      const v2 = 'vrrp_version = 2\nauth_pass = "k33p"';
      const carpd = await lab.carpd(
        2,
        carpdVrrp({ priority: 100, extra: v2 }),
      );
      assert.ok(
        await eventually(async () => {
          const v = await vhidOf(lab, 2).catch(() => null);
          return v?.state === "BACKUP" && v.master === lab.address(1);
        }, 6000),
        carpd.output,
      );
      assert.equal((await vhidOf(lab, 2)).vrrpVersion, 2);
      // Cable cut: 3 x 1 s + (256 - 100) / 256 s.
      const t0 = performance.now();
      await lab.cut(1);
      await soleHolder(lab, VIP, 2, 2, activeDownMs(100, 100) + 1000);
      const took = Math.round(performance.now() - t0);
      // Back: keepalived in FAULT, then BACKUP; it reads carpd's v2 adverts
      // (logged as lower priority) and preempts.
      await lab.plug(1);
      await soleHolder(lab, VIP, 1, 2, 8000);
      assert.ok(
        await ka.waitFor(
          /lower priority \(100\) advert from 10\.213\.0\.12/,
          1,
        ),
        ka.output,
      );
      // carpd MASTER, then stopped: priority 0 hands over within the skew.
      await sleep(1500);
      ka.signal("SIGTERM");
      await ka.exit(5000);
      await soleHolder(lab, VIP, 2, 2, 2000);
      const ka2 = await lab.keepalived(
        1,
        "  vrrp_garp_master_delay 1",
        kaInstance({ priority: 50, extra: auth }),
      );
      await sleep(3000);
      assert.deepEqual(await lab.holders(VIP, 2), [2], "keepalived follows");
      const stopAt = performance.now();
      carpd.signal("SIGTERM");
      assert.ok(await ka2.waitFor(/Entering MASTER STATE/, 2000));
      const handover = Math.round(performance.now() - stopAt);
      assert.ok(handover <= skewMs(50, 100) + 300, `${handover} ms`);
      assert.doesNotMatch(ka.output + ka2.output, KEEPALIVED_COMPLAINTS);
      assert.doesNotMatch(ka.output + ka2.output, /authentication|auth/i);
      // deno-lint-ignore no-console
      console.log(
        `  VRRPv2: carpd took over after ${took} ms; stop handed over in ${handover} ms`,
      );
    } finally {
      await lab.down();
    }
  },
});

Deno.test({
  name:
    "a VIP-list mismatch with keepalived is logged once with both lists and counted",
  ignore,
  async fn(): Promise<void> {
    const lab = await Lab.up(2);
    try {
      const ka = await keepalived(lab, 1, { priority: 150 });
      await soleHolder(lab, VIP, 1, 2, 6000);
      const carpd = await lab.carpd(
        2,
        carpdVrrp({ priority: 100, vips: [`${VIP}/24`, "10.213.0.51/24"] }),
      );
      const line = await carpd.waitFor(/advertises/, 5000);
      assert.ok(line, carpd.output);
      assert.match(
        line!,
        /10\.213\.0\.11 advertises 10\.213\.0\.50 but this vhid has 10\.213\.0\.50, 10\.213\.0\.51/,
      );
      await sleep(3000);
      const v = await vhidOf(lab, 2);
      assert.ok(v.counters.vipListMismatches >= 3, JSON.stringify(v.counters));
      assert.equal(v.warnings.length, 1, JSON.stringify(v.warnings));
      assert.equal(
        carpd.lines.filter((l) => /advertises/.test(l)).length,
        1,
        "logged once",
      );
      // carpd still follows the master (RFC 9568: log, do not drop).
      assert.equal(v.state, "BACKUP");
      void ka;
    } finally {
      await lab.down();
    }
  },
});

Deno.test({
  name:
    "unicast VRRP with keepalived's unicast_peer: each accepts the other's checksum over the real destination",
  ignore,
  async fn(): Promise<void> {
    const lab = await Lab.up(2);
    try {
      const ka = await keepalived(lab, 1, {
        priority: 150,
        extra: `unicast_src_ip ${lab.address(1)}
  unicast_peer {
    ${lab.address(2)}
  }`,
      });
      await soleHolder(lab, VIP, 1, 2, 6000);
      const carpd = await lab.carpd(
        2,
        carpdVrrp({
          priority: 100,
          extra: `mode = "unicast"\npeers = ["${lab.address(1)}"]`,
        }),
      );
      assert.ok(
        await eventually(async () => {
          const v = await vhidOf(lab, 2).catch(() => null);
          return v?.state === "BACKUP" && v.master === lab.address(1);
        }, 6000),
        carpd.output,
      );
      await sleep(2000);
      const peer = (await vhidOf(lab, 2)).peers[0];
      assert.ok((peer?.checksums.pseudo ?? 0) >= 2, JSON.stringify(peer));
      // After the cut keepalived comes back as BACKUP and must read
      // carpd's unicast adverts (the checksum over the real destination)
      // to log them as lower priority before it preempts.
      await lab.cut(1);
      await soleHolder(lab, VIP, 2, 2, activeDownMs(100, 100) + 1000);
      const mark = carpd.mark();
      await lab.plug(1);
      await soleHolder(lab, VIP, 1, 2, 5000);
      assert.ok(await carpd.waitFor(/MASTER -> BACKUP/, 3000, mark));
      assert.ok(
        await ka.waitFor(
          /lower priority \(100\) advert from 10\.213\.0\.12|lower priority 100, ours 150/,
          3000,
        ),
        ka.output,
      );
      assertClean(ka, carpd);
    } finally {
      await lab.down();
    }
  },
});

Deno.test({
  name:
    "IPv6 VRRP with keepalived: carpd follows its link-local adverts and takes over on a cable cut",
  ignore,
  async fn(): Promise<void> {
    const lab = await Lab.up(2);
    try {
      const ka = await keepalived(lab, 1, {
        priority: 150,
        vips: [`${VIP6}/64`],
      });
      await soleHolder(lab, VIP6, 1, 2, 8000);
      const lla = await linkLocal(lab, 1);
      const carpd = await lab.carpd(
        2,
        carpdVrrp({ priority: 100, vips: [`${VIP6}/64`] }),
      );
      assert.ok(
        await eventually(async () => {
          const v = await vhidOf(lab, 2).catch(() => null);
          return v?.state === "BACKUP" && v.master === lla;
        }, 8000),
        `carpd is BACKUP to ${lla}: ${carpd.output}`,
      );
      // What carpd sends, seen from the wire: hop limit 255 to ff02::12.
      await lab.cut(1);
      const mdi = activeDownMs(100, 100);
      const t0 = performance.now();
      await soleHolder(lab, VIP6, 2, 2, mdi + 1500);
      const took = Math.round(performance.now() - t0);
      const dump = await sh([
        "ip",
        "netns",
        "exec",
        lab.host(2),
        "timeout",
        "3",
        "tcpdump",
        "-i",
        "eth0",
        "-n",
        "-v",
        "-c",
        "1",
        "ip6 proto 112",
      ]);
      assert.match(dump, /hlim 255/, dump);
      assert.match(dump, /VRRPv3, Advertisement, vrid 9, prio 100/, dump);
      assert.match(dump, /> ff02::12/, dump);
      const mark = carpd.mark();
      await lab.plug(1);
      await soleHolder(lab, VIP6, 1, 2, 8000);
      assert.ok(
        await carpd.waitFor(/MASTER -> BACKUP/, 3000, mark),
        carpd.output,
      );
      assertClean(ka, carpd);
      // deno-lint-ignore no-console
      console.log(`  IPv6 VRRP cut: carpd took over after ${took} ms`);
    } finally {
      await lab.down();
    }
  },
});

Deno.test({
  name:
    "a carpd VRRP pair at advert_interval 0.1, one sending the RFC's plain checksum: each accepts the other's dialect, and a cable cut costs at most Master_Down_Interval + 50 ms",
  ignore,
  async fn(): Promise<void> {
    const lab = await Lab.up(2);
    try {
      const a = await lab.carpd(
        1,
        carpdVrrp({
          priority: 200,
          interval: 0.1,
          extra: 'vrrp_checksum = "plain"',
        }),
      );
      await soleHolder(lab, VIP, 1, 2, 3000);
      const b = await lab.carpd(2, carpdVrrp({ priority: 100, interval: 0.1 }));
      assert.ok(
        await eventually(async () => {
          const v = await vhidOf(lab, 2).catch(() => null);
          return v?.state === "BACKUP" && v.master === lab.address(1);
        }, 3000),
      );
      await sleep(500);
      const v1 = await vhidOf(lab, 1);
      const v2 = await vhidOf(lab, 2);
      assert.equal(v1.checksum, "plain");
      assert.equal(v2.checksum, "pseudo");
      const heard = v2.peers.find((p) => p.address === lab.address(1));
      assert.ok((heard?.checksums.plain ?? 0) > 3, JSON.stringify(heard));
      assert.equal(heard?.checksums.pseudo, undefined);
      assert.equal(heard?.advertInterval, 0.1);
      const ping = new PingStream(lab, VIP);
      assert.ok(await eventually(() => ping.flowing(), 3000, 20));
      await sleep(500);
      const mdi = activeDownMs(100, 10);
      const t0 = performance.now();
      await lab.cut(1);
      await soleHolder(lab, VIP, 2, 2, 2000);
      await sleep(300);
      const outage = ping.gapSince(t0 - 20);
      await ping.stop();
      assert.ok(
        outage <= mdi + 50,
        `outage ${outage} ms, Master_Down_Interval ${mdi} ms`,
      );
      assert.doesNotMatch(
        a.output + b.output,
        /Uncaught|panicked|error: |dropped packet/i,
      );
      // deno-lint-ignore no-console
      console.log(
        `  VRRP 0.1 s pair: outage ${outage} ms (Master_Down_Interval ${mdi} ms)`,
      );
    } finally {
      await lab.down();
    }
  },
});

Deno.test({
  name:
    "a VIP added to a carpd VRRP MASTER, keepalived BACKUP not yet changed: keepalived keeps hearing the copy with the list it knows and stays BACKUP; changed too, it follows the new list",
  ignore,
  async fn(): Promise<void> {
    const lab = await Lab.up(2);
    try {
      const carpd = await lab.carpd(1, carpdVrrp({ priority: 150 }));
      await soleHolder(lab, VIP, 1, 2, 6000);
      const ka = await keepalived(lab, 2, { priority: 100 });
      assert.ok(await ka.waitFor(/Entering BACKUP STATE/, 6000), ka.output);
      await sleep(1500);
      const VIP2 = "10.213.0.51";
      const path = `${lab.dir}/h1.toml`;
      await Deno.writeTextFile(
        path,
        (await Deno.readTextFile(path)).replace(
          `vips = ["${VIP}/24"]`,
          `vips = ["${VIP}/24", "${VIP2}/24"]`,
        ),
      );
      const mark = carpd.mark();
      carpd.signal("SIGHUP");
      assert.ok(
        await carpd.waitFor(/roll-out window opened/, 3000, mark),
        carpd.output,
      );
      // Past keepalived's Master_Down_Interval (3 x 1 s + skew): sampled.
      const end = performance.now() + 4500;
      for (let k = 0; k < 100 && performance.now() < end; k++) {
        assert.deepEqual(await lab.holders(VIP, 2), [1], ka.output);
        await sleep(100);
      }
      assert.deepEqual(await lab.holders(VIP2, 2), [1]);
      assert.doesNotMatch(ka.output, /Entering MASTER STATE/);
      // keepalived changed too (restarted with the new list, its own way).
      const kaMark = ka.mark();
      ka.signal("SIGTERM");
      await ka.exit(5000);
      const ka2 = await keepalived(lab, 2, {
        priority: 100,
        vips: [`${VIP}/24`, `${VIP2}/24`],
      });
      assert.ok(await ka2.waitFor(/Entering BACKUP STATE/, 6000), ka2.output);
      await sleep(4500);
      assert.deepEqual(await lab.holders(VIP, 2), [1]);
      assert.doesNotMatch(ka2.output, /Entering MASTER STATE/);
      assert.doesNotMatch(carpd.output, /MASTER -> /);
      void kaMark;
    } finally {
      await lab.down();
    }
  },
});
