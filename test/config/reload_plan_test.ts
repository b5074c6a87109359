import assert from "node:assert/strict";
import { type VhidConfig } from "../../src/config/mod.ts";
import { parseConfig } from "../../src/config/load/mod.ts";
import { planReload } from "../../src/config/reload_plan.ts";

function vhid(extra = "", id = 3, iface = "eth1"): VhidConfig {
  return parseConfig(
    `[[vhid]]\nid = ${id}\ninterface = "${iface}"\nvips = ["10.0.0.1/24"]\npassword = "x"\n${extra}`,
    "carp.toml",
    () => new Uint8Array(),
  ).vhids[0]!;
}

function plan(
  running: VhidConfig[],
  next: VhidConfig[],
  standby: string[] = [],
): string[] {
  return planReload(running, next, new Set(standby)).map((p) =>
    `${p.key} ${p.change}${p.standby ? " standby" : ""}`
  );
}

Deno.test("planReload() keeps a vhid whose config did not change", () => {
  assert.deepEqual(plan([vhid()], [vhid()]), ["eth1/3 keep"]);
});

Deno.test("planReload() updates in place what does not change the vhid's identity", async (t) => {
  for (
    const extra of [
      "advskew = 20",
      "advbase = 2",
      "deadratio = 5",
      "preempt = true",
      "neutral = true",
      'up_script = "/bin/true"',
      'down_script = "/bin/true"',
      'xparam = "x"',
      'notify = ["/bin/true"]',
      "script_timeout = 5",
      "garp_count = 3",
      "garp_interval = 2",
      "release_vips_on_exit = false",
      "ignore_link_state = true",
      "replay_protection = true",
    ]
  ) {
    await t.step(extra, () => {
      assert.deepEqual(plan([vhid()], [vhid(extra)]), ["eth1/3 update"]);
    });
  }
});

function withVips(vips: string, auth = 'password = "x"'): VhidConfig {
  return parseConfig(
    `[[vhid]]\nid = 3\ninterface = "eth1"\nvips = [${vips}]\n${auth}\n`,
    "carp.toml",
    () => new Uint8Array(),
  ).vhids[0]!;
}

Deno.test("planReload() updates a VIP list or a password in place, and restarts a vhid that gains or loses an address family", () => {
  for (
    const next of [
      withVips(`"10.0.0.1/24", "10.0.0.2/24"`),
      withVips(`"10.0.0.2/24"`),
      withVips(`"10.0.0.1/24"`, 'password = "y"'),
    ]
  ) {
    assert.deepEqual(plan([vhid()], [next]), ["eth1/3 update"]);
  }
  assert.deepEqual(
    plan([vhid()], [withVips(`"10.0.0.1/24", "2001:db8::1/64"`)]),
    ["eth1/3 restart"],
  );
  assert.deepEqual(
    plan([withVips(`"10.0.0.1/24", "2001:db8::1/64"`)], [
      withVips(`"10.0.0.1/24", "2001:db8::2/64"`),
    ]),
    ["eth1/3 update"],
  );
});

Deno.test("planReload() restarts a vhid whose wire or box identity changed, carrying standby", async (t) => {
  for (
    const extra of [
      'mode = "broadcast"',
      'source = "10.0.0.9"',
      "manage_vips = false",
      'group = "224.0.0.19"',
    ]
  ) {
    await t.step(extra, () => {
      const next = vhid(extra);
      assert.deepEqual(plan([vhid()], [next]), ["eth1/3 restart"]);
      assert.deepEqual(plan([vhid()], [next], ["eth1/3"]), [
        "eth1/3 restart standby",
      ]);
    });
  }
});

Deno.test("planReload() starts new vhids and stops removed ones, by interface and id", () => {
  assert.deepEqual(
    plan([vhid(), vhid("", 4)], [vhid(), vhid("", 3, "eth2"), vhid("", 5)]),
    ["eth1/3 keep", "eth1/4 stop", "eth1/5 start", "eth2/3 start"],
  );
});
