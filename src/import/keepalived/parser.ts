/**
 * keepalived.conf tokens into statements: a keyword, its arguments and its
 * `{ }` block, each with the file and line it came from. Leaves out
 * conditional (`@config-id`) lines with a note; refuses parameter
 * substitution.
 * @module
 */

import { ImportError, type ImportNote } from "../mod.ts";
import type { Token } from "./lexer.ts";

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

/** How deep blocks may nest. */
const MAX_BLOCK_DEPTH = 32;

/**
 * Groups tokens into statements and blocks. A block's `{` may be on the line
 * after its keyword; `{` and `}` end a statement.
 *
 * @param tokens The tokens of the main file, includes expanded in place.
 * @param notes Takes a note for each conditional line left out.
 * @param blockKeywords Keywords that always take a block: a stray `}` is
 *   blamed on the last of them written without one.
 * @returns The top-level statements.
 * @throws {ImportError} Unmatched braces, blocks nested too deep, parameter
 *   substitution (`$NAME=`, `~SEQ`, `~LST`).
 */
export function parseStatements(
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
