/**
 * `carpd import` on real (namespaced) boxes: ucarp's ifupdown setup on three
 * boxes elects one MASTER and fails over; keepalived's squid active/active
 * pair, imported, shares its two VIPs and moves them when the squid
 * stand-in fails or eth1 loses carrier; and a migration where one box keeps
 * Debian's keepalived with the original file while the other runs carpd
 * from the imported one, VRRPv2 (keepalived's default) and VRRPv3.
 */

import assert from "node:assert/strict";
import {
  canBuildLab,
  eventually,
  Lab,
  type Proc,
  sh,
  sleep,
  soleHolder,
} from "./lab.ts";

const ignore = !canBuildLab;
const CARPD = new URL("../../scripts/carpd", import.meta.url).pathname;

/** `carpd import ...`; returns the TOML and the notes. */
async function carpdImport(
  ...args: string[]
): Promise<{ toml: string; notes: string }> {
  const r = await new Deno.Command(CARPD, {
    args: ["import", ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const toml = new TextDecoder().decode(r.stdout);
  const notes = new TextDecoder().decode(r.stderr);
  assert.equal(r.code, 0, notes);
  return { toml, notes };
}

function interfacesFile(lab: Lab, i: number): string {
  return `# as the ucarp tutorials have it
auto eth0
iface eth0 inet static
        address ${lab.address(i)}
        netmask 255.255.255.0
        ucarp-vid 3
        ucarp-vip 10.213.0.50
        ucarp-password a-shared-secret
        ucarp-advskew 1
        ucarp-advbase 1
        ucarp-master no
iface eth0:ucarp inet static
        address 10.213.0.50
        netmask 255.255.255.0
`;
}

Deno.test({
  name:
    "ucarp's ifupdown setup imported on three boxes (all advskew 1, ucarp-master no): one MASTER, and a failover",
  ignore,
  async fn(): Promise<void> {
    const lab = await Lab.up(3);
    try {
      const procs: Proc[] = [];
      for (const i of [1, 2, 3]) {
        const file = await lab.file(`interfaces-h${i}`, interfacesFile(lab, i));
        const { toml, notes } = await carpdImport("ifupdown", file);
        assert.match(toml, /^vips = \["10\.213\.0\.50\/24"\]/m, toml);
        assert.match(toml, new RegExp(`^source = "${lab.address(i)}"`, "m"));
        assert.match(toml, /^preempt = false/m);
        assert.equal(notes.trim(), "", "nothing left behind");
        procs.push(await lab.carpd(i, toml));
      }
      let master = 0;
      assert.ok(
        await eventually(async () => {
          const h = await lab.holders("10.213.0.50", 3);
          master = h.length === 1 ? h[0]! : 0;
          return master !== 0;
        }, 8000),
        "one MASTER",
      );
      await sleep(2500);
      assert.deepEqual(await lab.holders("10.213.0.50", 3), [master], "stable");
      await lab.cut(master);
      assert.ok(
        await eventually(async () => {
          const h = await lab.holders("10.213.0.50", 3);
          return h.length === 1 && h[0] !== master;
        }, 6000),
        "another box took over alone",
      );
      for (const p of procs) {
        assert.doesNotMatch(p.output, /Uncaught|panicked|error: /i);
      }
    } finally {
      await lab.down();
    }
  },
});

/** The squid active/active pair of the tutorials, box `i` of 1 and 2. */
function squidPair(i: number, flag: string, version = ""): string {
  const [p51, p52] = i === 1 ? [255, 100] : [100, 255];
  const instance = (id: number, prio: number, vip: string, label: string) => `
vrrp_instance VI_${id - 50} {
    state ${prio === 255 ? "MASTER" : "BACKUP"}
    interface eth0
    virtual_router_id ${id}
    priority ${prio}
    advert_int 1
    virtual_ipaddress {
        ${vip}/24 dev eth0 label ${label}
    }
    track_interface {
        eth1
    }
    track_script {
        chk_squid_service
    }
}
`;
  return `! squid active/active, box ${i}
global_defs {
    router_id squid${i}
${version}
}

vrrp_script chk_squid_service {
    script "/usr/bin/test -e ${flag}"   # stands in for /usr/sbin/squid -k check
    interval 1
}
${instance(51, p51, "10.213.0.51", "eth0:1")}${
    instance(52, p52, "10.213.0.52", "eth0:2")
  }`;
}

/** Gives host `i` an eth1 whose carrier the test controls (a veth pair). */
async function addEth1(lab: Lab, i: number): Promise<void> {
  const ns = lab.host(i);
  await sh([
    "ip",
    "-n",
    ns,
    "link",
    "add",
    "eth1",
    "type",
    "veth",
    "peer",
    "name",
    "eth1p",
  ]);
  await sh(["ip", "-n", ns, "link", "set", "eth1", "up"]);
  await sh(["ip", "-n", ns, "link", "set", "eth1p", "up"]);
}

Deno.test({
  name:
    "keepalived's squid active/active pair imported: each box holds one VIP; the squid stand-in failing moves one, eth1 losing carrier moves the other",
  ignore,
  async fn(): Promise<void> {
    const lab = await Lab.up(2);
    try {
      const flags = [1, 2].map((i) => `${lab.dir}/squid-ok-h${i}`);
      for (const f of flags) await Deno.writeTextFile(f, "");
      const procs: Proc[] = [];
      for (const i of [1, 2]) {
        await addEth1(lab, i);
        const conf = await lab.file(
          `keepalived-h${i}.conf`,
          squidPair(i, flags[i - 1]!),
        );
        const { toml, notes } = await carpdImport("keepalived", conf);
        assert.match(toml, /^fault = true/m, toml);
        assert.match(notes, /priority 255/, notes);
        procs.push(await lab.carpd(i, toml));
      }
      const A = "10.213.0.51";
      const B = "10.213.0.52";
      // Priority 254 against 100: each box MASTER for its own VIP.
      await soleHolder(lab, A, 1, 2, 8000);
      await soleHolder(lab, B, 2, 2, 8000);

      // The squid stand-in fails on box 1: its vhids go to FAULT, .51 moves.
      await Deno.remove(flags[0]!);
      await soleHolder(lab, A, 2, 2, 5000);
      const s1 = await lab.status(1);
      assert.ok(s1.vhids.every((v) => v.state === "FAULT"), JSON.stringify(s1));
      assert.match(s1.vhids[0]!.faults.join(), /check chk_squid_service/);
      // Back: box 1 preempts .51 again.
      await Deno.writeTextFile(flags[0]!, "");
      await soleHolder(lab, A, 1, 2, 8000);

      // eth1 loses carrier on box 2: .52 moves to box 1.
      await sh(["ip", "-n", lab.host(2), "link", "set", "eth1p", "down"]);
      await soleHolder(lab, B, 1, 2, 5000);
      const s2 = await lab.status(2);
      assert.ok(s2.vhids.every((v) => v.state === "FAULT"), JSON.stringify(s2));
      await sh(["ip", "-n", lab.host(2), "link", "set", "eth1p", "up"]);
      await soleHolder(lab, B, 2, 2, 8000);
      for (const p of procs) {
        assert.doesNotMatch(p.output, /Uncaught|panicked|error: /i);
      }
    } finally {
      await lab.down();
    }
  },
});

/** One instance as a keepalived admin would have it, with PASS auth. */
function migrationConf(prio: number, version: string): string {
  return `global_defs {
    router_id box
${version}
}
vrrp_instance VI_1 {
    state ${prio > 100 ? "MASTER" : "BACKUP"}
    interface eth0
    virtual_router_id 61
    priority ${prio}
    advert_int 1
    authentication {
        auth_type PASS
        auth_pass m1grate
    }
    virtual_ipaddress {
        10.213.0.61/24
    }
}
`;
}

for (
  const [label, version] of [
    ["VRRPv2", ""],
    ["VRRPv3", "    vrrp_version 3"],
  ] as const
) {
  Deno.test({
    name:
      `migration, ${label}: box 1 keeps keepalived with its file, box 2 runs carpd from the imported one; one group, failover both ways`,
    ignore,
    async fn(): Promise<void> {
      const lab = await Lab.up(2);
      const VIP = "10.213.0.61";
      try {
        const original = migrationConf(150, version);
        const kaConf = await lab.file("keepalived-h1.conf", original);
        const ka = lab.runKeepalived(1, kaConf, "keepalived h1");
        await soleHolder(lab, VIP, 1, 2, 8000);
        const box2 = await lab.file(
          "keepalived-h2.conf",
          migrationConf(100, version),
        );
        const { toml } = await carpdImport("keepalived", box2);
        assert.match(
          toml,
          new RegExp(`^vrrp_version = ${label === "VRRPv2" ? 2 : 3}`, "m"),
        );
        const carpd = await lab.carpd(2, toml);
        assert.ok(
          await eventually(async () => {
            const v = (await lab.status(2).catch(() => null))?.vhids[0];
            return v?.state === "BACKUP" && v.master === lab.address(1);
          }, 8000),
          carpd.output,
        );
        // keepalived stops: priority 0, carpd takes over.
        ka.signal("SIGTERM");
        await ka.exit(5000);
        await soleHolder(lab, VIP, 2, 2, 3000);
        // keepalived back (150 > 100): it preempts carpd.
        const ka2 = lab.runKeepalived(1, kaConf, "keepalived h1 again");
        await soleHolder(lab, VIP, 1, 2, 8000);
        // Cable cut on keepalived's box: carpd takes over; back, it yields.
        await lab.cut(1);
        await soleHolder(lab, VIP, 2, 2, 6000);
        await lab.plug(1);
        await soleHolder(lab, VIP, 1, 2, 8000);
        await sleep(1500);
        assert.deepEqual(await lab.holders(VIP, 2), [1], "stable");
        assert.doesNotMatch(
          ka.output + ka2.output,
          // (Its own VRRPv3 file's auth block draws a notice of its own.)
          /Invalid VRRPv3 checksum|wrong version|ip number count|packet too|invalid TTL|auth(entication)? (type )?mismatch|bad password|not present in MASTER advert/i,
        );
        assert.doesNotMatch(
          carpd.output,
          /Uncaught|panicked|error: |dropped packet/i,
        );
      } finally {
        await lab.down();
      }
    },
  });
}
