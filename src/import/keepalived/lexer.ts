/**
 * keepalived.conf lines into tokens: words, `{`, `}`, as keepalived 2.2.7
 * splits them (quotes, backslash escapes, `#` and `!` comments).
 * @module
 */

import { ImportError } from "../mod.ts";

/** A word, a brace, or the end of a line, with where it is. */
export type Token =
  | { kind: "word"; text: string; file: string; line: number; order: number }
  | {
    kind: "open" | "close" | "eol";
    file: string;
    line: number;
    order: number;
  };

/**
 * Splits one line into tokens.
 *
 * Words are separated by blanks; `"..."` and `'...'` group (the quotes are
 * removed, also mid-word); backslash escapes apply in and out of quotes; `#`
 * and `!` outside quotes start a comment; `{` and `}` outside quotes are
 * tokens of their own unless `bracesAreText`.
 *
 * @param s The line.
 * @param file The file it is in.
 * @param line Its line number, 1-based.
 * @param order Gives the reading-order position of the line's first token
 *   (asked once the line is split).
 * @param bracesAreText Whether `{` and `}` are plain characters (an include
 *   line's csh-style glob).
 * @returns The tokens, numbered in reading order from `order()`.
 * @throws {ImportError} An unmatched quote.
 */
export function lexLine(
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
