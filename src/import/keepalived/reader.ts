/**
 * Reading a keepalived config: the main file and the files its `include`
 * lines name, in keepalived 2.2.7's order, into statements that each keep
 * their file and line.
 * @module
 */

import { errorMessage } from "../../errors.ts";
import { ImportError, type ImportFiles } from "../mod.ts";
import { lexLine, type Token } from "./lexer.ts";
import { type KaNode, type OrderedNote, parseStatements } from "./parser.ts";

/** What {@link readKeepalived} found. */
export interface KaTree {
  /** The top-level statements. */
  nodes: KaNode[];
  /** Lines left out while reading (conditional lines, empty globs). */
  notes: OrderedNote[];
}

/** How deep includes may nest, counting the main file. */
const MAX_INCLUDE_DEPTH = 8;
const INCLUDES = new Set([
  "include",
  "includer",
  "includem",
  "includew",
  "includeb",
  "includea",
]);

/**
 * Reads a keepalived config and the files it includes into statements.
 *
 * Words are separated by blanks; `"..."` and `'...'` group (the quotes are
 * removed, also mid-word); backslash escapes (`\n`, `\t`, `\x41`, `\101`,
 * `\cA`, `\C`) apply in and out of quotes; `#` and `!` outside quotes start a
 * comment anywhere on a line; `{` and `}` outside quotes stand alone and end
 * a statement. A block's `{` may be on the line after its keyword. A line
 * `include PATTERN` (and `includer`, `includem`, ...) is replaced by the files
 * the glob names, relative to the including file. Lines starting with
 * `@config-id` are left out with a note.
 *
 * @param path The main file.
 * @param files Reads and globs.
 * @param blockKeywords Keywords that always take a block: a stray `}` is
 *   blamed on the last of them written without one.
 * @returns The statements and notes.
 * @throws {ImportError} Unreadable files, include loops, unmatched quotes or
 *   braces, parameter substitution (`$NAME=`, `~SEQ`, `~LST`).
 */
export function readKeepalived(
  path: string,
  files: ImportFiles,
  blockKeywords: ReadonlySet<string> = new Set(),
): KaTree {
  const notes: OrderedNote[] = [];
  const tokens: Token[] = [];
  let text: string;
  try {
    text = files.read(path);
  } catch (e) {
    throw new ImportError(path, 1, `cannot read the file: ${readError(e)}`);
  }
  lexFile(path, text, [path], files, tokens, notes);
  const nodes = parseStatements(tokens, notes, blockKeywords);
  return { nodes, notes };
}

function lexFile(
  path: string,
  text: string,
  chain: string[],
  files: ImportFiles,
  out: Token[],
  notes: OrderedNote[],
): void {
  const lines = text.split("\n");
  lines.forEach((raw, i) => {
    const line = i + 1;
    let toks = lexLine(raw, path, line, () => out.length, false);
    const first = toks[0];
    if (first?.kind === "word" && INCLUDES.has(first.text)) {
      // csh-style {a,b} in the glob: braces are text on an include line.
      toks = lexLine(raw, path, line, () => out.length, true);
      const rest = toks.slice(1);
      const pattern = rest[0];
      if (
        pattern?.kind !== "word" || rest.length !== 1 || pattern.text === ""
      ) {
        throw new ImportError(
          path,
          line,
          `${first.text} takes exactly one file name or glob`,
        );
      }
      include(pattern.text, path, line, first.order, chain, files, out, notes);
      return;
    }
    for (const t of toks) {
      out.push({ ...t, order: out.length });
    }
    out.push({ kind: "eol", file: path, line, order: out.length });
  });
}

function include(
  pattern: string,
  from: string,
  line: number,
  order: number,
  chain: string[],
  files: ImportFiles,
  out: Token[],
  notes: OrderedNote[],
): void {
  let matches: string[];
  try {
    matches = files.expand(pattern, from);
  } catch (e) {
    throw new ImportError(from, line, `include ${pattern}: ${readError(e)}`);
  }
  if (matches.length === 0) {
    if (!/[*?[{]/.test(pattern)) {
      throw new ImportError(
        from,
        line,
        `include ${pattern}: cannot read it: no such file`,
      );
    }
    notes.push({
      file: from,
      line,
      order,
      text:
        `include ${pattern}: matches no file, so nothing was included (keepalived does the same)`,
    });
    return;
  }
  for (const m of matches) {
    if (chain.includes(m)) {
      throw new ImportError(
        from,
        line,
        `include ${pattern}: ${m} is already being read (an include loop)`,
      );
    }
    if (chain.length >= MAX_INCLUDE_DEPTH) {
      throw new ImportError(
        from,
        line,
        `include ${pattern}: includes nest more than ${MAX_INCLUDE_DEPTH} deep`,
      );
    }
    let text: string;
    try {
      text = files.read(m);
    } catch (e) {
      throw new ImportError(
        from,
        line,
        `include ${pattern}: cannot read ${m}: ${readError(e)}`,
      );
    }
    lexFile(m, text, [...chain, m], files, out, notes);
  }
}

/** Why a file could not be read or globbed, in a few words. */
function readError(e: unknown): string {
  if (e instanceof Deno.errors.NotFound) return "no such file";
  if (e instanceof Deno.errors.PermissionDenied) return "permission denied";
  // An Error without a message says at least its name.
  return e instanceof Error && e.message === "" ? String(e) : errorMessage(e);
}
