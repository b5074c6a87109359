import assert from "node:assert/strict";
import { type Config } from "../../src/config/mod.ts";
import { parseConfig } from "../../src/config/load/mod.ts";
import { importIfupdown } from "../../src/import/ifupdown/mod.ts";
import {
  ImportError,
  type ImportFiles,
  type ImportNote,
} from "../../src/import/result.ts";
import { carpOf } from "../config/_narrow.ts";

const ROOT = "/etc/network/interfaces";
const FIXTURES = new URL("./fixtures/ifupdown/", import.meta.url);

/** Files in memory; `expand` globs (`*`, `?`) over their paths. */
function memFiles(map: Record<string, string>): ImportFiles {
  return {
    read(path): string {
      const text = map[path];
      if (text === undefined) throw new Deno.errors.NotFound(path);
      return text;
    },
    expand(pattern, from): string[] {
      const joined = pattern.startsWith("/")
        ? pattern
        : `${from.slice(0, from.lastIndexOf("/"))}/${pattern}`;
      const parts: string[] = [];
      for (const part of joined.split("/")) {
        if (part === "..") parts.pop();
        else if (part !== "." && part !== "") parts.push(part);
      }
      const abs = `/${parts.join("/")}`;
      const re = new RegExp(
        `^${
          abs.replace(/[.+^${}()|\\]/g, "\\$&").replaceAll("*", "[^/]*")
            .replaceAll("?", "[^/]")
        }$`,
      );
      return Object.keys(map).filter((p) => re.test(p)).sort();
    },
  };
}

/** A fixture directory, as if it were /etc/network. */
function fixture(name: string): Record<string, string> {
  const map: Record<string, string> = {};
  const walk = (dir: URL, rel: string): void => {
    for (const e of Deno.readDirSync(dir)) {
      if (e.isDirectory) walk(new URL(`${e.name}/`, dir), `${rel}${e.name}/`);
      else {
        map[`/etc/network/${rel}${e.name}`] = Deno.readTextFileSync(
          new URL(e.name, dir),
        );
      }
    }
  };
  walk(new URL(`${name}/`, FIXTURES), "");
  return map;
}

function check(toml: string): Config {
  return parseConfig(toml, "carp.toml", () => {
    throw new Deno.errors.NotFound("");
  });
}

/** Imports, and checks the TOML passes `carpd check`. */
function imported(
  map: Record<string, string> | string,
): { toml: string; notes: ImportNote[]; config: Config } {
  const files = typeof map === "string" ? { [ROOT]: map } : map;
  const r = importIfupdown(ROOT, memFiles(files));
  return { ...r, config: check(r.toml) };
}

function importError(map: Record<string, string> | string): ImportError {
  const files = typeof map === "string" ? { [ROOT]: map } : map;
  try {
    importIfupdown(ROOT, memFiles(files));
  } catch (e) {
    if (e instanceof ImportError) return e;
    throw e;
  }
  assert.fail("expected an ImportError");
}

/** The TOML has this whole line. */
function hasLine(toml: string, line: string): void {
  assert.ok(toml.includes(`\n${line}\n`), `no line ${line} in:\n${toml}`);
}

/** `line: text` of each note, for files that are all ROOT. */
function lines(notes: ImportNote[]): string[] {
  return notes.map((n) => `${n.line}: ${n.text}`);
}

const HEADER =
  `# carp.toml imported by carpd from Debian ifupdown (ucarp-* options):
#   /etc/network/interfaces
# It holds passwords: keep it mode 0600. Check it with carpd check -c FILE.

[daemon]
log_level = "info"
`;

// A stanza with ucarp options and its alias, for the smaller cases.
function stanza(extra = "", alias = true): string {
  return `auto eth1
iface eth1 inet static
    address 192.168.1.130
    netmask 255.255.255.0
    ucarp-vid 3
    ucarp-vip 192.168.1.135
    ucarp-password secret
${extra}${
    alias
      ? `iface eth1:ucarp inet static
    address 192.168.1.135
    netmask 255.255.255.0
`
      : ""
  }`;
}

Deno.test("importIfupdown() converts the README example exactly", () => {
  const { toml, notes, config } = imported(fixture("readme"));
  assert.equal(
    toml,
    `${HEADER}
# iface eth1 inet static (/etc/network/interfaces:2)
[[vhid]]
id = 3
interface = "eth1"
vips = ["192.168.1.135/24"]  # from iface eth1:ucarp netmask (/etc/network/interfaces:13)
password = "a-shared-secret"
source = "192.168.1.130"  # iface eth1 address (ucarp -s)
advbase = 1
advskew = 1
preempt = false  # ucarp-master no: no -P
# No up/down scripts: Debian's stock vip-up/vip-down only ran ifup/ifdown eth1:ucarp;
# carpd adds and removes the VIP itself (manage_vips = true, the default).
`,
  );
  assert.deepEqual(notes, []);
  const v = carpOf(config.vhids[0]);
  assert.equal(v.id, 3);
  assert.equal(v.interface, "eth1");
  assert.deepEqual(v.vips.map((x) => [x.text, x.prefix]), [[
    "192.168.1.135/24",
    24,
  ]]);
  assert.equal(v.source, 0xc0a80182);
  assert.deepEqual(
    [v.advbase, v.advskew, v.deadratio, v.preempt, v.manageVips],
    [1, 1, 3, false, true],
  );
  assert.equal(v.upScript, null);
  assert.equal(new TextDecoder().decode(v.key), "a-shared-secret");
});

Deno.test("importIfupdown() follows source-directory and source globs, with comments and continuations", () => {
  const { toml, notes, config } = imported(fixture("multi"));
  assert.equal(
    toml,
    `# carp.toml imported by carpd from Debian ifupdown (ucarp-* options):
#   /etc/network/interfaces
#   /etc/network/interfaces.d/eth0
#   /etc/network/vlans/eth1.10.conf
#   /etc/network/vlans/eth2.conf
# It holds passwords: keep it mode 0600. Check it with carpd check -c FILE.

[daemon]
log_level = "info"

# iface eth0 inet static (/etc/network/interfaces.d/eth0:3)
[[vhid]]
id = 10
interface = "eth0"
vips = ["203.0.113.10/24"]  # from iface eth0:ucarp address (/etc/network/interfaces.d/eth0:16)
password = "web-secret"
source = "203.0.113.2"  # iface eth0 address (ucarp -s)
advskew = 0
preempt = true  # ucarp-master yes: -P
# No up/down scripts: Debian's stock vip-up/vip-down only ran ifup/ifdown eth0:ucarp;
# carpd adds and removes the VIP itself (manage_vips = true, the default).

# iface eth1.10 inet static (/etc/network/vlans/eth1.10.conf:2)
[[vhid]]
id = 20
interface = "eth1.10"
vips = ["10.1.10.1"]  # as ucarp passed it to the scripts, which add it
password = "vlan10pass"
source = "10.1.10.2"  # iface eth1.10 address (ucarp -s)
advbase = 2
advskew = 50
deadratio = 5
mode = "broadcast"  # ucarp-nomcast yes: -M
up_script = "/etc/ucarp/vip-up.sh"
down_script = "/etc/ucarp/vip-down.sh"
xparam = "24"
manage_vips = false  # as ucarp: the up/down scripts add and remove the address

# iface eth2 inet static (/etc/network/vlans/eth2.conf:2)
[[vhid]]
id = 30
interface = "eth2"
vips = ["192.0.2.30/25"]  # from iface eth2:ucarp netmask (/etc/network/vlans/eth2.conf:13)
password = "db"
source = "192.0.2.2"  # iface eth2 address (ucarp -s)
# No up/down scripts: Debian's stock vip-up/vip-down only ran ifup/ifdown eth2:ucarp;
# carpd adds and removes the VIP itself (manage_vips = true, the default).
`,
  );
  assert.deepEqual(notes, [
    {
      file: "/etc/network/interfaces",
      line: 7,
      text:
        'source-directory interfaces.d: /etc/network/interfaces.d/eth0.dpkg-old is skipped, as ifupdown does (it reads only names of letters, digits, "_" and "-")',
    },
    {
      file: "/etc/network/vlans/eth2.conf",
      line: 8,
      text:
        "ucarp-facility is not an option of Debian's if-up.d/ucarp: ucarp never saw it; not carried over",
    },
    {
      file: "/etc/network/vlans/eth2.conf",
      line: 9,
      text:
        "ucarp-options is not read by Debian's if-up.d/ucarp: ucarp never got these flags; not carried over",
    },
    {
      file: "/etc/network/vlans/eth2.conf",
      line: 14,
      text:
        "iface eth2:ucarp up: vip-up ran it through ifup eth2:ucarp; carpd only adds the address, so it is not carried over",
    },
    {
      file: "/etc/network/vlans/eth2.conf",
      line: 16,
      text:
        "not imported: iface eth2 inet6 static: ucarp speaks IPv4 only (Debian's if-up.d/ucarp would pass it this stanza's inet6 address); write a [[vhid]] by hand for IPv6",
    },
  ]);
  assert.deepEqual(config.vhids.map((v) => [v.id, v.interface]), [
    [10, "eth0"],
    [20, "eth1.10"],
    [30, "eth2"],
  ]);
  const vlan = config.vhids[1]!;
  assert.equal(vlan.mode, "broadcast");
  assert.equal(vlan.manageVips, false);
  assert.equal(vlan.xparam, "24");
});

Deno.test("importIfupdown() is deterministic", () => {
  const a = importIfupdown(ROOT, memFiles(fixture("multi")));
  const b = importIfupdown(ROOT, memFiles(fixture("multi")));
  assert.deepEqual(a, b);
});

Deno.test("importIfupdown() takes README.Debian's example: ucarp-master yes is -P", () => {
  const { toml, notes, config } = imported(`iface eth0 inet static
	address 10.0.0.2
	netmask 255.255.255.0
	ucarp-vid 3
	ucarp-vip 10.0.0.1
	ucarp-password 16charsatmost
	ucarp-advskew 0
	ucarp-advbase 1
	ucarp-master yes
iface eth0:ucarp inet static
	address 10.0.0.1
	netmask 255.255.255.255
`);
  hasLine(
    toml,
    `vips = ["10.0.0.1/32"]  # from iface eth0:ucarp netmask (/etc/network/interfaces:12)`,
  );
  hasLine(toml, `preempt = true  # ucarp-master yes: -P`);
  assert.deepEqual(notes, []);
  assert.equal(config.vhids[0]!.preempt, true);
});

Deno.test("importIfupdown() maps ucarp-master and ucarp-nomcast as the hook's expr does", async (t) => {
  // expr "$V" : "no\|off\|false\|0": a case-sensitive match at the start.
  const cases: [string, boolean, boolean][] = [
    ["yes", true, false],
    ["on", true, false],
    ["true", true, false],
    ["1", true, false],
    ["no", false, false],
    ["off", false, false],
    ["false", false, false],
    ["0", false, false],
    ["NO", true, true],
    ["nope", false, true],
    ["Yes", true, true],
  ];
  for (const [value, on, noted] of cases) {
    await t.step(value, () => {
      const r = imported(
        stanza(`    ucarp-master ${value}\n    ucarp-nomcast ${value}\n`),
      );
      const v = r.config.vhids[0]!;
      assert.equal(v.preempt, on);
      assert.equal(v.mode, on ? "broadcast" : "multicast");
      assert.deepEqual(
        r.notes.map((n) => n.line),
        noted ? [8, 9] : [],
      );
      if (noted) {
        assert.match(r.notes[0]!.text, new RegExp(`preempt = ${on}$`));
      }
    });
  }
});

Deno.test("importIfupdown() carries every hook option over", () => {
  const { toml, notes, config } = imported(stanza(
    `    ucarp-advbase 2
    ucarp-advskew 100
    ucarp-deadratio 7
    ucarp-master on
    ucarp-nomcast off
    ucarp-upscript /etc/ucarp/up
    ucarp-downscript /etc/ucarp/down
    ucarp-xparam extra
`,
  ));
  assert.deepEqual(notes, []);
  assert.ok(toml.includes(`
password = "secret"
source = "192.168.1.130"  # iface eth1 address (ucarp -s)
advbase = 2
advskew = 100
deadratio = 7
preempt = true  # ucarp-master on: -P
up_script = "/etc/ucarp/up"
down_script = "/etc/ucarp/down"
xparam = "extra"
manage_vips = false  # as ucarp: the up/down scripts add and remove the address
`));
  const v = carpOf(config.vhids[0]);
  assert.deepEqual(
    [v.advbase, v.advskew, v.deadratio, v.preempt, v.mode, v.neutral],
    [2, 100, 7, true, "multicast", false],
  );
  assert.deepEqual([v.upScript, v.downScript, v.xparam, v.manageVips], [
    "/etc/ucarp/up",
    "/etc/ucarp/down",
    "extra",
    false,
  ]);
  // The scripts get the VIP as ucarp gave it to them: no prefix.
  assert.deepEqual(v.vips.map((x) => x.text), ["192.168.1.135"]);
});

Deno.test("importIfupdown() keeps a stock script beside a custom one, with a note", () => {
  const { notes, config } = imported(
    stanza("    ucarp-upscript /etc/ucarp/up\n"),
  );
  const v = carpOf(config.vhids[0]);
  assert.deepEqual([v.upScript, v.downScript, v.manageVips], [
    "/etc/ucarp/up",
    "/usr/share/ucarp/vip-down",
    false,
  ]);
  assert.deepEqual(lines(notes), [
    "2: /usr/share/ucarp/vip-down (the default) runs ifup/ifdown eth1:ucarp: keep the ucarp package's scripts installed, or replace it",
  ]);
});

Deno.test("importIfupdown() takes the stock scripts named outright as the default", () => {
  const { toml, notes, config } = imported(stanza(
    "    ucarp-upscript /usr/share/ucarp/vip-up\n    ucarp-downscript /usr/share/ucarp/vip-down\n    ucarp-xparam x\n",
  ));
  assert.equal(config.vhids[0]!.manageVips, true);
  assert.equal(config.vhids[0]!.upScript, null);
  assert.ok(!toml.includes("xparam"));
  assert.deepEqual(lines(notes), [
    "10: ucarp-xparam only reaches the up/down scripts, and Debian's stock vip-up/vip-down ignore it; not carried over",
  ]);
});

Deno.test("importIfupdown() notes the stock scripts' alias stanza nuances", async (t) => {
  await t.step("no alias stanza: /32", () => {
    const { toml, notes, config } = imported(stanza("", false));
    hasLine(toml, `vips = ["192.168.1.135/32"]  # no stanza gives a netmask`);
    assert.equal(config.vhids[0]!.vips[0]!.prefix, 32);
    assert.deepEqual(lines(notes), [
      "2: no iface stanza has address 192.168.1.135: carpd adds it as 192.168.1.135/32",
      "2: no iface eth1:ucarp inet stanza: Debian's vip-up runs ifup eth1:ucarp, which then fails, so ucarp never added 192.168.1.135; carpd adds it",
    ]);
  });
  await t.step("an alias of another name gives the prefix", () => {
    const { toml, notes } = imported(stanza(
      "iface eth1:0 inet static\n    address 192.168.1.135\n    netmask 25\n",
      false,
    ));
    hasLine(
      toml,
      `vips = ["192.168.1.135/25"]  # from iface eth1:0 netmask (/etc/network/interfaces:10)`,
    );
    assert.deepEqual(lines(notes), [
      "2: no iface eth1:ucarp inet stanza: Debian's vip-up runs ifup eth1:ucarp, which then fails, so ucarp never added 192.168.1.135; carpd adds it",
    ]);
  });
  await t.step("no netmask: /32 as ifup added it", () => {
    const { toml, notes } = imported(stanza(
      "iface eth1:ucarp inet static\n    address 192.168.1.135\n",
      false,
    ));
    hasLine(
      toml,
      `vips = ["192.168.1.135/32"]  # iface eth1:ucarp has no netmask: /32, as ifup added it`,
    );
    assert.deepEqual(notes, []);
  });
  await t.step("other address, extra options, auto, inet6", () => {
    const { toml, notes } = imported(`auto eth1 eth1:ucarp
iface eth1 inet static
    address 192.168.1.130
    ucarp-vid 3
    ucarp-vip 192.168.1.135
    ucarp-password secret
iface eth1:ucarp inet static
    address 192.168.1.136/24
    post-up /usr/local/bin/announce
    pre-down /usr/local/bin/withdraw
iface eth1:ucarp inet6 static
    address 2001:db8::135/64
`);
    assert.match(toml, /vips = \["192\.168\.1\.135\/32"\]/);
    assert.deepEqual(lines(notes), [
      "1: auto eth1:ucarp: ifup brings eth1:ucarp up outside ucarp's control (at boot for auto), on every node; remove it when carpd manages 192.168.1.135",
      "2: no iface stanza has address 192.168.1.135: carpd adds it as 192.168.1.135/32",
      "7: iface eth1:ucarp has address 192.168.1.136, not ucarp-vip 192.168.1.135: vip-up added that one; carpd adds 192.168.1.135, the address ucarp advertised",
      "9: iface eth1:ucarp post-up: vip-up ran it through ifup eth1:ucarp; carpd only adds the address, so it is not carried over",
      "10: iface eth1:ucarp pre-down: vip-up ran it through ifup eth1:ucarp; carpd only adds the address, so it is not carried over",
      "11: iface eth1:ucarp inet6: vip-up brought it up too; not carried over (ucarp is IPv4 only)",
    ]);
  });
});

Deno.test("importIfupdown() notes every option it leaves out, with its line", () => {
  const { toml, notes, config } = imported(`auto eth1
iface eth1 inet static
    address 192.168.1.130
    ucarp-vid 3
    ucarp-vid 4
    ucarp-vip 192.168.1.135
    ucarp-password two words
    ucarp-xparam a b
    ucarp-neutral yes
    ucarp-options -n -S --mcast=239.1.1.1
    ucarp-upscript /etc/ucarp/up*
iface eth1:ucarp inet static
    address 192.168.1.135/24

iface eth2 inet static
    address 10.0.0.2
    ucarp-vid 3
    ucarp-vip 10.0.0.3
iface eth3 inet static
    address 10.0.3.2
    ucarp-vid 3
    ucarp-vip 10.0.3.3
    ucarp-password waytoolongforucarp!!
iface eth1 inet static
    address 192.168.1.131
    ucarp-vid 3
    ucarp-vip 192.168.1.140
    ucarp-password other
iface eth4 inet static
    address 10.0.4.2
    ucarp-vid 9
    ucarp-vip 192.168.1.135
    ucarp-password other
no-scripts eth5*
iface eth5 inet static
    address 10.0.5.2
    ucarp-vid 5
    ucarp-vip 10.0.5.3
    ucarp-password five
mapping eth6
    script /usr/local/sbin/map-scheme
    map home eth6-home
`);
  assert.equal(config.vhids.length, 1);
  // The password's words are not shown.
  assert.ok(!notes.some((n) => /\btwo\b/.test(n.text)));
  assert.match(toml, /\npassword = "two"\n/);
  assert.match(toml, /\nxparam = "a"\n/);
  assert.match(toml, /\nup_script = "\/etc\/ucarp\/up\*"\n/);
  assert.deepEqual(lines(notes), [
    "2: /usr/share/ucarp/vip-down (the default) runs ifup/ifdown eth1:ucarp: keep the ucarp package's scripts installed, or replace it",
    "5: ucarp-vid is repeated (first at /etc/network/interfaces:4): ifupdown joins the values and Debian's if-up.d/ucarp passes them unquoted, so ucarp took the first word (3) for -v; the rest is not carried over",
    "7: ucarp-password has 2 words: Debian's if-up.d/ucarp passes it unquoted, so ucarp took the first for -p and the rest as separate arguments, which are not carried over",
    "8: ucarp-xparam has 2 words: Debian's if-up.d/ucarp passes it unquoted, so ucarp took the first (a) for -x and the rest as separate arguments, which are not carried over",
    "9: ucarp-neutral is not an option of Debian's if-up.d/ucarp: ucarp never saw it; not carried over",
    "10: ucarp-options is not read by Debian's if-up.d/ucarp: ucarp never got these flags; not carried over",
    "11: ucarp-upscript holds shell wildcards; Debian's if-up.d/ucarp passes it unquoted, so a matching file name may have replaced it; carried over as written",
    "15: not imported: iface eth2 inet static has no ucarp-password; Debian's if-up.d/ucarp starts ucarp only with ucarp-vid, ucarp-vip and ucarp-password",
    '23: not imported: ucarp-password is 20 bytes; ucarp refuses more than 19 ("Password too long"), so it never started, and carp.toml cannot hold it either',
    "24: not imported: vhid 3 on eth1 is already taken by iface eth1 (/etc/network/interfaces:2)",
    "29: not imported: 192.168.1.135 is already the VIP of vhid 3 on eth1 (/etc/network/interfaces:2)",
    "35: not imported: iface eth5 inet static: no-scripts eth5* (/etc/network/interfaces:34) keeps Debian's if-up.d/ucarp from running, so ucarp never ran for it",
    "40: mapping eth6: not evaluated; its script may bring a stanza up under another name, and ucarp -i then got the physical interface, not the stanza's name",
  ]);
});

Deno.test("importIfupdown() follows inherits, and leaves the template out", () => {
  const { toml, notes, config } = imported(`iface ucarp-common inet manual
    ucarp-vid 7
    ucarp-password shared
    ucarp-advbase 3
    ucarp-facility local0
auto eth1
iface eth1 inet static inherits ucarp-common
    address 192.168.1.130
    ucarp-vip 192.168.1.135
`);
  assert.match(toml, /\nid = 7\ninterface = "eth1"\n/);
  assert.match(toml, /\nadvbase = 3\n/);
  assert.equal(carpOf(config.vhids[0]).advbase, 3);
  assert.deepEqual(lines(notes), [
    "1: not imported: iface ucarp-common inet manual is inherited from and not listed in auto or allow-*: taken for a template",
    "5: ucarp-facility is not an option of Debian's if-up.d/ucarp: ucarp never saw it; not carried over",
    "7: no iface stanza has address 192.168.1.135: carpd adds it as 192.168.1.135/32",
    "7: no iface eth1:ucarp inet stanza: Debian's vip-up runs ifup eth1:ucarp, which then fails, so ucarp never added 192.168.1.135; carpd adds it",
  ]);
});

Deno.test("importIfupdown() names the link of an address label, and goes without an address", () => {
  const { toml, notes } = imported(`iface eth1:1 inet manual
    ucarp-vid 3
    ucarp-vip 192.168.1.135
    ucarp-password secret
iface eth1:1:ucarp inet static
    address 192.168.1.135
    netmask 255.255.255.0
`);
  assert.match(toml, /\ninterface = "eth1"\n/);
  assert.ok(!toml.includes("source ="));
  assert.deepEqual(lines(notes), [
    "1: eth1:1 is an address label; ucarp's -i eth1:1 worked on the link eth1, which carpd names instead",
    "1: iface eth1:1 inet manual has no address: Debian's if-up.d/ucarp passed an empty -s, which ucarp refuses; carpd sends from the interface's own address (no source key)",
  ]);
});

Deno.test("importIfupdown() reads a file once, and notes sources that match nothing", () => {
  const { notes, config } = imported({
    [ROOT]: "source interfaces.d/*\nsource missing-*.cfg\n" + stanza(),
    "/etc/network/interfaces.d/a":
      "source ../interfaces\nsource /etc/network/interfaces.d/a\n",
  });
  assert.equal(config.vhids.length, 1);
  assert.deepEqual(notes.map((n) => [n.file, n.line, n.text]), [
    [ROOT, 2, "source missing-*.cfg: no file matches, nothing read"],
    [
      "/etc/network/interfaces.d/a",
      1,
      "/etc/network/interfaces was already read; ifupdown reads each file once, so it is not read again",
    ],
    [
      "/etc/network/interfaces.d/a",
      2,
      "/etc/network/interfaces.d/a was already read; ifupdown reads each file once, so it is not read again",
    ],
  ]);
});

Deno.test("importIfupdown() without any ucarp-vid is an ImportError at line 1", () => {
  for (
    const text of [
      "auto lo\niface lo inet loopback\n",
      "",
      "iface eth1 inet static\n    address 10.0.0.1\n    ucarp-vip 10.0.0.2\n",
    ]
  ) {
    const e = importError(text);
    assert.equal(e.file, ROOT);
    assert.equal(e.line, 1);
    assert.equal(e.message, `${ROOT}:1: no ucarp-vid found`);
  }
});

Deno.test("importIfupdown() with every ucarp stanza left out is an ImportError there", () => {
  const e = importError(
    "\niface eth1 inet6 static\n    address 2001:db8::1/64\n    ucarp-vid 1\n    ucarp-vip 10.0.0.1\n    ucarp-password x\n",
  );
  assert.equal(e.line, 2);
  assert.match(e.message, /no \[\[vhid\]\] left to write; iface eth1 inet6/);
});

Deno.test("importIfupdown() lets a root file it cannot read fail as it is", () => {
  assert.throws(
    () => importIfupdown(ROOT, memFiles({})),
    Deno.errors.NotFound,
  );
});

Deno.test("importIfupdown() refuses malformed input with its file and line", async (t) => {
  const cases: [string, string, number, RegExp][] = [
    ["an option before any stanza", "address 1.2.3.4\n", 1, /outside any/],
    [
      "an option after auto",
      "iface eth1 inet static\n address 1.2.3.4\nauto eth1\n ucarp-vid 3\n",
      4,
      /option ucarp-vid outside any iface stanza/,
    ],
    ["iface alone", "\niface\n", 2, /without an interface name/],
    ["iface without a family", "iface eth1\n", 1, /no address family/],
    ["iface without a method", "iface eth1 inet\n", 1, /no method/],
    ["an unknown family", "iface eth1 inet4 static\n", 1, /"inet4"/],
    ["an unknown method", "iface eth1 inet statik\n", 1, /"statik"/],
    ["inherits alone", "iface eth1 inherits\n", 1, /without a stanza/],
    [
      "inherits an unknown stanza",
      "iface eth1 inet static inherits base\n",
      1,
      /unknown iface to inherit from: base/,
    ],
    [
      "a continuation at the end",
      "iface eth1 inet static\n  address 1.2.3.4 \\\n",
      2,
      /ends inside a line continued/,
    ],
    [
      "an empty value",
      "iface eth1 inet static\n  ucarp-vid\n",
      2,
      /ucarp-vid with an empty value/,
    ],
    [
      "an option in a mapping",
      "mapping eth0\n  script /bin/true\n  ucarp-vid 3\n",
      3,
      /not allowed in a mapping/,
    ],
    ["source without a file", "source\n", 1, /source without a file/],
    [
      "a non-numeric vid",
      stanza().replace("vid 3", "vid three"),
      5,
      /"three" is not a number/,
    ],
    [
      "vid 0",
      stanza().replace("vid 3", "vid 0"),
      5,
      /ucarp-vid 0 is out of range/,
    ],
    ["vid 256", stanza().replace("vid 3", "vid 256"), 5, /1 to 255/],
    [
      "a non-numeric advskew",
      stanza("    ucarp-advskew 1x\n"),
      8,
      /"1x" is not a number/,
    ],
    ["advskew 255", stanza("    ucarp-advskew 255\n"), 8, /carpd refuses 255/],
    ["deadratio 0", stanza("    ucarp-deadratio 0\n"), 8, /out of range/],
    [
      "advbase 0 without advskew",
      stanza("    ucarp-advbase 0\n"),
      8,
      /needs a ucarp-advskew/,
    ],
    [
      "advbase x deadratio too long",
      stanza("    ucarp-advbase 100\n"),
      8,
      /advbase 100 x deadratio 3/,
    ],
    [
      "an IPv6 ucarp-vip",
      stanza().replace("vip 192.168.1.135", "vip 2001:db8::1"),
      6,
      /not an IPv4 address/,
    ],
    [
      "a ucarp-vip with a prefix",
      stanza().replace("vip 192.168.1.135", "vip 192.168.1.135/24"),
      6,
      /not an IPv4 address/,
    ],
    [
      "an address that is none",
      stanza().replace("address 192.168.1.130", "address eth1-addr"),
      3,
      /"eth1-addr" is not an IPv4 address/,
    ],
    [
      "a netmask that is none",
      stanza().replace(/255\.255\.255\.0\n$/, "255.0.255.0\n"),
      10,
      /netmask "255.0.255.0"/,
    ],
    [
      "an interface name over 15 characters",
      stanza().replace("iface eth1 inet", "iface enp0s31f6verylong inet"),
      2,
      /1 to 15/,
    ],
  ];
  for (const [what, text, line, re] of cases) {
    await t.step(what, () => {
      const e = importError(text);
      assert.equal(e.file, ROOT);
      assert.equal(e.line, line);
      assert.match(e.message, re);
    });
  }
  await t.step("in a sourced file", () => {
    const e = importError({
      [ROOT]: "source-directory interfaces.d\n",
      "/etc/network/interfaces.d/eth1": stanza("    ucarp-advskew -1\n"),
    });
    assert.equal(e.file, "/etc/network/interfaces.d/eth1");
    assert.equal(e.line, 8);
  });
});

Deno.test("importIfupdown() notes an unreadable sourced file and a stray word on an iface line", () => {
  const files = memFiles({
    [ROOT]: "source-dir interfaces.d\n" +
      stanza().replace("inet static\n", "inet static extra\n") +
      "iface eth1:ucarp inet static\n    address 192.168.1.136\n",
    "/etc/network/interfaces.d/locked": "",
  });
  const r = importIfupdown(ROOT, {
    expand: files.expand,
    read: (p) => {
      if (p.endsWith("locked")) throw new Error("permission denied");
      return files.read(p);
    },
  });
  check(r.toml);
  assert.deepEqual(lines(r.notes), [
    "1: cannot read /etc/network/interfaces.d/locked (permission denied); its stanzas are not imported",
    '3: iface eth1: "extra" is not understood; ignored',
    "12: iface eth1:ucarp is given again: vip-up added its address 192.168.1.136 too; not carried over",
  ]);
});

Deno.test("importIfupdown() stops sources nested too deep", () => {
  const map: Record<string, string> = { [ROOT]: "source f1\n" + stanza() };
  for (let i = 1; i <= 20; i++) {
    map[`/etc/network/f${i}`] = `source f${i + 1}\n`;
  }
  const e = importError(map);
  assert.equal(e.file, "/etc/network/f16");
  assert.equal(e.line, 1);
  assert.match(e.message, /nested more than 16 deep/);
});

Deno.test("importIfupdown(): an address family named like an object's member (constructor, toString) is an unknown family", () => {
  for (const family of ["constructor", "toString", "__proto__"]) {
    const e = importError(
      `iface eth1 ${family} static\n    ucarp-vid 1\n    ucarp-vip 10.0.0.2\n`,
    );
    assert.equal(e.line, 1);
    assert.match(e.message, new RegExp(`unknown address family "${family}"`));
  }
});
