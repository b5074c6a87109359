/**
 * Debian ifupdown's `/etc/network/interfaces` syntax, as ifupdown 0.8 reads
 * it, into stanzas: `#` comments on lines of their own, a trailing backslash
 * continues a line, options belong to the last `iface` (indented or not),
 * `auto`/`allow-*`/`no-*`/`rename`/`source` lines end a stanza, `source` and
 * `source-directory` are followed (each file once, as ifupdown does),
 * `inherits` copies a stanza's options, an option given twice has its values
 * joined with a newline.
 * @module
 */

import { errorMessage } from "../../errors.ts";
import { ImportError, type ImportFiles } from "../mod.ts";

const MAX_DEPTH = 16;
const SPACE = /[ \t\n\v\f\r]+/;
const SOURCE_DIRECTORY_NAME = /^[A-Za-z0-9_-]+$/;

const METHODS: ReadonlyMap<string, ReadonlySet<string> | null> = new Map(
  Object.entries({
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
  }),
);

/** A place in the files: file and line, 1-based. */
export interface Where {
  /** The file. */
  file: string;
  /** The line, 1-based (a continued line's first). */
  line: number;
}

/** An option line of a stanza (`address 10.0.0.1`). */
export interface Option extends Where {
  /** The option's name. */
  name: string;
  /** The rest of the line. */
  value: string;
}

/** An `iface` stanza, with the options it inherits. */
export interface Stanza extends Where {
  /** The interface name (`eth0`, `eth0:ucarp`). */
  name: string;
  /** The address family (`inet`, `inet6`, ...). */
  family: string;
  /** The method (`static`, `manual`, ...). */
  method: string;
  /** Its options, inherited ones first. */
  options: Option[];
}

/** What {@link parseInterfaces} read. */
export interface Parsed {
  /** The iface stanzas, in reading order. */
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

/** Takes a note on a place in the files. */
export type NoteAt = (at: Where, text: string) => void;

/**
 * Reads an interfaces file and the files it sources into stanzas.
 *
 * @param root The interfaces file.
 * @param files Reads it and the files it sources.
 * @param note Takes a note for each file not read and each word ignored.
 * @returns The stanzas, `auto`/`allow-*` and `no-scripts` entries, and the
 *   files read.
 * @throws {ImportError} Malformed input (what ifupdown would refuse); the
 *   root file's own read error, as it is.
 */
export function parseInterfaces(
  root: string,
  files: ImportFiles,
  note: NoteAt,
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
          errorMessage(e)
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

/** An `iface NAME FAMILY METHOD [inherits BASE]` line into a stanza. */
function parseIface(
  w: string[],
  at: Where,
  parsed: Parsed,
  note: NoteAt,
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
    const methods = METHODS.get(family);
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
