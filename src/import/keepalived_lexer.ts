/**
 * keepalived.conf syntax: statements of words, `{ }` blocks, comments,
 * quoting and `include`, read as keepalived 2.2.7 reads them, each statement
 * with the file and line it came from.
 * @module
 */

import { ImportError, type ImportFiles, type ImportNote } from "./result.ts";

/** One statement: a keyword, its arguments and, for a block, its body. */
export interface KaNode {
  /** The keyword and its arguments, quotes removed and escapes applied. */
  words: string[];
  /** The file it is in. */
  file: string;
  /** Its line, 1-based. */
  line: number;
  /** Its position in reading order, includes expanded in place. */
  order: number;
  /** The statements between `{` and `}`, or `null` when it has no block. */
  block: KaNode[] | null;
}

/** A note with its place in reading order, for sorting. */
export interface OrderedNote extends ImportNote {
  /** Position in reading order (see {@link KaNode.order}). */
  order: number;
}

/** What {@link readKeepalived} found. */
export interface KaTree {
  /** The top-level statements. */
  nodes: KaNode[];
  /** Lines left out while reading (conditional lines, empty globs). */
  notes: OrderedNote[];
}

/** How deep includes may nest, counting the main file. */
export const MAX_INCLUDE_DEPTH = 8;
/** How deep blocks may nest. */
const MAX_BLOCK_DEPTH = 32;
const INCLUDES = new Set([
  "include",
  "includer",
  "includem",
  "includew",
  "includeb",
  "includea",
]);

type Token =
  | { kind: "word"; text: string; file: string; line: number; order: number }
  | {
    kind: "open" | "close" | "eol";
    file: string;
    line: number;
    order: number;
  };

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
    throw new ImportError(path, 1, `cannot read the file: ${message(e)}`);
  }
  lexFile(path, text, [path], files, tokens, notes);
  const nodes = buildTree(tokens, notes, blockKeywords);
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
    throw new ImportError(from, line, `include ${pattern}: ${message(e)}`);
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
        `include ${pattern}: cannot read ${m}: ${message(e)}`,
      );
    }
    lexFile(m, text, [...chain, m], files, out, notes);
  }
}

function lexLine(
  s: string,
  file: string,
  line: number,
  order: () => number,
  bracesAreText: boolean,
): Token[] {
  const toks: Token[] = [];
  let word = "";
  let inWord = false;
  let quote: string | null = null;
  const flush = (): void => {
    if (inWord) toks.push({ kind: "word", text: word, file, line, order: 0 });
    word = "";
    inWord = false;
  };
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quote !== null) {
      if (c === quote) quote = null;
      else if (c === "\\") {
        const [text, next] = unescape(s, i);
        word += text;
        i = next;
      } else word += c;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === "\\") {
      const [text, next] = unescape(s, i);
      word += text;
      inWord = true;
      i = next;
    } else if (c === "#" || c === "!") {
      break;
    } else if (/\s/.test(c)) {
      flush();
    } else if ((c === "{" || c === "}") && !bracesAreText) {
      flush();
      toks.push({ kind: c === "{" ? "open" : "close", file, line, order: 0 });
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote !== null) {
    throw new ImportError(file, line, `unmatched ${quote} quote`);
  }
  flush();
  const base = order();
  return toks.map((t, i) => ({ ...t, order: base + i }));
}

const SIMPLE_ESCAPES: Record<string, string> = {
  a: "\x07",
  b: "\b",
  E: "\x1b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
};

/** The text of the escape at `s[i]` (a backslash) and the index of its end. */
function unescape(s: string, i: number): [string, number] {
  const c = s[i + 1];
  if (c === undefined) return ["\\", i];
  const simple = SIMPLE_ESCAPES[c];
  if (simple !== undefined) return [simple, i + 1];
  const octal = /^[0-7]{1,3}/.exec(s.slice(i + 1));
  if (octal !== null) {
    return [
      String.fromCharCode(parseInt(octal[0], 8) & 0xff),
      i + octal[0].length,
    ];
  }
  if (c === "x") {
    const hex = /^[0-9A-Fa-f]{1,2}/.exec(s.slice(i + 2));
    if (hex === null) return ["x", i + 1];
    return [String.fromCharCode(parseInt(hex[0], 16)), i + 1 + hex[0].length];
  }
  if (c === "c" && s[i + 2] !== undefined) {
    const code = s[i + 2]!.toUpperCase().charCodeAt(0) ^ 0x40;
    return [String.fromCharCode(code & 0x7f), i + 2];
  }
  return [c, i + 1];
}

function buildTree(
  tokens: Token[],
  notes: OrderedNote[],
  blockKeywords: ReadonlySet<string>,
): KaNode[] {
  let i = 0;
  const all: KaNode[] = [];
  const block = (
    depth: number,
    open: { file: string; line: number; keyword: string } | null,
  ): KaNode[] => {
    const nodes: KaNode[] = [];
    // The last statement, while a "{" may still open its block.
    let openable: KaNode | null = null;
    while (i < tokens.length) {
      const t = tokens[i]!;
      if (t.kind === "eol") {
        i++;
        continue;
      }
      if (t.kind === "close") {
        if (open === null) {
          const culprit = all.findLast((n) =>
            n.block === null && blockKeywords.has(n.words[0]!)
          );
          if (culprit !== undefined) {
            throw new ImportError(
              culprit.file,
              culprit.line,
              `${
                culprit.words[0]
              } needs a { ... } block (the '}' at ${t.file}:${t.line} has no '{')`,
            );
          }
          throw new ImportError(t.file, t.line, "'}' without a matching '{'");
        }
        i++;
        return nodes;
      }
      if (t.kind === "open") {
        if (openable === null) {
          throw new ImportError(
            t.file,
            t.line,
            "'{' without a keyword before it",
          );
        }
        if (depth >= MAX_BLOCK_DEPTH) {
          throw new ImportError(
            t.file,
            t.line,
            `blocks nest more than ${MAX_BLOCK_DEPTH} deep`,
          );
        }
        i++;
        const owner: KaNode = openable;
        openable = null;
        owner.block = block(depth + 1, {
          file: t.file,
          line: t.line,
          keyword: owner.words.join(" "),
        });
        continue;
      }
      const words: string[] = [];
      while (i < tokens.length) {
        const w = tokens[i]!;
        if (w.kind !== "word") break;
        words.push(w.text);
        i++;
      }
      const node: KaNode = {
        words,
        file: t.file,
        line: t.line,
        order: t.order,
        block: null,
      };
      openable = node;
      all.push(node);
      const keyword = words[0]!;
      if (/^\$[A-Za-z_][A-Za-z0-9_]*=/.test(keyword)) {
        throw new ImportError(
          t.file,
          t.line,
          `parameter definitions (${
            keyword.split("=")[0]
          }=) are not supported: expand them first`,
        );
      }
      if (/^~(SEQx?|LST)\(/.test(keyword)) {
        throw new ImportError(
          t.file,
          t.line,
          `${
            keyword.split("(")[0]
          } blocks are not supported: expand them first`,
        );
      }
      if (keyword.startsWith("@")) {
        // Read (for its block), but left out.
        const id = keyword.startsWith("@^")
          ? `every config id but ${keyword.slice(2)}`
          : `config id ${keyword.slice(1)}`;
        notes.push({
          file: t.file,
          line: t.line,
          order: t.order,
          text: `${
            words.join(" ")
          }: a conditional line (for keepalived -i with ${id}), not carried over: carpd has no config ids; write the line meant for this box without the @`,
        });
        continue;
      }
      nodes.push(node);
    }
    if (open !== null) {
      throw new ImportError(
        open.file,
        open.line,
        `the '{' of ${open.keyword} is never closed`,
      );
    }
    return nodes;
  };
  return block(0, null);
}

/**
 * Splits a script line into argv as keepalived does: blanks separate
 * arguments, `'...'` and `"..."` group (quotes removed), a backslash makes the
 * next character plain.
 *
 * @param s The script text (one word of the config, quotes already removed).
 * @returns The arguments, or `null` when a quote is not closed.
 */
export function splitCommand(s: string): string[] | null {
  const out: string[] = [];
  let cur = "";
  let has = false;
  let quote: string | null = null;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quote !== null) {
      if (c === quote) quote = null;
      else if (c === "\\" && quote === '"' && i + 1 < s.length) cur += s[++i];
      else cur += c;
      continue;
    }
    if (c === "'" || c === '"') {
      quote = c;
      has = true;
    } else if (c === "\\" && i + 1 < s.length) {
      cur += s[++i];
      has = true;
    } else if (/\s/.test(c)) {
      if (has) out.push(cur);
      cur = "";
      has = false;
    } else {
      cur += c;
      has = true;
    }
  }
  if (quote !== null) return null;
  if (has) out.push(cur);
  return out;
}

function message(e: unknown): string {
  if (e instanceof Deno.errors.NotFound) return "no such file";
  if (e instanceof Deno.errors.PermissionDenied) return "permission denied";
  return e instanceof Error && e.message !== "" ? e.message : String(e);
}
