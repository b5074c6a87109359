import assert from "node:assert/strict";
import { ConfigError } from "../../src/config/mod.ts";
import { parseConfig } from "../../src/config/load/mod.ts";
import { carpOf, vrrpOf } from "./_narrow.ts";

const MINIMAL = `
[[vhid]]
id = 3
interface = "eth1"
vips = ["192.168.1.135/24", "192.168.1.136"]
password = "secret"
`;

function files(map: Record<string, string> = {}): (p: string) => Uint8Array {
  return (p) => {
    if (!(p in map)) throw new Deno.errors.NotFound(p);
    return new TextEncoder().encode(map[p]);
  };
}

function problems(text: string, map: Record<string, string> = {}): string[] {
  try {
    parseConfig(text, "carp.toml", files(map));
  } catch (e) {
    if (e instanceof ConfigError) return [...e.problems];
    throw e;
  }
  assert.fail("expected a ConfigError");
}

Deno.test("parseConfig() fills ucarp's defaults", () => {
  const c = parseConfig(MINIMAL, "carp.toml", files());
  const v = carpOf(c.vhids[0]);
  assert.equal(v.advbase, 1);
  assert.equal(v.advskew, 0);
  assert.equal(v.deadratio, 3);
  assert.equal(v.preempt, false);
  assert.equal(v.mode, "multicast");
  assert.equal(v.group, 0xe0000012);
  assert.deepEqual(v.vips.map((x) => [x.prefix, x.text]), [[
    24,
    "192.168.1.135/24",
  ], [
    32,
    "192.168.1.136",
  ]]);
  assert.deepEqual([...v.key], [...new TextEncoder().encode("secret")]);
  assert.equal(c.controlSocket, "/run/carp/carp.sock");
  assert.equal(c.logLevel, "info");
});

Deno.test("parseConfig() reads the first line of password_file, stripping only \\n", () => {
  const text = MINIMAL.replace('password = "secret"', 'password_file = "/k"');
  const c = parseConfig(text, "carp.toml", files({ "/k": "abc\r\nignored\n" }));
  assert.deepEqual([...carpOf(c.vhids[0]).key], [
    ...new TextEncoder().encode("abc\r"),
  ]);
});

Deno.test("parseConfig() names the key path, the value and what is allowed", async (t) => {
  const cases: [string, string, RegExp][] = [
    [
      "out of range",
      MINIMAL.replace("id = 3", "id = 256"),
      /^vhid\[0\]\.id: 256 is not allowed; expected an integer from 1 to 255$/,
    ],
    [
      "wrong type",
      MINIMAL + 'advskew = "10"\n',
      /^vhid\[0\]\.advskew: "10" is not allowed; expected an integer/,
    ],
    [
      "unknown key",
      MINIMAL + "colour = 1\n",
      /^vhid\[0\]\.colour: unknown key$/,
    ],
    [
      "bad vip",
      MINIMAL.replace("192.168.1.136", "192.168.1"),
      /^vhid\[0\]\.vips\[1\]: "192\.168\.1" is not allowed/,
    ],
    [
      "long password",
      MINIMAL.replace("secret", "x".repeat(20)),
      /^vhid\[0\]\.password: \(the password, not shown\) is not allowed; expected a password of 1 to 19 bytes/,
    ],
    [
      "duplicate vhid",
      MINIMAL + MINIMAL.replace("192.168.1.13", "10.0.0.1"),
      /^vhid\[1\]\.id: 3 is not allowed; vhid\[0\] already uses vhid 3 on "eth1"$/,
    ],
    [
      "shared vip",
      MINIMAL + MINIMAL.replace("id = 3", "id = 4"),
      /^vhid\[1\]\.vips\[0\]: "192\.168\.1\.135\/24" is not allowed; vhid\[0\]\.vips\[0\] already has it$/,
    ],
    [
      "advbase 0 needs advskew",
      MINIMAL + "advbase = 0\n",
      /^vhid\[0\]\.advskew: 0 is not allowed with advbase = 0/,
    ],
    [
      "unreadable password file",
      MINIMAL.replace('password = "secret"', 'password_file = "/nope"'),
      /^vhid\[0\]\.password_file: "\/nope" cannot be read: no such file$/,
    ],
    [
      "no password",
      MINIMAL.replace('password = "secret"', ""),
      /^vhid\[0\]: set exactly one of password and password_file$/,
    ],
    [
      "unicast without peers",
      MINIMAL + 'mode = "unicast"\n',
      /^vhid\[0\]\.peers: \[\] is not allowed/,
    ],
    [
      "check on a missing vhid",
      MINIMAL + '[[check]]\nname = "x"\ncommand = ["true"]\nvhids = [9]\n',
      /^check\[0\]\.vhids\[0\]: 9 is not allowed; no \[\[vhid\]\] has id 9$/,
    ],
    ["no vhid", "[daemon]\n", /^vhid: is missing; expected/],
    ["bad TOML", "[[vhid]\n", /^line 1, column \d+: invalid TOML/],
  ];
  for (const [name, text, pattern] of cases) {
    await t.step(name, () => {
      const found = problems(text);
      assert.ok(
        found.some((p) => pattern.test(p)),
        `got:\n${found.join("\n")}`,
      );
    });
  }
});

Deno.test("parseConfig() reports every problem at once", () => {
  const found = problems(
    MINIMAL + "advskew = 999\ndeadratio = 0\ncolour = 1\n",
  );
  assert.equal(found.length, 3, found.join("\n"));
});

Deno.test("a bad password is never echoed in a problem", () => {
  const secret = "topsecret-topsecret-x";
  const found = problems(MINIMAL.replace("secret", secret));
  assert.ok(!found.join("\n").includes(secret));
});

Deno.test("parseConfig() resolves a check's user from /etc/passwd and refuses an unknown one", () => {
  const passwd =
    "root:x:0:0:root:/root:/bin/bash\nproxy:x:13:13:proxy:/bin:/usr/sbin/nologin\n";
  const text = MINIMAL +
    `[[check]]\nname = "squid"\ncommand = ["squid", "-k", "check"]\nuser = "proxy"\n`;
  const c = parseConfig(text, "carp.toml", files({ "/etc/passwd": passwd }));
  assert.deepEqual(c.checks[0]!.user, { name: "proxy", uid: 13, gid: 13 });
  assert.deepEqual(
    problems(text.replace('user = "proxy"', 'user = "proxx"'), {
      "/etc/passwd": passwd,
    }),
    [
      'check[0].user: "proxx" is not allowed; expected a user listed in /etc/passwd',
    ],
  );
  const none = parseConfig(
    MINIMAL + `[[check]]\nname = "a"\ncommand = ["true"]\n`,
    "carp.toml",
    files(),
  );
  assert.equal(none.checks[0]!.user, null);
});

Deno.test("parseConfig() wants a multicast group", () => {
  assert.deepEqual(problems(MINIMAL + 'group = "10.0.0.1"\n'), [
    'vhid[0].group: "10.0.0.1" is not allowed; expected a multicast address from 224.0.0.0 to 239.255.255.255',
  ]);
  assert.equal(
    parseConfig(MINIMAL + 'group = "239.1.2.3"\n', "c", files()).vhids[0]!
      .group,
    0xef010203,
  );
});

Deno.test("parseConfig() refuses advskew 255 (the bow-out) and a master-down too long to tell a bow-out", () => {
  assert.deepEqual(problems(MINIMAL + "advskew = 255\n"), [
    "vhid[0].advskew: 255 is not allowed; expected an integer from 0 to 254",
  ]);
  assert.deepEqual(problems(MINIMAL + "advbase = 128\ndeadratio = 2\n"), [
    "vhid[0].deadratio: 2 is not allowed with advbase = 128; expected advbase x deadratio below 256 s (a longer master-down cannot tell the 255/255 bow-out of a stopping master from a live one)",
  ]);
  const ok = parseConfig(
    MINIMAL + "advbase = 85\ndeadratio = 3\n",
    "c",
    files(),
  );
  const v = carpOf(ok.vhids[0]);
  assert.equal(v.advbase * v.deadratio, 255);
});

const VRRP = `
[[vhid]]
protocol = "vrrp"
id = 9
interface = "eth0"
vips = ["10.0.0.100/24"]
`;

Deno.test("parseConfig() fills the RFC's defaults for a VRRP vhid", () => {
  const v = vrrpOf(parseConfig(VRRP, "carp.toml", files()).vhids[0]);
  assert.equal(v.protocol, "vrrp");
  assert.equal(v.priority, 100);
  assert.equal(v.advertIntervalCs, 100);
  assert.equal(v.preempt, true);
  assert.equal(v.vrrpChecksum, "pseudo");
  assert.equal("key" in v, false, "a VRRP vhid carries no CARP key");
  const c = parseConfig(
    VRRP + 'priority = 254\nadvert_interval = 0.1\nvrrp_checksum = "plain"\n',
    "carp.toml",
    files(),
  ).vhids[0];
  assert.deepEqual(
    [vrrpOf(c).priority, vrrpOf(c).advertIntervalCs, vrrpOf(c).vrrpChecksum],
    [254, 10, "plain"],
  );
  assert.equal(
    parseConfig(MINIMAL, "carp.toml", files()).vhids[0]!.protocol,
    "carp",
  );
});

Deno.test("parseConfig() keeps each protocol's keys to its own vhids", async (t) => {
  const cases: [string, string, RegExp][] = [
    [
      "password on VRRP",
      VRRP + 'password = "x"',
      /^vhid\[0\]\.password: is not allowed with protocol = "vrrp"; VRRPv3 \(RFC 9568\) has no authentication$/,
    ],
    [
      "advskew on VRRP",
      VRRP + "advskew = 10",
      /^vhid\[0\]\.advskew: is not allowed with protocol = "vrrp"; it is a CARP setting$/,
    ],
    [
      "replay_protection on VRRP",
      VRRP + "replay_protection = true",
      /^vhid\[0\]\.replay_protection: is not allowed/,
    ],
    [
      "priority on CARP",
      MINIMAL + "priority = 10",
      /^vhid\[0\]\.priority: is not allowed with protocol = "carp"; it is a VRRP setting$/,
    ],
    [
      "priority 255",
      VRRP + "priority = 255",
      /^vhid\[0\]\.priority: 255 is not allowed; expected an integer from 1 to 254$/,
    ],
    [
      "advert_interval off the centisecond",
      VRRP + "advert_interval = 0.015",
      /^vhid\[0\]\.advert_interval: 0\.015 is not allowed; expected a number of seconds from 0\.01 to 40\.95 in steps of 0\.01$/,
    ],
    [
      "advert_interval too long",
      VRRP + "advert_interval = 41",
      /^vhid\[0\]\.advert_interval: 41 is not allowed/,
    ],
    [
      "two families",
      VRRP.replace('"10.0.0.100/24"', '"10.0.0.100/24", "2001:db8::1"'),
      /^vhid\[0\]\.vips: .* is not allowed; a VRRP vhid carries one address family/,
    ],
    [
      "broadcast",
      VRRP + 'mode = "broadcast"',
      /^vhid\[0\]\.mode: "broadcast" is not allowed with protocol = "vrrp"/,
    ],
    [
      "unknown protocol",
      VRRP.replace('"vrrp"', '"hsrp"'),
      /^vhid\[0\]\.protocol: "hsrp" is not allowed; expected "carp" or "vrrp"$/,
    ],
  ];
  for (const [name, text, want] of cases) {
    await t.step(name, () => {
      const got = problems(text);
      assert.equal(got.length, 1, got.join("\n"));
      assert.match(got[0]!, want);
    });
  }
});

Deno.test("parseConfig() refuses a CARP and a VRRP vhid with one id on one interface", () => {
  const got = problems(
    MINIMAL.replace("id = 3", "id = 9").replace('"eth1"', '"eth0"') +
      VRRP.replace('"10.0.0.100/24"', '"10.0.0.101/24"'),
  );
  assert.equal(got.length, 1, got.join("\n"));
  assert.match(
    got[0]!,
    /^vhid\[1\]\.id: 9 is not allowed; vhid\[0\] already uses/,
  );
});

Deno.test("parseConfig() takes VRRPv2 (keepalived's default) with its limits", async (t) => {
  const v2 = VRRP + 'vrrp_version = 2\nauth_pass = "k33p"\n';
  const c = vrrpOf(parseConfig(v2, "carp.toml", files()).vhids[0]);
  assert.deepEqual([c.vrrpVersion, c.authPass, c.vrrpChecksum], [
    2,
    "k33p",
    "plain",
  ]);
  assert.equal(
    vrrpOf(parseConfig(VRRP, "carp.toml", files()).vhids[0]).vrrpVersion,
    3,
  );
  const cases: [string, string, RegExp][] = [
    [
      "fractional interval",
      v2 + "advert_interval = 0.5",
      /^vhid\[0\]\.advert_interval: 0\.5 is not allowed with vrrp_version = 2; expected whole seconds from 1 to 255$/,
    ],
    [
      "IPv6",
      v2.replace('"10.0.0.100/24"', '"2001:db8::1"'),
      /^vhid\[0\]\.vrrp_version: 2 is not allowed with IPv6 VIPs/,
    ],
    [
      "a checksum dialect",
      v2 + 'vrrp_checksum = "pseudo"',
      /^vhid\[0\]\.vrrp_checksum: is not allowed with vrrp_version = 2/,
    ],
    [
      "auth_pass on v3",
      VRRP + 'auth_pass = "x"',
      /^vhid\[0\]\.auth_pass: is not allowed with vrrp_version = 3/,
    ],
    [
      "a long auth_pass",
      VRRP + 'vrrp_version = 2\nauth_pass = "123456789"',
      /^vhid\[0\]\.auth_pass: \(the password, not shown\) is not allowed; expected a password of 1 to 8 bytes/,
    ],
    [
      "version 4",
      VRRP + "vrrp_version = 4",
      /^vhid\[0\]\.vrrp_version: 4 is not allowed; expected 2 \(RFC 3768/,
    ],
    [
      "vrrp_version on CARP",
      MINIMAL + "vrrp_version = 2",
      /^vhid\[0\]\.vrrp_version: is not allowed with protocol = "carp"/,
    ],
  ];
  for (const [name, text, want] of cases) {
    await t.step(name, () => {
      const got = problems(text);
      assert.equal(got.length, 1, got.join("\n"));
      assert.match(got[0]!, want);
    });
  }
});

Deno.test("parseConfig() reads fault = true on checks and tracked interfaces", () => {
  const c = parseConfig(
    MINIMAL +
      '[[check]]\nname = "squid"\ncommand = ["true"]\nfault = true\n' +
      '[[track_interface]]\nname = "eth0"\n',
    "carp.toml",
    files(),
  );
  assert.equal(c.checks[0]!.fault, true);
  assert.equal(c.trackInterfaces[0]!.fault, false);
});
