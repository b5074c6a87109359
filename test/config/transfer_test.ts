import assert from "node:assert/strict";
import { type Config } from "../../src/config/mod.ts";
import { parseConfig } from "../../src/config/load/mod.ts";
import { configFromText, configToText } from "../../src/config/transfer.ts";
import { answerLoad } from "../../src/cli/load_apart.ts";
import { ConfigError } from "../../src/config/error.ts";

const KEY = new TextEncoder().encode("from a file");

function config(text: string): Config {
  return parseConfig(text, "carp.toml", () => KEY);
}

const CONFIGS = [
  `[daemon]
metrics = "[::1]:9650"
scheduling = "realtime"

[[vhid]]
id = 3
interface = "eth1"
vips = ["192.168.1.135/24", "fd00::135/64", "10.0.0.1"]
password_file = "/etc/carp/vhid3.key"
advbase = 0
advskew = 20
mode = "unicast"
peers = ["192.168.1.3", "fe80::3"]
up_script = "/bin/true"
notify = ["/bin/echo", "a b"]

[[check]]
name = "squid"
command = ["/usr/sbin/squid", "-k", "check"]
fault = true

[[track_interface]]
name = "eth0"
demote = 50
vhids = [3]
`,
  `[[vhid]]
protocol = "vrrp"
id = 9
interface = "eth0"
vips = ["fd00::9/64"]
priority = 150
advert_interval = 0.01
`,
  `[[vhid]]
protocol = "vrrp"
vrrp_version = 2
auth_pass = "secret"
id = 10
interface = "eth0"
vips = ["10.0.0.10/24"]
`,
];

Deno.test("a config comes back from its text exactly: bytes, addresses, absent fields", () => {
  for (const text of CONFIGS) {
    const c = config(text);
    const back = configFromText(configToText(c));
    assert.deepStrictEqual(back, c);
    const v = back.vhids[0]!;
    assert.ok(v.protocol !== "carp" || v.key instanceof Uint8Array);
  }
});

Deno.test("answerLoad() prints the config, or every problem with exit 78", () => {
  const lines: string[] = [];
  assert.equal(
    answerLoad("x.toml", () => config(CONFIGS[1]!), (l) => lines.push(l)),
    0,
  );
  const ok = JSON.parse(lines[0]!);
  assert.deepStrictEqual(configFromText(ok.config), config(CONFIGS[1]!));
  assert.equal(
    answerLoad("x.toml", () => {
      throw new ConfigError("x.toml", ["vhid[0].id: 0 is not allowed"]);
    }, (l) => lines.push(l)),
    78,
  );
  assert.deepEqual(JSON.parse(lines[1]!), {
    ok: false,
    problems: ["vhid[0].id: 0 is not allowed"],
  });
});
