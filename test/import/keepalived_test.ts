import assert from "node:assert/strict";
import { parse as parseToml } from "smol-toml";
import { parseConfig } from "../../src/config/load/mod.ts";
import { importKeepalived } from "../../src/import/keepalived/mod.ts";
import { splitCommand } from "../../src/import/keepalived/command_line.ts";
import {
  ImportError,
  type ImportFiles,
  type ImportNote,
  type ImportResult,
} from "../../src/import/result.ts";

const CONF = "/etc/keepalived/keepalived.conf";
const FIXTURES = new URL("./fixtures/keepalived/", import.meta.url);

/** Files in memory; `expand` globs (`*`, `?`, `[...]`) over their names. */
function memFiles(
  map: Record<string, string>,
  unreadable: string[] = [],
): ImportFiles {
  return {
    read(path: string): string {
      if (unreadable.includes(path)) {
        throw new Deno.errors.PermissionDenied(path);
      }
      const text = map[path];
      if (text === undefined) throw new Deno.errors.NotFound(path);
      return text;
    },
    expand(pattern: string, from: string): string[] {
      const dir = from.slice(0, from.lastIndexOf("/"));
      const full = normalize(
        pattern.startsWith("/") ? pattern : `${dir}/${pattern}`,
      );
      const re = new RegExp(
        "^" +
          full.replace(/[.+^${}()|\\]/g, "\\$&").replace(/\*/g, "[^/]*")
            .replace(/\?/g, "[^/]") +
          "$",
      );
      return [...Object.keys(map), ...unreadable].filter((k) => re.test(k))
        .sort();
    },
  };
}

function normalize(path: string): string {
  const out: string[] = [];
  for (const part of path.split("/")) {
    if (part === "..") out.pop();
    else if (part !== ".") out.push(part);
  }
  return out.join("/");
}

/** The fixture files, as if they were in /etc/keepalived. */
function fixtures(main: string): Record<string, string> {
  const map: Record<string, string> = {};
  const walk = (url: URL, rel: string): void => {
    for (const e of Deno.readDirSync(url)) {
      if (e.isDirectory) walk(new URL(`${e.name}/`, url), `${rel}${e.name}/`);
      else {
        map[`/etc/keepalived/${rel}${e.name}`] = Deno.readTextFileSync(
          new URL(e.name, url),
        );
      }
    }
  };
  walk(FIXTURES, "");
  map[CONF] = map[`/etc/keepalived/${main}`]!;
  return map;
}

/** Imports, and checks the result passes carpd's config check. */
function convert(
  input: string | Record<string, string>,
  protocol: "vrrp" | "carp" = "vrrp",
): ImportResult & { doc: Record<string, unknown> } {
  const map = typeof input === "string" ? { [CONF]: input } : input;
  const r = importKeepalived(CONF, memFiles(map), { protocol });
  parseConfig(r.toml, "carp.toml", () => {
    throw new Deno.errors.NotFound("");
  });
  return { ...r, doc: parseToml(r.toml) as Record<string, unknown> };
}

type Table = Record<string, unknown>;

function vhids(doc: Table): Table[] {
  return doc.vhid as Table[];
}

function checks(doc: Table): Table[] {
  return (doc.check ?? []) as Table[];
}

function tracks(doc: Table): Table[] {
  return (doc.track_interface ?? []) as Table[];
}

/** The one note at `line` (of CONF unless `file` is given). */
function noteAt(
  notes: ImportNote[],
  line: number,
  re: RegExp,
  file = CONF,
): ImportNote {
  const found = notes.filter((n) =>
    n.file === file && n.line === line && re.test(n.text)
  );
  assert.equal(
    found.length,
    1,
    `expected one note at ${file}:${line} matching ${re}; notes:\n${
      notes.map((n) => `${n.file}:${n.line}: ${n.text}`).join("\n")
    }`,
  );
  return found[0]!;
}

function importError(
  input: string | Record<string, string>,
  unreadable: string[] = [],
): ImportError {
  const map = typeof input === "string" ? { [CONF]: input } : input;
  try {
    importKeepalived(CONF, memFiles(map, unreadable), { protocol: "vrrp" });
  } catch (e) {
    if (e instanceof ImportError) return e;
    throw e;
  }
  assert.fail("expected an ImportError");
}

/** A minimal instance body around `extra` lines. */
function instance(
  extra = "",
  name = "VI_1",
  id = 51,
  vip = "10.0.0.10/24",
): string {
  return `vrrp_instance ${name} {
    interface eth0
    virtual_router_id ${id}
    virtual_ipaddress {
        ${vip}
    }
${extra}}
`;
}

const SQUID_VRRP =
  `# carp.toml converted from the keepalived config /etc/keepalived/keepalived.conf
# (protocol = "vrrp"). Read the importer's notes before use, then
# validate with: carpd check -c /etc/carp/carp.toml

[daemon]
log_level = "info"

# vrrp_instance VI_1 (/etc/keepalived/keepalived.conf:8)
[[vhid]]
protocol = "vrrp"
vrrp_version = 2                        # keepalived's default
id = 51
interface = "eth0"
vips = ["192.168.2.101/24"]
priority = 254                          # keepalived 255: carpd is never the address owner
advert_interval = 1

# vrrp_instance VI_2 (/etc/keepalived/keepalived.conf:25)
[[vhid]]
protocol = "vrrp"
vrrp_version = 2                        # keepalived's default
id = 52
interface = "eth0"
vips = ["192.168.2.102/24"]
priority = 100
advert_interval = 1

# vrrp_script chk_squid_service (/etc/keepalived/keepalived.conf:3)
[[check]]
name = "chk_squid_service"
command = ["/usr/sbin/squid", "-k", "check"]
interval = 3
timeout = 3                             # keepalived's default: the interval
fall = 1                                # keepalived's default
rise = 1                                # keepalived's default
fault = true                            # weight 0: its vhids may not be MASTER while failing
vhids = [51, 52]

# track_interface eth1 (/etc/keepalived/keepalived.conf:18)
[[track_interface]]
name = "eth1"
fault = true                            # weight 0: its vhids may not be MASTER while down
vhids = [51, 52]
`;

const SQUID_NOTES: [number, string][] = [
  [
    9,
    "state MASTER (vrrp_instance VI_1): not carried over: carpd starts every vhid as BACKUP and the election makes it MASTER once the master-down time passes without a better advert",
  ],
  [
    12,
    "priority 255 (vrrp_instance VI_1): the address owner's; carpd is never the owner, so priority = 254 (it wins the election but waits for it)",
  ],
  [
    15,
    "192.168.2.101/24 label eth0:1 (vrrp_instance VI_1): not carried over: carpd labels the IPv4 VIPs it adds eth0:carp",
  ],
  [
    32,
    "192.168.2.102/24 label eth0:2 (vrrp_instance VI_2): not carried over: carpd labels the IPv4 VIPs it adds eth0:carp",
  ],
];

Deno.test("importKeepalived() converts the squid active/active pair exactly", () => {
  const r = convert(fixtures("squid.conf"));
  assert.equal(r.toml, SQUID_VRRP);
  assert.deepEqual(
    r.notes,
    SQUID_NOTES.map(([line, text]) => ({ file: CONF, line, text })),
  );
});

const SQUID_CARP =
  `# carp.toml converted from the keepalived config /etc/keepalived/keepalived.conf
# (protocol = "carp"). Read the importer's notes before use, then
# validate with: carpd check -c /etc/carp/carp.toml
# CARP does not talk to keepalived: switch every box of a group at once.

[daemon]
log_level = "info"

# vrrp_instance VI_1 (/etc/keepalived/keepalived.conf:8)
[[vhid]]
id = 51
interface = "eth0"
vips = ["192.168.2.101/24"]
password = "replace-me-227efbf7"        # derived from the name and VRID: replace on every box
advbase = 1
advskew = 0                             # 255 - priority 255: lower advskew wins
preempt = true                          # keepalived's default

# vrrp_instance VI_2 (/etc/keepalived/keepalived.conf:25)
[[vhid]]
id = 52
interface = "eth0"
vips = ["192.168.2.102/24"]
password = "replace-me-a45b7261"        # derived from the name and VRID: replace on every box
advbase = 1
advskew = 155                           # 255 - priority 100: lower advskew wins
preempt = true                          # keepalived's default

# vrrp_script chk_squid_service (/etc/keepalived/keepalived.conf:3)
[[check]]
name = "chk_squid_service"
command = ["/usr/sbin/squid", "-k", "check"]
interval = 3
timeout = 3                             # keepalived's default: the interval
fall = 1                                # keepalived's default
rise = 1                                # keepalived's default
fault = true                            # weight 0: its vhids may not be MASTER while failing
vhids = [51, 52]

# track_interface eth1 (/etc/keepalived/keepalived.conf:18)
[[track_interface]]
name = "eth1"
fault = true                            # weight 0: its vhids may not be MASTER while down
vhids = [51, 52]
`;

Deno.test("importKeepalived() --protocol carp converts the squid pair exactly", () => {
  const r = convert(fixtures("squid.conf"), "carp");
  assert.equal(r.toml, SQUID_CARP);
  const password = (
    name: string,
    id: number,
    line: number,
  ): [number, string] => [
    line,
    `vrrp_instance ${name}: CARP needs a password and there is no auth_pass, so password = "${
      id === 51 ? "replace-me-227efbf7" : "replace-me-a45b7261"
    }", derived from the instance name and VRID (the same on every box importing this file); replace it with a secret of up to 19 bytes, the same on every box`,
  ];
  const expected: [number, string][] = [
    password("VI_1", 51, 8),
    SQUID_NOTES[0]!,
    [
      12,
      "priority 255 (vrrp_instance VI_1): advskew = 0, the most preferred; CARP has no address owner, so it waits for the election",
    ],
    SQUID_NOTES[2]!,
    password("VI_2", 52, 25),
    SQUID_NOTES[3]!,
  ];
  assert.deepEqual(
    r.notes,
    expected.map(([line, text]) => ({ file: CONF, line, text })),
  );
});

Deno.test("the box with the crossed priorities derives the same CARP passwords", () => {
  const map = fixtures("squid.conf");
  map[CONF] = map[CONF]!.replace("priority 255", "priority 100").replace(
    /priority 100\n(\s+advert_int 1\n\s+virtual_ipaddress \{\n\s+192\.168\.2\.102)/,
    "priority 255\n$1",
  );
  const a = vhids(convert(fixtures("squid.conf"), "carp").doc);
  const b = vhids(convert(map, "carp").doc);
  assert.deepEqual(b.map((v) => v.advskew), [155, 0]);
  assert.deepEqual(b.map((v) => v.password), a.map((v) => v.password));
});

Deno.test("importKeepalived() follows includes (globs, nested, relative) in reading order", () => {
  const map = fixtures("main.conf");
  const r = convert(map);
  const outside = "/etc/keepalived/conf.d/10-outside.conf";
  const inside = "/etc/keepalived/conf.d/20-inside6.conf";
  const hooks = "/etc/keepalived/hooks/outside.hooks";
  assert.deepEqual(vhids(r.doc).map((v) => [v.id, v.interface, v.vips]), [
    [10, "eth0", ["203.0.113.10/24", "203.0.113.11"]],
    [20, "eth1", ["2001:db8:1::1/64", "fe80::1/64"]],
  ]);
  assert.match(
    r.toml,
    /# vrrp_instance outside \(\/etc\/keepalived\/conf\.d\/10-outside\.conf:1\)/,
  );
  // The hooks come from a file included inside the instance's block.
  assert.equal(vhids(r.doc)[0]!.up_script, "/etc/keepalived/master.sh");
  assert.deepEqual(vhids(r.doc)[0]!.notify, ["/etc/keepalived/notify.sh"]);
  noteAt(
    r.notes,
    1,
    /^notify_master .*so its arguments \(outside\) are dropped/,
    hooks,
  );
  noteAt(
    r.notes,
    2,
    /^notify \(vrrp_instance outside\): carried over as notify; keepalived appended INSTANCE <name> <state> <priority>, carpd appends <vhid> <old state> <new state> <iface> <vips, comma-separated>$/,
    hooks,
  );
  noteAt(r.notes, 5, /^advert_int 0\.123 .*advert_interval = 0\.12;/, outside);
  noteAt(r.notes, 7, /^track_script chk_haproxy weight 20 .*inverted/, inside);
  // Source order: main.conf, then 10-outside.conf, its hooks, 20-inside6.conf.
  const order = r.notes.map((n) =>
    `${n.file.replace("/etc/keepalived/", "")}:${n.line}`
  );
  assert.deepEqual(order, [
    "keepalived.conf:3",
    "keepalived.conf:4",
    "keepalived.conf:5",
    "keepalived.conf:7",
    "keepalived.conf:10",
    "conf.d/10-outside.conf:5",
    "hooks/outside.hooks:1",
    "hooks/outside.hooks:2",
    "conf.d/20-inside6.conf:7",
  ]);
});

Deno.test("importKeepalived() maps global_defs, scripts and weights of the router pair", () => {
  const r = convert(fixtures("main.conf"));
  const [outside, inside] = vhids(r.doc);
  // global vrrp_version 3 and vrrp_garp_master_repeat 3 reach every vhid.
  assert.equal(outside!.vrrp_version, 3);
  assert.equal(outside!.garp_count, 3);
  assert.equal(outside!.advert_interval, 0.12);
  // weight +20 on inside6 is inverted: priority 100 + 20, demote 20.
  assert.equal(inside!.priority, 120);
  assert.equal(inside!.preempt, false);
  assert.equal(inside!.vrrp_version, 3);
  assert.deepEqual(
    checks(r.doc).map((c) => [c.name, c.demote, c.fault, c.vhids]),
    [
      ["chk_haproxy:demote30", 30, undefined, [10]],
      ["chk_haproxy:raise20", 20, undefined, [20]],
      ["chk_quoted", undefined, true, [10]],
    ],
  );
  const haproxy = checks(r.doc)[0]!;
  assert.deepEqual(
    [
      haproxy.command,
      haproxy.interval,
      haproxy.timeout,
      haproxy.fall,
      haproxy.rise,
    ],
    [["/usr/bin/killall", "-0", "haproxy"], 2, 1, 3, 2],
  );
  // keepalived 2.2.7 reads this argv (its -d dump shows the same).
  assert.deepEqual(checks(r.doc)[2]!.command, [
    "/bin/sh",
    "-c",
    'test -f /run/up && echo "ok ok"',
    "x",
    "y",
  ]);
  noteAt(r.notes, 3, /^global_defs router_id lb1: not needed/);
  noteAt(r.notes, 4, /^global_defs enable_script_security: not needed/);
  noteAt(r.notes, 5, /^global_defs script_user nobody: not carried over/);
  noteAt(
    r.notes,
    10,
    /^vrrp_script chk_haproxy: tracked with different weights, so it becomes 2 \[\[check\]\] tables/,
  );
});

Deno.test("comments (# and !, anywhere unquoted) and quoting are read as keepalived reads them", () => {
  const r = convert(`! leading comment
# another
vrrp_script "chk one" {   # a quoted name
    script "/bin/check 'a b' \\"c d\\" e\\\\ f"  ! trailing
    interval 2#no space needed
}
vrrp_instance VI_1 {
    interface eth0 # comment
    virtual_router_id 51!comment
    virtual_ipaddress {
        10.0.0.10/24   # one VIP
        "10.0.0.11"    ! quoted
    }
    authentication {
        auth_type PASS
        auth_pass 'pa ss#1'
    }
    track_script {
        "chk one"
    }
}
`);
  const v = vhids(r.doc)[0]!;
  assert.deepEqual(v.vips, ["10.0.0.10/24", "10.0.0.11"]);
  assert.equal(v.auth_pass, "pa ss#1");
  const c = checks(r.doc)[0]!;
  assert.equal(c.name, "chk one");
  assert.deepEqual(c.command, ["/bin/check", "a b", "c d", "e f"]);
  assert.equal(c.interval, 2);
});

Deno.test("splitCommand() splits a script as keepalived 2.2.7 does", () => {
  // Cases checked against keepalived -d dumps: the config word (quotes
  // removed, escapes applied) is split on blanks, quotes group.
  assert.deepEqual(splitCommand("/usr/sbin/squid -k check"), [
    "/usr/sbin/squid",
    "-k",
    "check",
  ]);
  assert.deepEqual(splitCommand("/bin/echo a 'b c' d e f"), [
    "/bin/echo",
    "a",
    "b c",
    "d",
    "e",
    "f",
  ]);
  assert.deepEqual(splitCommand('/bin/echo "p q" r'), [
    "/bin/echo",
    "p q",
    "r",
  ]);
  assert.deepEqual(splitCommand("/bin/echo a\\ b '#c' A"), [
    "/bin/echo",
    "a b",
    "#c",
    "A",
  ]);
  assert.deepEqual(splitCommand("  "), []);
  assert.equal(splitCommand("/bin/echo 'open"), null);
});

Deno.test("a script's unquoted extra words are ignored as keepalived ignores them", () => {
  const r = convert(`vrrp_script chk {
    script /bin/echo x y
}
${instance("    track_script {\n        chk\n    }\n")}`);
  assert.deepEqual(checks(r.doc)[0]!.command, ["/bin/echo"]);
  noteAt(
    r.notes,
    2,
    /^script: the words after "\/bin\/echo" \(x y\) are not carried over; keepalived ignores them; quote the command/,
  );
});

Deno.test("escapes apply in and out of quotes; braces stand alone outside quotes", () => {
  const r = convert(`vrrp_script chk {script "/bin/echo {a} \\x41\\101"}
vrrp_script chk2 { script /bin/echo\\ x\\ y\\x41 }
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 51
    virtual_ipaddress {10.0.0.10/24}
    track_script { chk
        chk2 }
}
`);
  assert.deepEqual(checks(r.doc).map((c) => c.command), [
    ["/bin/echo", "{a}", "AA"],
    ["/bin/echo", "x", "yA"],
  ]);
});

Deno.test("version 3 on an instance, global vrrp_version 3, and keepalived's default 2", () => {
  const global = `global_defs {
    vrrp_version 3
}
`;
  const two = instance("", "A", 1, "10.0.0.1") +
    instance("    version 3\n", "B", 2, "10.0.0.2");
  const r = convert(two);
  assert.deepEqual(vhids(r.doc).map((v) => v.vrrp_version), [2, 3]);
  assert.match(r.toml, /vrrp_version = 2 +# keepalived's default\n/);
  const g = convert(
    global + instance("", "A", 1, "10.0.0.1") +
      instance("    version 2\n", "B", 2, "10.0.0.2"),
  );
  assert.deepEqual(vhids(g.doc).map((v) => v.vrrp_version), [3, 2]);
  assert.match(g.toml, /vrrp_version = 3 +# global_defs vrrp_version\n/);
});

Deno.test("advert_int is rounded per version: whole seconds for v2, 0.01 s for v3", () => {
  const r = convert(
    instance("    advert_int 1.6\n", "A", 1, "10.0.0.1") +
      instance("    version 3\n    advert_int 0.05\n", "B", 2, "10.0.0.2") +
      instance("    version 3\n    advert_int 50\n", "C", 3, "10.0.0.3") +
      instance("    advert_int 0.4\n", "D", 4, "10.0.0.4"),
  );
  assert.deepEqual(vhids(r.doc).map((v) => v.advert_interval), [
    2,
    0.05,
    40.95,
    1,
  ]);
  noteAt(
    r.notes,
    7,
    /^advert_int 1\.6 \(vrrp_instance A\): advert_interval = 2; VRRPv2 counts in whole seconds/,
  );
  assert.equal(r.notes.filter((n) => n.line === 16).length, 0);
});

Deno.test("an IPv6 instance speaks VRRPv3 whatever the version says", () => {
  const r = convert(`global_defs {
    vrrp_version 2
}
vrrp_instance V6 {
    interface eth0
    virtual_router_id 60
    version 2
    virtual_ipaddress {
        2001:db8::60/64
        192.0.2.1/24
    }
    unicast_src_ip 2001:db8::2
}
`);
  const v = vhids(r.doc)[0]!;
  assert.equal(v.vrrp_version, 3);
  assert.deepEqual(v.vips, ["2001:db8::60/64"]);
  assert.equal(v.source, undefined);
  assert.match(
    r.toml,
    /vrrp_version = 3 +# IPv6: keepalived always uses 3\n/,
  );
  noteAt(
    r.notes,
    7,
    /^version 2 \(vrrp_instance V6\): IPv6 instances always speak VRRPv3/,
  );
  noteAt(
    r.notes,
    10,
    /^192\.0\.2\.1\/24 \(vrrp_instance V6\): not carried over: keepalived ignores a VIP of another address family/,
  );
  noteAt(r.notes, 12, /^unicast_src_ip 2001:db8::2 .*link-local/);
});

Deno.test("unicast_src_ip and unicast_peer become source, mode and peers", () => {
  const r = convert(instance(`    unicast_src_ip 10.0.0.2
    unicast_peer {
        10.0.0.3
        10.0.0.4 min_ttl 250 max_ttl 255
    }
    unicast_ttl 255
`));
  const v = vhids(r.doc)[0]!;
  assert.equal(v.source, "10.0.0.2");
  assert.equal(v.mode, "unicast");
  assert.deepEqual(v.peers, ["10.0.0.3", "10.0.0.4"]);
  noteAt(
    r.notes,
    10,
    /^min_ttl 250 max_ttl 255 \(unicast_peer 10\.0\.0\.4\): not carried over/,
  );
  noteAt(
    r.notes,
    12,
    /^unicast_ttl 255 \(vrrp_instance VI_1\): not carried over/,
  );
  // An empty unicast_peer leaves keepalived (and carpd) on multicast.
  const m = convert(instance("    unicast_peer {\n    }\n"));
  assert.equal(vhids(m.doc)[0]!.mode, undefined);
  noteAt(
    m.notes,
    7,
    /^unicast_peer \(vrrp_instance VI_1\): empty, so keepalived 2\.2\.7 falls back to multicast/,
  );
});

Deno.test("every mapped vrrp_instance key reaches its carp.toml key", () => {
  const r = convert(`global_defs {
    vrrp_mcast_group4 224.0.0.19
}
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 51
    priority 150
    advert_int 2
    nopreempt
    authentication {
        auth_type PASS
        auth_pass secret12345
    }
    virtual_ipaddress {
        10.0.0.10/24 dev eth0 scope global
        10.0.0.11/24 dev eth1 scope host brd 10.0.0.255
    }
    mcast_src_ip 10.0.0.2
    garp_master_repeat 4
    garp_master_delay 0
    dont_track_primary
    notify_master "/etc/keepalived/up.sh a b" keepalived_script
    notify_backup /etc/keepalived/down.sh
    notify_fault /etc/keepalived/fault.sh
    notify "/etc/keepalived/notify.sh --all"
}
vrrp_instance VI_2 {
    interface eth0
    virtual_router_id 52
    virtual_ipaddress {
        10.0.0.20/24
    }
    mcast_dst_ip 224.0.0.20
    notify_fault /etc/keepalived/fault.sh
}
`);
  const [a, b] = vhids(r.doc);
  assert.deepEqual(
    { ...a },
    {
      protocol: "vrrp",
      vrrp_version: 2,
      id: 51,
      interface: "eth0",
      vips: ["10.0.0.10/24", "10.0.0.11/24"],
      priority: 150,
      advert_interval: 2,
      auth_pass: "secret12",
      preempt: false,
      source: "10.0.0.2",
      group: "224.0.0.19",
      garp_count: 4,
      garp_interval: 0.01,
      ignore_link_state: true,
      up_script: "/etc/keepalived/up.sh",
      down_script: "/etc/keepalived/down.sh",
      notify: ["/etc/keepalived/notify.sh", "--all"],
    },
  );
  assert.equal(b!.group, "224.0.0.20");
  assert.equal(b!.down_script, "/etc/keepalived/fault.sh");
  noteAt(
    r.notes,
    12,
    /^auth_pass \(vrrp_instance VI_1\): carried over as auth_pass \(keepalived uses only its first 8 bytes, "secret12"\); it travels in clear text in every advert, so it is no protection$/,
  );
  noteAt(
    r.notes,
    16,
    /^10\.0\.0\.11\/24 dev eth1 \(vrrp_instance VI_1\): carpd adds every VIP on the vhid's interface, eth0$/,
  );
  noteAt(r.notes, 16, /^10\.0\.0\.11\/24 scope host .*not carried over/);
  noteAt(r.notes, 16, /^10\.0\.0\.11\/24 brd 10\.0\.0\.255 .*not carried over/);
  noteAt(
    r.notes,
    19,
    /^garp_master_repeat 4 \(vrrp_instance VI_1\): garp_count = 4; keepalived sends/,
  );
  noteAt(
    r.notes,
    20,
    /^garp_master_delay 0 \(vrrp_instance VI_1\): garp_interval = 0\.01;/,
  );
  noteAt(
    r.notes,
    22,
    /^notify_master .*keepalived ran "\/etc\/keepalived\/up\.sh a b" once, adding no arguments, carpd runs "\/etc\/keepalived\/up\.sh <iface> <vip>" once per VIP on becoming MASTER, so its arguments \(a b\) are dropped; it runs as carpd's user \(root\), not keepalived_script$/,
  );
  noteAt(
    r.notes,
    23,
    /^notify_backup .*down_script = "\/etc\/keepalived\/down\.sh"; .*at start and on leaving MASTER/,
  );
  noteAt(
    r.notes,
    24,
    /^notify_fault \(vrrp_instance VI_1\): not carried over: carpd has no FAULT-only hook/,
  );
  noteAt(
    r.notes,
    25,
    /^notify \(vrrp_instance VI_1\): carried over as notify; keepalived appended INSTANCE/,
  );
  noteAt(
    r.notes,
    34,
    /^notify_fault \(vrrp_instance VI_2\): down_script = "\/etc\/keepalived\/fault\.sh"; keepalived ran .* on entering FAULT/,
  );
  // Lines mapped one to one need no note.
  for (const line of [5, 6, 7, 8, 9, 11, 15, 18, 21, 33]) {
    assert.deepEqual(
      r.notes.filter((n) => n.line === line),
      [],
      `line ${line}`,
    );
  }
});

Deno.test("state MASTER without a priority is keepalived's 255; nopreempt then does nothing", () => {
  const r = convert(instance("    state MASTER\n    nopreempt\n"));
  const v = vhids(r.doc)[0]!;
  assert.equal(v.priority, 254);
  assert.equal(v.preempt, undefined);
  noteAt(
    r.notes,
    7,
    /^state MASTER \(vrrp_instance VI_1\): not carried over: carpd starts every vhid as BACKUP/,
  );
  noteAt(
    r.notes,
    7,
    /^state MASTER without a priority means 255 \(vrrp_instance VI_1\): the address owner's; carpd is never the owner, so priority = 254/,
  );
  noteAt(
    r.notes,
    8,
    /^nopreempt \(vrrp_instance VI_1\): keepalived ignores it with state MASTER, so preempt stays true$/,
  );
});

Deno.test("the owner's weighted trackers are noted with the priority 255 change", () => {
  const r = convert(`vrrp_script chk {
    script /bin/true
    weight -20
}
${instance("    priority 255\n    track_script {\n        chk\n    }\n")}`);
  assert.equal(vhids(r.doc)[0]!.priority, 254);
  assert.equal(checks(r.doc)[0]!.demote, 20);
  noteAt(
    r.notes,
    11,
    /^priority 255 \(vrrp_instance VI_1\): .*; keepalived never moved the owner's priority by tracker weights, carpd applies them \(chk -20\)$/,
  );
});

Deno.test("track_script and track_interface weights: 0 faults, negative demotes, positive is inverted", () => {
  const r = convert(`vrrp_script chk_a {
    script "/bin/a"
}
vrrp_script chk_b {
    script "/bin/b"
    weight 10
}
vrrp_script chk_c {
    script "/bin/c"
    weight -5 reverse
}
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 51
    priority 90
    virtual_ipaddress {
        10.0.0.10/24
    }
    track_script {
        chk_a weight -40
        chk_b
        chk_c
        chk_missing
    }
    track_interface {
        eth1 weight -60
        eth2 weight 15
        eth3
        eth4 weight -10 reverse
        eth0
    }
}
vrrp_instance VI_2 {
    interface eth0
    virtual_router_id 52
    virtual_ipaddress {
        10.0.0.20/24
    }
    track_script {
        chk_a
        chk_b weight -10
    }
    track_interface {
        eth1 weight -60
        eth3
    }
}
`);
  const [a, b] = vhids(r.doc);
  assert.equal(a!.priority, 90 + 10 + 15);
  assert.equal(b!.priority, 100);
  assert.deepEqual(
    checks(r.doc).map((c) => [c.name, c.fault ?? false, c.demote, c.vhids]),
    [
      ["chk_a:demote40", false, 40, [51]],
      ["chk_a:fault", true, undefined, [52]],
      ["chk_b:raise10", false, 10, [51]],
      ["chk_b:demote10", false, 10, [52]],
    ],
  );
  assert.deepEqual(
    tracks(r.doc).map((t) => [t.name, t.fault ?? false, t.demote, t.vhids]),
    [
      ["eth1", false, 60, [51, 52]],
      ["eth2", false, 15, [51]],
      ["eth3", true, undefined, [51, 52]],
    ],
  );
  noteAt(
    r.notes,
    21,
    /^track_script chk_b weight 10 \(vrrp_instance VI_1\): carpd only demotes, so this is inverted: the priority is raised by 10/,
  );
  noteAt(
    r.notes,
    22,
    /^track_script chk_c \(vrrp_instance VI_1\): reverse is not carried over/,
  );
  noteAt(
    r.notes,
    23,
    /^track_script chk_missing \(vrrp_instance VI_1\): no vrrp_script chk_missing, so keepalived ignores it; not carried over$/,
  );
  noteAt(r.notes, 27, /^track_interface eth2 weight 15 .*inverted/);
  noteAt(
    r.notes,
    29,
    /^track_interface eth4 \(vrrp_instance VI_1\): reverse is not carried over/,
  );
  noteAt(
    r.notes,
    30,
    /^track_interface eth0 \(vrrp_instance VI_1\): not needed: carpd always puts a vhid in FAULT while its own interface is down$/,
  );
  noteAt(
    r.notes,
    1,
    /^vrrp_script chk_a: tracked with different weights, so it becomes 2 \[\[check\]\] tables \(chk_a:demote40, chk_a:fault\)/,
  );
  assert.match(
    r.toml,
    /demote = 10 +# weight \+10, inverted \(see the priority\)\n/,
  );
  assert.match(
    r.toml,
    /priority = 115 +# 90 \+ 25 from inverted positive weights\n/,
  );
});

Deno.test("a track_script before its vrrp_script is ignored, as keepalived 2.2.7 does", () => {
  const r = convert(
    `${instance("    track_script {\n        late\n    }\n")}vrrp_script late {
    script /bin/true
}
vrrp_script unused {
    script /bin/true
}
`,
  );
  assert.deepEqual(checks(r.doc), []);
  noteAt(
    r.notes,
    8,
    /^track_script late \(vrrp_instance VI_1\): its vrrp_script comes later \(\/etc\/keepalived\/keepalived\.conf:11\)/,
  );
  noteAt(
    r.notes,
    14,
    /^vrrp_script unused: no vrrp_instance tracks it, so keepalived never runs it; not carried over$/,
  );
});

Deno.test("vrrp_sync_group becomes a [[group]] of interface/id members; primary-backup.sh becomes conntrackd = true; its members' weighted trackers are dropped as keepalived drops them", () => {
  const r = convert(`vrrp_script chk {
    script /bin/true
    weight -20
}
vrrp_sync_group G1 {
    group {
        VI_1
        VI_2
    }
    notify_master "/usr/share/doc/conntrackd/examples/sync/primary-backup.sh primary"
    notify /bin/g
    notify_fault /bin/f
}
${instance("    track_script {\n        chk\n    }\n", "VI_1", 1, "10.0.0.1")}${
    instance(
      "    track_script {\n        chk weight 0\n    }\n",
      "VI_2",
      2,
      "10.0.0.2",
    )
  }`);
  assert.deepEqual(checks(r.doc).map((c) => [c.fault, c.vhids]), [[true, [2]]]);
  const groups = (r.doc as { group?: unknown[] }).group;
  assert.deepEqual(JSON.parse(JSON.stringify(groups)), [{
    name: "G1",
    vhids: ["eth0/1", "eth0/2"],
    conntrackd: true,
    notify: ["/bin/g"],
  }]);
  noteAt(
    r.notes,
    10,
    /^notify_master \(vrrp_sync_group G1\): runs Debian's primary-backup\.sh, so conntrackd = true/,
  );
  noteAt(r.notes, 11, /^notify \(vrrp_sync_group G1\): the group's notify/);
  noteAt(
    r.notes,
    12,
    /^notify_fault \(vrrp_sync_group G1\): not carried over: carpd's group notify is one command/,
  );
  noteAt(
    r.notes,
    21,
    /^track_script chk weight -20 \(vrrp_instance VI_1\): not carried over: keepalived ignores weighted trackers of a vrrp_sync_group member \(G1\)$/,
  );
});

Deno.test("preempt_delay and garp_master_refresh are carried over, with how carpd's preempt_delay differs", () => {
  const r = convert(`global_defs {
    vrrp_garp_master_refresh 60
}
${instance("    preempt_delay 30\n", "VI_1", 1, "10.0.0.1")}${
    instance("    garp_master_refresh 20\n", "VI_2", 2, "10.0.0.2")
  }`);
  const vhids = (r.doc as { vhid: Record<string, unknown>[] }).vhid;
  assert.deepEqual(vhids.map((v) => [v.preempt_delay, v.garp_refresh]), [
    [30, 60],
    [undefined, 20],
  ]);
  noteAt(
    r.notes,
    10,
    /^preempt_delay 30 \(vrrp_instance VI_1\): preempt_delay = 30; carpd waits only before taking over from a live, less preferred master/,
  );
});

Deno.test("every refused keyword is noted at its line with why", () => {
  const refused = [
    "use_vmac vrrp.51",
    "vmac_xmit_base",
    "garp_lower_prio_delay 5",
    "smtp_alert",
    "virtual_ipaddress_excluded {\n        10.0.1.1\n    }",
    "virtual_routes {\n        0.0.0.0/0 via 10.0.0.1\n    }",
    "track_file {\n        f\n    }",
    "track_process {\n        p\n    }",
    "notify_stop /bin/stop",
    "notify_deleted /bin/gone",
    "lower_prio_no_advert",
    "no_accept",
    "strict_mode on",
    "promote_secondaries",
    "frobnicate 7",
  ];
  const body = refused.map((k) => `    ${k}\n`).join("");
  const r = convert(`${instance(body)}
virtual_server 10.0.0.10 80 {
    real_server 10.0.2.1 80 {
        weight 1
    }
}
static_routes {
    10.9.0.0/16 via 10.0.0.1
}
net_namespace blue
`);
  let line = 7;
  for (const k of refused) {
    const kw = k.split(/\s/)[0]!;
    const n = noteAt(r.notes, line, new RegExp(`^${kw}\\b`));
    assert.match(
      n.text,
      /\(vrrp_instance VI_1\): (not carried over|not a vrrp_instance keyword)/,
    );
    line += k.split("\n").length;
  }
  noteAt(
    r.notes,
    32,
    /^virtual_server 10\.0\.0\.10 80: not carried over: LVS \(IPVS\)/,
  );
  noteAt(r.notes, 37, /^static_routes: not carried over/);
  noteAt(
    r.notes,
    40,
    /^net_namespace blue: not a keyword this importer knows; not carried over$/,
  );
  // One note per refused block, none for its inside.
  assert.equal(r.notes.filter((n) => n.line === 33 || n.line === 34).length, 0);
  assert.equal(r.notes.length, refused.length + 3);
});

Deno.test("authentication AH and VRRPv3 PASS are refused; the vhid keeps no auth_pass", () => {
  const r = convert(
    instance(
      "    authentication {\n        auth_type AH\n        auth_pass x\n    }\n",
      "A",
      1,
      "10.0.0.1",
    ) +
      instance(
        "    version 3\n    authentication {\n        auth_type PASS\n        auth_pass x\n    }\n",
        "B",
        2,
        "10.0.0.2",
      ),
  );
  assert.deepEqual(vhids(r.doc).map((v) => v.auth_pass), [
    undefined,
    undefined,
  ]);
  noteAt(
    r.notes,
    8,
    /^auth_type AH \(vrrp_instance A\): not carried over: carpd has no IPsec AH$/,
  );
  noteAt(
    r.notes,
    20,
    /^authentication \(vrrp_instance B\): not carried over: VRRPv3 has no authentication/,
  );
});

Deno.test("conditional @ lines are noted and left out; an empty glob include is noted", () => {
  const r = convert(`include /etc/keepalived/conf.d/*.conf
${instance("    @lb1 priority 200\n    @^lb1 priority 150\n")}`);
  assert.equal(vhids(r.doc)[0]!.priority, 100);
  noteAt(
    r.notes,
    1,
    /^include \/etc\/keepalived\/conf\.d\/\*\.conf: matches no file/,
  );
  noteAt(
    r.notes,
    8,
    /^@lb1 priority 200: a conditional line \(for keepalived -i with config id lb1\)/,
  );
  noteAt(
    r.notes,
    9,
    /^@\^lb1 priority 150: a conditional line \(for keepalived -i with every config id but lb1\)/,
  );
});

Deno.test("--protocol carp: advbase, advskew, password, deadratio and preempt", () => {
  const r = convert(
    instance(
      "    priority 200\n    advert_int 0.5\n    nopreempt\n    down_timer_adverts 5\n    authentication {\n        auth_type PASS\n        auth_pass s3cret\n    }\n    version 3\n",
      "A",
      1,
      "10.0.0.1",
    ) +
      instance("    advert_int 100\n", "B", 2, "10.0.0.2") +
      instance("", "C", 3, "2001:db8::3"),
    "carp",
  );
  const [a, b, c] = vhids(r.doc);
  assert.deepEqual(
    { ...a },
    {
      id: 1,
      interface: "eth0",
      vips: ["10.0.0.1"],
      password: "s3cret",
      advbase: 1,
      advskew: 55,
      deadratio: 5,
      preempt: false,
    },
  );
  assert.equal(b!.advbase, 85);
  assert.equal(b!.advskew, 155);
  assert.equal(c!.password, "replace-me-9eb6afbc");
  assert.ok(!/^protocol =/m.test(r.toml));
  assert.ok(
    !/^(priority|advert_interval|vrrp_version|auth_pass) =/m.test(r.toml),
  );
  assert.match(
    r.toml,
    /advskew = 55 +# 255 - priority 200: lower advskew wins\n/,
  );
  noteAt(
    r.notes,
    8,
    /^advert_int 0\.5 \(vrrp_instance A\): advbase = 1; CARP counts in whole seconds$/,
  );
  noteAt(r.notes, 13, /^auth_pass \(vrrp_instance A\): the CARP password;/);
  noteAt(
    r.notes,
    15,
    /^version 3 \(vrrp_instance A\): VRRP only; the vhid speaks CARP$/,
  );
  noteAt(
    r.notes,
    23,
    /^advert_int 100 \(vrrp_instance B\): advbase = 85; advbase x deadratio must stay below 256 s$/,
  );
  noteAt(r.notes, 25, /^vrrp_instance C: CARP needs a password/);
});

Deno.test("the output is the same on every run", () => {
  const a = convert(fixtures("main.conf"), "carp");
  const b = convert(fixtures("main.conf"), "carp");
  assert.equal(a.toml, b.toml);
  assert.deepEqual(a.notes, b.notes);
});

Deno.test("malformed input throws an ImportError naming the file and line", async (t) => {
  const cases: [
    string,
    string | Record<string, string>,
    string[],
    string,
    number,
    RegExp,
  ][] = [
    [
      "an unclosed block",
      instance().replace(/}\n$/, ""),
      [],
      CONF,
      1,
      /the '\{' of vrrp_instance VI_1 is never closed/,
    ],
    [
      "a stray }",
      instance() + "}\n",
      [],
      CONF,
      8,
      /'\}' without a matching '\{'/,
    ],
    [
      "a block keyword without its block, braces balanced",
      "vrrp_instance VI_1\n    interface eth0\n",
      [],
      CONF,
      1,
      /vrrp_instance needs a \{ \.\.\. \} block/,
    ],
    [
      "a block keyword without its {, and its }",
      instance().replace("virtual_ipaddress {", "virtual_ipaddress") + "\n",
      [],
      CONF,
      4,
      /virtual_ipaddress needs a \{ \.\.\. \} block \(the '\}' at \/etc\/keepalived\/keepalived\.conf:7 has no '\{'\)/,
    ],
    ["a { with no keyword", "{\n}\n", [], CONF, 1, /'\{' without a keyword/],
    [
      "a non-numeric VRID",
      instance().replace("virtual_router_id 51", "virtual_router_id fifty"),
      [],
      CONF,
      3,
      /virtual_router_id: "fifty" is not an integer from 1 to 255/,
    ],
    [
      "a VRID out of range",
      instance().replace("virtual_router_id 51", "virtual_router_id 256"),
      [],
      CONF,
      3,
      /virtual_router_id: "256"/,
    ],
    [
      "a non-numeric priority",
      instance("    priority high\n"),
      [],
      CONF,
      7,
      /priority: "high" is not an integer from 1 to 255/,
    ],
    ["priority 0", instance("    priority 0\n"), [], CONF, 7, /priority: "0"/],
    [
      "a bad advert_int",
      instance("    advert_int 1s\n"),
      [],
      CONF,
      7,
      /advert_int: "1s"/,
    ],
    [
      "a bad weight",
      `vrrp_script c {\n    script /bin/true\n    weight -300\n}\n`,
      [],
      CONF,
      3,
      /weight: "-300" is not an integer from -253 to 253/,
    ],
    [
      "a bad VIP",
      instance("", "VI_1", 51, "10.0.0.300"),
      [],
      CONF,
      5,
      /"10\.0\.0\.300" is not an IP address/,
    ],
    [
      "a bad peer",
      instance("    unicast_peer {\n        peer1\n    }\n"),
      [],
      CONF,
      8,
      /unicast_peer: "peer1" is not an IP address/,
    ],
    [
      "no interface",
      instance().replace("    interface eth0\n", ""),
      [],
      CONF,
      1,
      /has no interface/,
    ],
    [
      "no VRID",
      instance().replace("    virtual_router_id 51\n", ""),
      [],
      CONF,
      1,
      /has no virtual_router_id/,
    ],
    [
      "no VIP",
      "vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 51\n}\n",
      [],
      CONF,
      1,
      /has no virtual_ipaddress/,
    ],
    [
      "an unmatched quote",
      instance('    notify "/bin/x\n'),
      [],
      CONF,
      7,
      /unmatched " quote/,
    ],
    [
      "a quote left open inside a script",
      `vrrp_script c {\n    script "/bin/x 'a"\n}\n`,
      [],
      CONF,
      2,
      /a quote in "\/bin\/x 'a" is not closed/,
    ],
    [
      "a missing include",
      `include other.conf\n${instance()}`,
      [],
      CONF,
      1,
      /include other\.conf: cannot read it: no such file/,
    ],
    [
      "an unreadable include",
      { [CONF]: `${instance()}include conf.d/*.conf\n` },
      ["/etc/keepalived/conf.d/a.conf"],
      CONF,
      8,
      /include conf\.d\/\*\.conf: cannot read \/etc\/keepalived\/conf\.d\/a\.conf: permission denied/,
    ],
    [
      "an include loop",
      {
        [CONF]: `include a.conf\n`,
        "/etc/keepalived/a.conf": "\n\ninclude keepalived.conf\n",
      },
      [],
      "/etc/keepalived/a.conf",
      3,
      /keepalived\.conf is already being read \(an include loop\)/,
    ],
    [
      "a parameter definition",
      `$PRIO=100\n${instance()}`,
      [],
      CONF,
      1,
      /parameter definitions \(\$PRIO=\) are not supported/,
    ],
    [
      "a ~SEQ line",
      `~SEQ(i, 1, 3) vrrp_instance VI_$i {\n}\n`,
      [],
      CONF,
      1,
      /~SEQ blocks are not supported/,
    ],
    [
      "two instances with one name",
      instance() + instance("", "VI_1", 52, "10.0.0.11"),
      [],
      CONF,
      8,
      /vrrp_instance VI_1 is defined twice \(first at line 1/,
    ],
    [
      "a VRID twice on one interface (carpd's own check)",
      instance() + instance("", "VI_2", 51, "10.0.0.11"),
      [],
      CONF,
      8,
      /carpd cannot take the converted config: vhid\[1\]\.id: 51 is not allowed/,
    ],
    ["no vrrp_instance", "global_defs {\n}\n", [], CONF, 1, /no vrrp_instance/],
    [
      "an unreadable main file",
      {},
      [],
      CONF,
      1,
      /cannot read the file: no such file/,
    ],
  ];
  for (const [name, input, unreadable, file, line, re] of cases) {
    await t.step(name, () => {
      const e = importError(input, unreadable);
      assert.match(e.message, re);
      assert.deepEqual([e.file, e.line], [file, line], e.message);
    });
  }
});

Deno.test("vrrp_script values outside carp.toml's ranges are clamped, with a note", () => {
  const r = convert(`vrrp_script chk {
    script /bin/true
    interval 0.05
    timeout 7200
    fall 500
    rise 2
}
${instance("    track_script {\n        chk\n    }\n")}`);
  const c = checks(r.doc)[0]!;
  assert.deepEqual([c.interval, c.timeout, c.fall, c.rise], [
    0.1,
    3600,
    100,
    2,
  ]);
  noteAt(
    r.notes,
    3,
    /^interval 0\.05 \(vrrp_script chk\): interval = 0\.1, the nearest carp\.toml takes \(0\.1 to 86400\)$/,
  );
  noteAt(r.notes, 4, /^timeout 7200 \(vrrp_script chk\): timeout = 3600,/);
  noteAt(r.notes, 5, /^fall 500 \(vrrp_script chk\): fall = 100,/);
});

Deno.test("global GARP settings reach every vhid that does not set its own", () => {
  const r = convert(`global_defs {
    vrrp_garp_master_delay 10
    vrrp_garp_master_repeat 2
}
${instance("", "A", 1, "10.0.0.1")}${
    instance("    garp_master_repeat 1\n", "B", 2, "10.0.0.2")
  }`);
  assert.deepEqual(
    vhids(r.doc).map((v) => [v.garp_count, v.garp_interval]),
    [[2, 10], [1, 10]],
  );
  noteAt(
    r.notes,
    2,
    /^vrrp_garp_master_delay 10: every vhid gets garp_interval = 10 unless its instance sets garp_master_delay;/,
  );
  noteAt(
    r.notes,
    3,
    /^vrrp_garp_master_repeat 2: every vhid gets garp_count = 2/,
  );
  noteAt(
    r.notes,
    18,
    /^garp_master_repeat 1 \(vrrp_instance B\): garp_count = 1;/,
  );
  const min = convert(
    `global_defs {\n    vrrp_min_garp true\n}\n${instance()}`,
  );
  assert.equal(vhids(min.doc)[0]!.garp_count, 1);
  assert.equal(vhids(min.doc)[0]!.garp_interval, undefined);
});

Deno.test("a tracker's vhids list names ids, which may cover a vhid on another interface", () => {
  const r = convert(`vrrp_script chk {
    script /bin/true
}
${instance("    track_script {\n        chk\n    }\n")}${
    instance("", "VI_2", 51, "10.0.1.10/24").replace("eth0", "eth1")
  }`);
  assert.deepEqual(checks(r.doc)[0]!.vhids, [51]);
  noteAt(
    r.notes,
    1,
    /^chk: carpd names vhids by id only, so vhids = \[51\] also covers vhid 51 on eth1$/,
  );
});

Deno.test("an include keeps csh-style braces in its glob", () => {
  const seen: string[] = [];
  const files: ImportFiles = {
    read: (p) => p === CONF ? `include conf.d/{a,b}.conf\n` : instance(),
    expand: (pattern, from) => {
      seen.push(`${pattern} from ${from}`);
      return ["/etc/keepalived/conf.d/a.conf"];
    },
  };
  const r = importKeepalived(CONF, files, { protocol: "vrrp" });
  assert.deepEqual(seen, [`conf.d/{a,b}.conf from ${CONF}`]);
  assert.match(
    r.toml,
    /# vrrp_instance VI_1 \(\/etc\/keepalived\/conf\.d\/a\.conf:1\)/,
  );
});

Deno.test("keywords named like an object's own members (constructor, __proto__, toString) are unknown keywords, not their values", () => {
  const r = convert(
    `global_defs {
    constructor 1
}
toString
__proto__ x
` + instance("    hasOwnProperty 1\n"),
  );
  noteAt(
    r.notes,
    2,
    /^global_defs constructor 1: no carpd equivalent; not carried over$/,
  );
  noteAt(
    r.notes,
    4,
    /^toString: not a keyword this importer knows; not carried over$/,
  );
  noteAt(
    r.notes,
    5,
    /^__proto__ x: not a keyword this importer knows; not carried over$/,
  );
  noteAt(
    r.notes,
    12,
    /^hasOwnProperty 1 \(vrrp_instance VI_1\): not a vrrp_instance keyword this importer knows; not carried over$/,
  );
});
