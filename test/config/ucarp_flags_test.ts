import assert from "node:assert/strict";
import { parseConfig } from "../../src/config/load/mod.ts";
import {
  PASSWORD_PLACEHOLDER_FILE,
  translateUcarpFlags,
  UsageError,
} from "../../src/config/ucarp_flags.ts";
import { carpOf } from "./_narrow.ts";

const BASE = ["-i", "eth1", "-s", "10.1.1.1", "-v", "9", "-a", "10.1.1.252"];

function load(args: string[]): ReturnType<typeof parseConfig> {
  const inv = translateUcarpFlags(args);
  return parseConfig(inv.toml, "ucarp flags", (p) => {
    if (p === PASSWORD_PLACEHOLDER_FILE) {
      return new TextEncoder().encode(inv.password!);
    }
    throw new Deno.errors.NotFound(p);
  });
}

Deno.test("translateUcarpFlags() maps every ucarp option to carp.toml", () => {
  const c = load([
    ...BASE,
    "--pass=pw",
    "-b",
    "2",
    "-k",
    "40",
    "-r",
    "5",
    "-P",
    "-n",
    "-u",
    "/etc/vip-up.sh",
    "-d",
    "/etc/vip-down.sh",
    "-x",
    "extra",
    "-S",
    "-M",
    "--mcast=224.0.0.99",
    "-z",
    "-D",
    "-f",
    "local0",
  ]);
  const v = carpOf(c.vhids[0]);
  assert.equal(v.id, 9);
  assert.equal(v.interface, "eth1");
  assert.equal(v.source, 0x0a010101);
  assert.deepEqual(v.vips.map((x) => x.text), ["10.1.1.252"]);
  assert.deepEqual([...v.key], [...new TextEncoder().encode("pw")]);
  assert.equal(v.advbase, 2);
  assert.equal(v.advskew, 40);
  assert.equal(v.deadratio, 5);
  assert.ok(v.preempt && v.neutral && v.ignoreLinkState);
  assert.equal(v.mode, "broadcast");
  assert.equal(v.group, 0xe0000063);
  assert.equal(v.upScript, "/etc/vip-up.sh");
  assert.equal(v.downScript, "/etc/vip-down.sh");
  assert.equal(v.xparam, "extra");
  assert.equal(v.manageVips, false, "ucarp's scripts own the address");
  assert.equal(c.logLevel, "debug");
});

Deno.test("translateUcarpFlags() keeps the password out of the printed config", () => {
  for (const flag of [["-p", "hunter2"], ["--pass=hunter2"], ["-phunter2"]]) {
    const inv = translateUcarpFlags([...BASE, ...flag]);
    assert.ok(!inv.toml.includes("hunter2"), inv.toml);
    assert.equal(inv.password, "hunter2");
  }
  const file = translateUcarpFlags([...BASE, "-o", "/etc/ucarp/pw"]);
  assert.match(file.toml, /password_file = "\/etc\/ucarp\/pw"/);
});

Deno.test("translateUcarpFlags() refuses what ucarp refuses, naming the flags", () => {
  assert.throws(() => translateUcarpFlags(["-i", "eth0"]), UsageError);
  assert.throws(
    () => translateUcarpFlags([...BASE, "-p", "x", "--bogus"]),
    UsageError,
  );
  const inv = translateUcarpFlags([...BASE, "-p", "x", "-k", "300"]);
  assert.equal(inv.flagOf["vhid[0].advskew"], "--advskew");
  assert.throws(
    () => load([...BASE, "-p", "x", "-k", "300"]),
    /vhid\[0\]\.advskew: 300 is not allowed/,
  );
});

Deno.test("translateUcarpFlags() refuses IPv6 addresses as ucarp does", () => {
  const args = ["-i", "eth0", "-s", "10.0.0.1", "-v", "1", "-p", "x"];
  assert.throws(
    () => translateUcarpFlags([...args, "-a", "2001:db8::1"]),
    (e: Error) =>
      e instanceof UsageError &&
      /--addr 2001:db8::1: ucarp speaks IPv4 only/.test(e.message),
  );
  assert.throws(
    () =>
      translateUcarpFlags([
        "-i",
        "eth0",
        "-s",
        "fe80::1",
        "-v",
        "1",
        "-p",
        "x",
        "-a",
        "10.0.0.9",
      ]),
    /--srcip fe80::1/,
  );
});
