/**
 * Debian ifupdown configs (`/etc/network/interfaces`) with the ucarp
 * package's `ucarp-*` options, turned into `carp.toml`. Pure: files are
 * reached only through {@link ImportFiles}.
 *
 * The file syntax is ifupdown 0.8's: `#` comments on lines of their own, a
 * trailing backslash continues a line, options belong to the last `iface`
 * (indented or not), `auto`/`allow-*`/`no-*`/`rename`/`source` lines end a
 * stanza, `source` and `source-directory` are followed (each file once, as
 * ifupdown does), `inherits` copies a stanza's options, an option given
 * twice has its values joined with a newline.
 *
 * The ucarp command line is the one Debian's `/etc/network/if-up.d/ucarp`
 * builds for each stanza that has `ucarp-vid`, `ucarp-vip` and
 * `ucarp-password`:
 * `ucarp -i $IFACE -s $IF_ADDRESS -B -z -v VID -p PASS -a VIP -u UP -d DOWN`
 * plus `-P` (`ucarp-master` not starting with no/off/false/0), `-k`, `-b`,
 * `-r`, `-M` (`ucarp-nomcast`, same test) and `-x`. Values are passed
 * unquoted, so ucarp took the first word of each. The default scripts,
 * `/usr/share/ucarp/vip-up` and `vip-down`, only run `ifup`/`ifdown
 * IFACE:ucarp`; carpd adds and removes that address itself instead.
 *
 * Errors: malformed input (what ifupdown or ucarp would refuse, or a value
 * carp.toml cannot take) throws {@link ImportError}; a config with no
 * `ucarp-vid` at all throws one at line 1 ("no ucarp-vid found"), since there
 * is nothing to write. Everything left out becomes an {@link ImportNote}.
 * @module
 */

import { CARP_MAX_PASSWORD_BYTES, parseIpv4 } from "../carp/mod.ts";
import {
  ImportError,
  type ImportFiles,
  type ImportNote,
  type ImportResult,
} from "./result.ts";
import { tomlString } from "./toml.ts";

/** Debian's default up script: `ifup $1:ucarp`. */
export const STOCK_UP_SCRIPT = "/usr/share/ucarp/vip-up";
/** Debian's default down script: `ifdown $1:ucarp`. */
export const STOCK_DOWN_SCRIPT = "/usr/share/ucarp/vip-down";

const HOOK = "Debian's if-up.d/ucarp";
const MAX_DEPTH = 16;
const SPACE = /[ \t\n\v\f\r]+/;
/** The shell's default IFS: how the hook's unquoted values were split. */
const IFS = /[ \t\n]+/;
const SOURCE_DIRECTORY_NAME = /^[A-Za-z0-9_-]+$/;
const IFNAME = /^[A-Za-z0-9_.:@-]{1,15}$/;
/** `expr "$V" : "no\|off\|false\|0"`: anchored at the start, case-sensitive. */
const HOOK_FALSE = /^(no|off|false|0)/;
const PLAIN_BOOLEAN = /^(yes|no|on|off|true|false|1|0)$/;

const METHODS: Record<string, ReadonlySet<string> | null> = {
  inet: new Set([
    "loopback",
    "static",
    "manual",
    "dhcp",
    "bootp",
    "tunnel",
    "ppp",
    "wvdial",
    "ipv4ll",
  ]),
  inet6: new Set([
    "loopback",
    "static",
    "manual",
    "dhcp",
    "tunnel",
    "auto",
    "v4tunnel",
    "6to4",
  ]),
  ipx: null,
  can: null,
  link: null,
};

/** The options Debian's hook reads, and the ucarp flag each becomes. */
const HOOK_OPTIONS: Record<string, string> = {
  "ucarp-vid": "-v",
  "ucarp-vip": "-a",
  "ucarp-password": "-p",
  "ucarp-upscript": "-u",
  "ucarp-downscript": "-d",
  "ucarp-master": "-P",
  "ucarp-advskew": "-k",
  "ucarp-advbase": "-b",
  "ucarp-deadratio": "-r",
  "ucarp-nomcast": "-M",
  "ucarp-xparam": "-x",
};

/** Options of the `IFACE:ucarp` stanza that carpd's own VIP handling covers. */
const ALIAS_ADDRESS_OPTIONS = new Set(["address", "netmask"]);

interface Where {
  file: string;
  line: number;
}

interface Option extends Where {
  name: string;
  value: string;
}

interface Stanza extends Where {
  name: string;
  family: string;
  method: string;
  options: Option[];
}

interface Parsed {
  stanzas: Stanza[];
  /** `auto` and `allow-*` entries: interface name -> where listed. */
  allowed: Map<string, Where & { how: string }>;
  /** `no-scripts` patterns. */
  noScripts: (Where & { pattern: string })[];
  /** Stanza names something inherits from. */
  templates: Set<string>;
  /** Files in the order they were first read. */
  files: string[];
}

interface Vhid {
  stanza: Stanza;
  lines: string[];
  iface: string;
  id: number;
  vip: string;
}

/**
 * Converts an ifupdown config with ucarp options into `carp.toml`: one
 * `[[vhid]]` per `iface` stanza with `ucarp-vid`, in source order.
 *
 * @param path The interfaces file, such as `/etc/network/interfaces`.
 * @param files Reads it and the files it sources.
 * @returns The TOML and a note for everything not carried over as it was.
 * @throws {ImportError} For malformed input, a value carp.toml cannot take,
 *   or no `ucarp-vid` at all (line 1, "no ucarp-vid found").
 */
export function importIfupdown(
  path: string,
  files: ImportFiles,
): ImportResult {
  const notes: (ImportNote & { seq: number })[] = [];
  const note = (at: Where, text: string): void => {
    // An inherited option sits where the template has it: say it once.
    if (
      notes.some((n) =>
        n.file === at.file && n.line === at.line && n.text === text
      )
    ) return;
    notes.push({ file: at.file, line: at.line, text, seq: notes.length });
  };
  const parsed = parse(path, files, note);
  const vhids = convert(parsed, note);
  if (vhids.length === 0) {
    throw new ImportError(path, 1, "no ucarp-vid found");
  }
  const out = [
    "# carp.toml imported by carpd from Debian ifupdown (ucarp-* options):",
    ...parsed.files.map((f) => `#   ${f}`),
    "# It holds passwords: keep it mode 0600. Check it with carpd check -c FILE.",
    "",
    "[daemon]",
    'log_level = "info"',
  ];
  for (const v of vhids) out.push("", ...v.lines);
  const order = new Map(parsed.files.map((f, i) => [f, i]));
  notes.sort((a, b) =>
    (order.get(a.file) ?? -1) - (order.get(b.file) ?? -1) ||
    a.line - b.line || a.seq - b.seq
  );
  return {
    toml: out.join("\n") + "\n",
    notes: notes.map(({ file, line, text }) => ({ file, line, text })),
  };
}

// ---------------------------------------------------------------------------
// Reading the files

function parse(
  root: string,
  files: ImportFiles,
  note: (at: Where, text: string) => void,
): Parsed {
  const parsed: Parsed = {
    stanzas: [],
    allowed: new Map(),
    noScripts: [],
    templates: new Set(),
    files: [],
  };
  const seen = new Set<string>();

  const readFile = (path: string, depth: number, from: Where | null): void => {
    if (seen.has(path)) {
      note(
        from!,
        `${path} was already read; ifupdown reads each file once, so it is not read again`,
      );
      return;
    }
    if (depth > MAX_DEPTH) {
      throw new ImportError(
        from!.file,
        from!.line,
        `sources nested more than ${MAX_DEPTH} deep`,
      );
    }
    let text: string;
    try {
      text = files.read(path);
    } catch (e) {
      if (from === null) throw e;
      note(
        from,
        `cannot read ${path} (${
          e instanceof Error ? e.message : String(e)
        }); its stanzas are not imported`,
      );
      return;
    }
    seen.add(path);
    parsed.files.push(path);
    let current: { kind: "none" } | { kind: "iface"; stanza: Stanza } | {
      kind: "mapping";
      script: boolean;
    } = { kind: "none" };
    for (const { text: l, line } of logicalLines(text, path)) {
      const at = { file: path, line };
      const first = l.split(SPACE, 1)[0]!;
      if (first === "") continue;
      const rest = l.slice(first.length).replace(/^[ \t\n\v\f\r]+/, "");
      const args = rest === "" ? [] : rest.split(SPACE);
      if (first === "mapping") {
        note(
          at,
          `mapping ${rest}: not evaluated; its script may bring a stanza up under another name, and ucarp -i then got the physical interface, not the stanza's name`,
        );
        current = { kind: "mapping", script: false };
      } else if (first === "source") {
        if (args.length === 0) {
          throw new ImportError(path, line, "source without a file");
        }
        for (const pattern of args) {
          const found = files.expand(pattern, path);
          if (found.length === 0) {
            note(at, `source ${pattern}: no file matches, nothing read`);
          }
          for (const f of found) readFile(f, depth + 1, at);
        }
        current = { kind: "none" };
      } else if (first === "source-directory" || first === "source-dir") {
        if (args.length === 0) {
          throw new ImportError(path, line, `${first} without a directory`);
        }
        for (const pattern of args) {
          const found = files.expand(
            `${pattern.replace(/\/+$/, "")}/*`,
            path,
          );
          const taken = found.filter((f) =>
            SOURCE_DIRECTORY_NAME.test(f.slice(f.lastIndexOf("/") + 1))
          );
          for (const f of found) {
            if (!taken.includes(f)) {
              note(
                at,
                `${first} ${pattern}: ${f} is skipped, as ifupdown does (it reads only names of letters, digits, "_" and "-")`,
              );
            }
          }
          if (found.length === 0) {
            note(at, `${first} ${pattern}: no file there, nothing read`);
          }
          for (const f of taken) readFile(f, depth + 1, at);
        }
        current = { kind: "none" };
      } else if (first === "iface") {
        const stanza = parseIface(args, at, parsed, note);
        parsed.stanzas.push(stanza);
        current = { kind: "iface", stanza };
      } else if (
        first === "auto" || (first.startsWith("allow-") && first.length > 6)
      ) {
        for (const name of args) {
          if (!parsed.allowed.has(name)) {
            parsed.allowed.set(name, { ...at, how: first });
          }
        }
        current = { kind: "none" };
      } else if (first === "no-scripts") {
        for (const pattern of args) parsed.noScripts.push({ ...at, pattern });
        current = { kind: "none" };
      } else if (first === "no-auto-down" || first === "rename") {
        current = { kind: "none" };
      } else if (current.kind === "iface") {
        if (rest === "") {
          throw new ImportError(
            path,
            line,
            `option ${first} with an empty value`,
          );
        }
        current.stanza.options.push({ ...at, name: first, value: rest });
      } else if (current.kind === "mapping") {
        if (first === "script") {
          if (current.script) {
            throw new ImportError(path, line, "duplicate script in mapping");
          }
          current.script = true;
        } else if (first !== "map") {
          throw new ImportError(
            path,
            line,
            `${first} is not allowed in a mapping stanza (only script and map)`,
          );
        }
      } else {
        throw new ImportError(
          path,
          line,
          `option ${first} outside any iface stanza`,
        );
      }
    }
  };
  readFile(root, 0, null);
  return parsed;
}

/** Lines as ifupdown reads them: comments dropped, continuations joined. */
function* logicalLines(
  text: string,
  file: string,
): Generator<{ text: string; line: number }> {
  const raw = text.split("\n");
  if (raw.at(-1) === "") raw.pop();
  let i = 0;
  while (i < raw.length) {
    const line = i + 1;
    let s = raw[i++]!.replace(/^[ \t\n\v\f\r]+/, "");
    if (s.startsWith("#")) continue;
    while (s.endsWith("\\")) {
      if (i >= raw.length) {
        throw new ImportError(
          file,
          line,
          "the file ends inside a line continued with a backslash",
        );
      }
      s = s.slice(0, -1) + raw[i++]!;
    }
    yield { text: s.replace(/[ \t\n\v\f\r]+$/, ""), line };
  }
}

function parseIface(
  w: string[],
  at: Where,
  parsed: Parsed,
  note: (at: Where, text: string) => void,
): Stanza {
  const fail = (what: string): never => {
    throw new ImportError(at.file, at.line, what);
  };
  const name = w[0] ?? fail("iface without an interface name");
  let family: string | undefined = w[1];
  let method: string | undefined;
  let inheritsAt = -1;
  if (family === undefined) {
    fail(`iface ${name}: no address family (inet, inet6) and no inherits`);
  } else if (family === "inherits") {
    family = undefined;
    inheritsAt = 1;
  } else {
    const methods = METHODS[family];
    if (methods === undefined) {
      fail(
        `iface ${name}: unknown address family "${family}"; expected inet, inet6, ipx, can or link`,
      );
    }
    method = w[2];
    if (method === undefined) {
      fail(`iface ${name} ${family}: no method (such as static)`);
    } else if (method === "inherits") {
      method = undefined;
      inheritsAt = 2;
    } else if (methods !== null && !methods!.has(method)) {
      fail(`iface ${name} ${family}: unknown method "${method}"`);
    } else if (w[3] === "inherits") {
      inheritsAt = 3;
    } else if (w[3] !== undefined) {
      note(at, `iface ${name}: "${w[3]}" is not understood; ignored`);
    }
  }
  const stanza: Stanza = {
    ...at,
    name,
    family: family ?? "",
    method: method ?? "",
    options: [],
  };
  if (inheritsAt >= 0) {
    const base = w[inheritsAt + 1] ??
      fail(`iface ${name}: inherits without a stanza name`);
    const from = parsed.stanzas.find((s) =>
      s.name === base && (family === undefined || s.family === family)
    ) ?? fail(`iface ${name}: unknown iface to inherit from: ${base}`);
    stanza.options = [...from.options];
    stanza.family ||= from.family;
    stanza.method ||= from.method;
    parsed.templates.add(base);
  }
  return stanza;
}

// ---------------------------------------------------------------------------
// Stanzas to [[vhid]] tables

function convert(
  parsed: Parsed,
  note: (at: Where, text: string) => void,
): Vhid[] {
  const vhids: Vhid[] = [];
  let anyVid = false;
  const skipped: { at: Where; why: string }[] = [];
  const skip = (at: Where, why: string): void => {
    note(at, `not imported: ${why}`);
    skipped.push({ at, why });
  };
  for (const st of parsed.stanzas) {
    const ucarp = st.options.filter((o) => o.name.startsWith("ucarp-"));
    if (ucarp.length === 0) continue;
    const label = `iface ${st.name} ${st.family} ${st.method}`;
    if (st.options.some((o) => o.name === "ucarp-vid")) anyVid = true;
    if (parsed.templates.has(st.name) && !parsed.allowed.has(st.name)) {
      skip(
        st,
        `${label} is inherited from and not listed in auto or allow-*: taken for a template`,
      );
      continue;
    }
    for (const o of ucarp) {
      if (HOOK_OPTIONS[o.name] !== undefined) continue;
      note(
        o,
        o.name === "ucarp-options"
          ? `ucarp-options is not read by ${HOOK}: ucarp never got these flags; not carried over`
          : `${o.name} is not an option of ${HOOK}: ucarp never saw it; not carried over`,
      );
    }
    const missing = ["ucarp-vid", "ucarp-vip", "ucarp-password"].filter((n) =>
      !st.options.some((o) => o.name === n)
    );
    if (missing.length > 0) {
      skip(
        st,
        `${label} has no ${
          missing.join(" or ")
        }; ${HOOK} starts ucarp only with ucarp-vid, ucarp-vip and ucarp-password`,
      );
      continue;
    }
    if (st.family !== "inet") {
      skip(
        st,
        `${label}: ucarp speaks IPv4 only (${HOOK} would pass it this stanza's ${st.family} address); write a [[vhid]] by hand for IPv6`,
      );
      continue;
    }
    const noScripts = parsed.noScripts.find((n) => glob(n.pattern, st.name));
    if (noScripts !== undefined) {
      skip(
        st,
        `${label}: no-scripts ${noScripts.pattern} (${noScripts.file}:${noScripts.line}) keeps ${HOOK} from running, so ucarp never ran for it`,
      );
      continue;
    }
    // Notes on a stanza's values count only if the stanza is imported.
    const pending: [Where, string][] = [];
    const v = vhidOf(st, label, parsed, (at, text) => {
      pending.push([at, text]);
    }, skip);
    if (v === null) continue;
    const twin = vhids.find((x) => x.iface === v.iface && x.id === v.id);
    if (twin !== undefined) {
      skip(
        st,
        `vhid ${v.id} on ${v.iface} is already taken by iface ${twin.stanza.name} (${twin.stanza.file}:${twin.stanza.line})`,
      );
      continue;
    }
    const same = vhids.find((x) => x.vip === v.vip);
    if (same !== undefined) {
      skip(
        st,
        `${v.vip} is already the VIP of vhid ${same.id} on ${same.iface} (${same.stanza.file}:${same.stanza.line})`,
      );
      continue;
    }
    vhids.push(v);
    for (const [at, text] of pending) note(at, text);
  }
  if (!anyVid) return [];
  const first = skipped[0];
  if (vhids.length === 0 && first !== undefined) {
    const { at, why } = first;
    throw new ImportError(
      at.file,
      at.line,
      `no [[vhid]] left to write; ${why}`,
    );
  }
  return vhids;
}

function vhidOf(
  st: Stanza,
  label: string,
  parsed: Parsed,
  note: (at: Where, text: string) => void,
  skip: (at: Where, why: string) => void,
): Vhid | null {
  const get = (name: string): Value | undefined => hookValue(st, name, note);
  const vid = get("ucarp-vid")!;
  const vipValue = get("ucarp-vip")!;
  const pass = get("ucarp-password")!;

  const id = integer(vid, 1, 255, "the id of the virtual host");
  const vip = vipValue.word;
  if (parseIpv4(vip) === null || vip === "0.0.0.0") {
    throw new ImportError(
      vipValue.at.file,
      vipValue.at.line,
      `ucarp-vip "${vip}" is not an IPv4 address such as 192.168.1.135 (ucarp speaks IPv4 only)`,
    );
  }
  const bytes = new TextEncoder().encode(pass.word).length;
  if (bytes > CARP_MAX_PASSWORD_BYTES) {
    skip(
      pass.at,
      `ucarp-password is ${bytes} bytes; ucarp refuses more than ${CARP_MAX_PASSWORD_BYTES} ("Password too long"), so it never started, and carp.toml cannot hold it either`,
    );
    return null;
  }

  let iface = st.name;
  if (!IFNAME.test(iface)) {
    throw new ImportError(
      st.file,
      st.line,
      `iface ${iface}: not an interface name of 1 to 15 letters, digits and _.:@-`,
    );
  }
  const colon = iface.indexOf(":");
  if (colon > 0) {
    iface = iface.slice(0, colon);
    note(
      st,
      `${st.name} is an address label; ucarp's -i ${st.name} worked on the link ${iface}, which carpd names instead`,
    );
  }

  const out = [`# ${label} (${st.file}:${st.line})`, "[[vhid]]"];
  out.push(`id = ${id}`, `interface = ${tomlString(iface)}`);

  const up = get("ucarp-upscript");
  const down = get("ucarp-downscript");
  const upScript = up?.word ?? STOCK_UP_SCRIPT;
  const downScript = down?.word ?? STOCK_DOWN_SCRIPT;
  const stock = upScript === STOCK_UP_SCRIPT &&
    downScript === STOCK_DOWN_SCRIPT;

  if (stock) {
    out.push(vipLine(st, vip, parsed, note));
  } else {
    out.push(
      `vips = [${
        tomlString(vip)
      }]  # as ucarp passed it to the scripts, which add it`,
    );
  }
  out.push(`password = ${tomlString(pass.word)}`);

  const address = st.options.find((o) => o.name === "address");
  if (address === undefined) {
    note(
      st,
      `${label} has no address: ${HOOK} passed an empty -s, which ucarp refuses; carpd sends from the interface's own address (no source key)`,
    );
  } else {
    const source = bareAddress(address);
    if (parseIpv4(source) === null) {
      throw new ImportError(
        address.file,
        address.line,
        `address "${address.value}" is not an IPv4 address (it is ucarp's -s)`,
      );
    }
    out.push(
      `source = ${tomlString(source)}  # iface ${st.name} address (ucarp -s)`,
    );
  }

  const advbase = get("ucarp-advbase");
  const advskew = get("ucarp-advskew");
  const deadratio = get("ucarp-deadratio");
  const base = advbase === undefined
    ? 1
    : integer(advbase, 0, 255, "seconds between adverts");
  const skew = advskew === undefined ? 0 : integer(
    advskew,
    0,
    254,
    "the skew; carpd refuses 255, the bow-out value",
  );
  const ratio = deadratio === undefined
    ? 3
    : integer(deadratio, 1, 255, "adverts a backup may miss");
  if (base === 0 && skew === 0) {
    throw new ImportError(
      advbase!.at.file,
      advbase!.at.line,
      "ucarp-advbase 0 needs a ucarp-advskew from 1 (ucarp refuses it too)",
    );
  }
  if (base * ratio >= 256) {
    const at = (deadratio ?? advbase)!.at;
    throw new ImportError(
      at.file,
      at.line,
      `advbase ${base} x deadratio ${ratio} is 256 s or more; carpd needs less (a longer master-down cannot tell a stopping master's bow-out from a live one)`,
    );
  }
  if (advbase !== undefined) out.push(`advbase = ${base}`);
  if (advskew !== undefined) out.push(`advskew = ${skew}`);
  if (deadratio !== undefined) out.push(`deadratio = ${ratio}`);

  const master = get("ucarp-master");
  if (master !== undefined) {
    const raw = master.raw;
    const preempt = !HOOK_FALSE.test(raw);
    out.push(
      `preempt = ${preempt}  # ucarp-master ${master.word}: ${
        preempt ? "-P" : "no -P"
      }`,
    );
    if (!PLAIN_BOOLEAN.test(raw)) {
      note(
        master.at,
        `ucarp-master "${raw}": ${HOOK} passes -P unless the value starts with no, off, false or 0 (case-sensitive), so preempt = ${preempt}`,
      );
    }
  }
  const nomcast = get("ucarp-nomcast");
  if (nomcast !== undefined) {
    const raw = nomcast.raw;
    const broadcast = !HOOK_FALSE.test(raw);
    if (broadcast) {
      out.push(`mode = "broadcast"  # ucarp-nomcast ${nomcast.word}: -M`);
    }
    if (!PLAIN_BOOLEAN.test(raw)) {
      note(
        nomcast.at,
        `ucarp-nomcast "${raw}": ${HOOK} passes -M unless the value starts with no, off, false or 0 (case-sensitive), so ${
          broadcast ? "broadcast" : "multicast"
        } mode`,
      );
    }
  }

  const xparam = get("ucarp-xparam");
  if (stock) {
    if (xparam !== undefined) {
      note(
        xparam.at,
        "ucarp-xparam only reaches the up/down scripts, and Debian's stock vip-up/vip-down ignore it; not carried over",
      );
    }
    aliasNotes(st, vip, parsed, note);
    out.push(
      `# No up/down scripts: Debian's stock vip-up/vip-down only ran ifup/ifdown ${st.name}:ucarp;`,
      "# carpd adds and removes the VIP itself (manage_vips = true, the default).",
    );
  } else {
    for (
      const [value, script, stockPath] of [
        [up, upScript, STOCK_UP_SCRIPT],
        [down, downScript, STOCK_DOWN_SCRIPT],
      ] as const
    ) {
      if (script === stockPath) {
        note(
          value?.at ?? st,
          `${script} (the default) runs ifup/ifdown ${st.name}:ucarp: keep the ucarp package's scripts installed, or replace it`,
        );
      }
    }
    out.push(`up_script = ${tomlString(upScript)}`);
    out.push(`down_script = ${tomlString(downScript)}`);
    if (xparam !== undefined) {
      out.push(`xparam = ${tomlString(xparam.word)}`);
    }
    out.push(
      "manage_vips = false  # as ucarp: the up/down scripts add and remove the address",
    );
  }
  return { stanza: st, lines: out, iface, id, vip };
}

interface Value {
  /** The first word: what ucarp got for the flag. */
  word: string;
  /** The whole value, as ifupdown holds it. */
  raw: string;
  /** The first occurrence. */
  at: Where;
  name: string;
}

/** An option as the hook passed it: unquoted, so only its first word counts. */
function hookValue(
  st: Stanza,
  name: string,
  note: (at: Where, text: string) => void,
): Value | undefined {
  const all = st.options.filter((o) => o.name === name);
  const first = all[0];
  if (first === undefined) return undefined;
  const raw = all.map((o) => o.value).join("\n");
  const words = raw.split(IFS);
  const secret = name === "ucarp-password";
  const flag = HOOK_OPTIONS[name]!;
  if (all.length > 1) {
    note(
      all[1]!,
      `${name} is repeated (first at ${first.file}:${first.line}): ifupdown joins the values and ${HOOK} passes them unquoted, so ucarp took the first word${
        secret ? "" : ` (${words[0]})`
      } for ${flag}; the rest is not carried over`,
    );
  } else if (words.length > 1) {
    note(
      first,
      `${name} has ${words.length} words: ${HOOK} passes it unquoted, so ucarp took the first${
        secret ? "" : ` (${words[0]})`
      } for ${flag} and the rest as separate arguments, which are not carried over`,
    );
  }
  if (/[*?[]/.test(words[0]!)) {
    note(
      first,
      `${name} holds shell wildcards; ${HOOK} passes it unquoted, so a matching file name may have replaced it; carried over as written`,
    );
  }
  return { word: words[0]!, raw, at: first, name };
}

function integer(v: Value, min: number, max: number, what: string): number {
  if (!/^\d+$/.test(v.word)) {
    throw new ImportError(
      v.at.file,
      v.at.line,
      `${v.name} "${v.word}" is not a number (${what}, ${min} to ${max})`,
    );
  }
  const n = Number(v.word);
  if (n < min || n > max) {
    throw new ImportError(
      v.at.file,
      v.at.line,
      `${v.name} ${v.word} is out of range; expected ${what}, ${min} to ${max}`,
    );
  }
  return n;
}

/** `vips = [...]` for carpd to add: the prefix from the stanza holding the VIP. */
function vipLine(
  st: Stanza,
  vip: string,
  parsed: Parsed,
  note: (at: Where, text: string) => void,
): string {
  const holds = (s: Stanza): boolean =>
    s !== st && s.family === "inet" &&
    s.options.some((o) => o.name === "address" && bareAddress(o) === vip);
  const alias =
    parsed.stanzas.find((s) => s.name === `${st.name}:ucarp` && holds(s)) ??
      parsed.stanzas.find(holds);
  if (alias === undefined) {
    note(
      st,
      `no iface stanza has address ${vip}: carpd adds it as ${vip}/32`,
    );
    return `vips = [${tomlString(`${vip}/32`)}]  # no stanza gives a netmask`;
  }
  const address = alias.options.find((o) =>
    o.name === "address" && bareAddress(o) === vip
  )!;
  const netmask = alias.options.find((o) => o.name === "netmask");
  const cidr = /\/(\d+)$/.exec(address.value.split(IFS)[0]!);
  let prefix = 32;
  let origin: Option | null = null;
  if (netmask !== undefined) {
    prefix = prefixOf(netmask);
    origin = netmask;
  } else if (cidr !== null) {
    prefix = Number(cidr[1]);
    if (prefix > 32) {
      throw new ImportError(
        address.file,
        address.line,
        `address "${address.value}": the prefix length is over 32`,
      );
    }
    origin = address;
  }
  const text = tomlString(`${vip}/${prefix}`);
  if (origin === null) {
    return `vips = [${text}]  # iface ${alias.name} has no netmask: /32, as ifup added it`;
  }
  return `vips = [${text}]  # from iface ${alias.name} ${origin.name} (${origin.file}:${origin.line})`;
}

function prefixOf(o: Option): number {
  const v = o.value.split(IFS)[0]!;
  if (/^\d{1,2}$/.test(v) && Number(v) <= 32) return Number(v);
  const mask = parseIpv4(v);
  if (mask !== null) {
    const inverted = ~mask >>> 0;
    if ((inverted & (inverted + 1)) === 0) {
      return 32 - Math.log2(inverted + 1);
    }
  }
  throw new ImportError(
    o.file,
    o.line,
    `netmask "${o.value}" is neither a dotted mask such as 255.255.255.0 nor a length such as 24`,
  );
}

/** What Debian's stock vip-up/vip-down did that carpd's own VIP handling does not. */
function aliasNotes(
  st: Stanza,
  vip: string,
  parsed: Parsed,
  note: (at: Where, text: string) => void,
): void {
  const name = `${st.name}:ucarp`;
  const aliases = parsed.stanzas.filter((s) => s.name === name);
  const inet = aliases.filter((s) => s.family === "inet");
  if (inet.length === 0) {
    note(
      st,
      `no iface ${name} inet stanza: Debian's vip-up runs ifup ${name}, which then fails, so ucarp never added ${vip}; carpd adds it`,
    );
  }
  inet.forEach((a, i) => {
    const address = a.options.find((o) => o.name === "address");
    const own = address === undefined ? "(none)" : bareAddress(address);
    if (i > 0) {
      note(
        a,
        `iface ${name} is given again: vip-up added its address ${own} too; not carried over`,
      );
      return;
    }
    if (own !== vip) {
      note(
        a,
        `iface ${name} has address ${own}, not ucarp-vip ${vip}: vip-up added that one; carpd adds ${vip}, the address ucarp advertised`,
      );
    }
    for (const o of a.options) {
      if (ALIAS_ADDRESS_OPTIONS.has(o.name)) continue;
      note(
        o,
        `iface ${name} ${o.name}: vip-up ran it through ifup ${name}; carpd only adds the address, so it is not carried over`,
      );
    }
  });
  for (const a of aliases) {
    if (a.family === "inet") continue;
    note(
      a,
      `iface ${name} ${a.family}: vip-up brought it up too; not carried over (ucarp is IPv4 only)`,
    );
  }
  const auto = parsed.allowed.get(name);
  if (auto !== undefined) {
    note(
      auto,
      `${auto.how} ${name}: ifup brings ${name} up outside ucarp's control (at boot for auto), on every node; remove it when carpd manages ${vip}`,
    );
  }
}

/** An `address` option's address, as ifupdown's `inet static` keeps it. */
function bareAddress(o: Option): string {
  return o.value.split(IFS)[0]!.replace(/\/\d*$/, "");
}

/** A shell glob (`*`, `?`, `[...]`) matched against a whole name. */
function glob(pattern: string, name: string): boolean {
  let re = "";
  for (const c of pattern) {
    re += c === "*"
      ? ".*"
      : c === "?"
      ? "."
      : c === "[" || c === "]"
      ? c
      : c.replace(/[.*+?^${}()|\\/-]/g, "\\$&");
  }
  try {
    return new RegExp(`^${re}$`).test(name);
  } catch {
    return pattern === name;
  }
}
