/**
 * Debian ifupdown configs (`/etc/network/interfaces`) with the ucarp
 * package's `ucarp-*` options, turned into `carp.toml`: read the files,
 * convert each stanza ucarp ran for, write the tables, sort the notes.
 * Pure: files are reached only through {@link ImportFiles}.
 *
 * Errors: malformed input (what ifupdown or ucarp would refuse, or a value
 * carp.toml cannot take) throws {@link ImportError}; a config with no
 * `ucarp-vid` at all throws one at line 1 ("no ucarp-vid found"), since there
 * is nothing to write. Everything left out becomes an {@link ImportNote}.
 * @module
 */

import {
  carpTomlText,
  ImportError,
  type ImportFiles,
  type ImportNote,
  type ImportResult,
  sortedNotes,
} from "../mod.ts";
import { convertStanzas } from "./convert.ts";
import { type NoteAt, parseInterfaces } from "./parser.ts";

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
  const notes: ImportNote[] = [];
  const note: NoteAt = (at, text) => {
    // An inherited option sits where the template has it: say it once.
    if (
      notes.some((n) =>
        n.file === at.file && n.line === at.line && n.text === text
      )
    ) return;
    notes.push({ file: at.file, line: at.line, text });
  };
  const parsed = parseInterfaces(path, files, note);
  const vhids = convertStanzas(parsed, note);
  if (vhids.length === 0) {
    throw new ImportError(path, 1, "no ucarp-vid found");
  }
  const toml = carpTomlText(
    [
      "# carp.toml imported by carpd from Debian ifupdown (ucarp-* options):",
      ...parsed.files.map((f) => `#   ${f}`),
      "# It holds passwords: keep it mode 0600. Check it with carpd check -c FILE.",
    ],
    vhids.map((v) => v.lines),
  );
  const order = new Map(parsed.files.map((f, i) => [f, i]));
  return {
    toml,
    notes: sortedNotes(
      notes,
      (a, b) =>
        (order.get(a.file) ?? -1) - (order.get(b.file) ?? -1) ||
        a.line - b.line,
    ),
  };
}
