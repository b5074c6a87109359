/**
 * Reads a TypeScript module's imports and exports from its text, for the
 * structure check (`structure.ts`). Pure: no file system, no Deno APIs.
 *
 * A small lexer drops comments and keeps string, template and regular
 * expression literals whole, so text that only looks like an import (in a
 * comment, a JSDoc `@example`, a string or a template literal) never counts.
 * The parser then reads, from the tokens, every `import ... from`,
 * `import type`, side-effect `import "x"`, `export ... from`, `export *`,
 * `import("x")` (dynamic or in a type), and the names the module exports.
 * @module
 */

/** One token of a module's source. */
export interface Token {
  /** What it is; comments and white space are not tokens. */
  kind: "name" | "string" | "template" | "regex" | "number" | "punct";
  /** The decoded value of a string; the source text of the others. */
  text: string;
  /** 1-based line where the token starts. */
  line: number;
}

/** How an import loads its target. */
export type ImportKind = "value" | "type" | "dynamic";

/** One import or re-export statement, or one `import("x")`. */
export interface ImportRecord {
  /** As written: `./x.ts`, `npm:zod`. */
  specifier: string;
  /** Line of the `import`/`export` keyword. */
  line: number;
  /** Whether it loads the target, only reads its types, or loads it later. */
  kind: ImportKind;
  /** The target's export names used; "*" when any may be (namespace, `export *`). */
  names: string[] | "*";
}

/** A name a module exports, and the line that exports it. */
export type ExportRecord = { name: string; line: number };

/** What the structure check needs from one module. */
export interface ModuleInfo {
  /** Its imports and re-exports, in order. */
  imports: ImportRecord[];
  /** Names exported here, re-exports under their new names included. */
  exports: ExportRecord[];
  /** `export * from "x"` statements: their names are the target's. */
  starExports: { specifier: string; line: number }[];
  /** Its first JSDoc block (`/** ... *\/`), if any: its header comment. */
  firstDoc: string | undefined;
}

// After these words an expression starts, so a `/` opens a regular expression.
const BEFORE_EXPRESSION = new Set(
  "return typeof instanceof in of new delete void throw case do else yield await"
    .split(" "),
);
// Names (with `#private` and `\u` escapes), numbers, then punctuators.
const LEXEMES = [
  [/[#$_\p{ID_Start}\\][$\u200c\u200d\p{ID_Continue}\\]*/uy, "name"],
  [/(?:\d|\.\d)[\w.]*/y, "number"],
  [/\.\.\.|=>|\?\.(?!\d)|\+\+|--|[^\s]/y, "punct"],
] as const;

function regexMayStart(prev: Token | undefined): boolean {
  if (prev === undefined) return true;
  switch (prev.kind) {
    case "name":
      return BEFORE_EXPRESSION.has(prev.text);
    case "punct":
      return !/^(?:\)|\]|\+\+|--)$/.test(prev.text);
    case "template":
      return prev.text.endsWith("${");
    default:
      return false;
  }
}

function countNewlines(text: string): number {
  let n = 0;
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) n++;
  return n;
}

function unescape(raw: string): string {
  return raw.includes("\\") ? raw.replace(/\\(.)/gs, "$1") : raw;
}

/**
 * Splits TypeScript source into tokens, dropping comments and white space;
 * keeps the first JSDoc block (`/** ... *\/`), if any.
 */
export function tokenize(
  source: string,
): { tokens: Token[]; firstDoc: string | undefined } {
  const tokens: Token[] = [];
  let firstDoc: string | undefined;
  const n = source.length;
  let i = source.startsWith("#!") ? source.indexOf("\n") : 0;
  if (i === -1) i = n;
  let line = 1;
  // One counter per open `${`: the braces opened inside it, not yet closed.
  const templates: number[] = [];
  const push = (kind: Token["kind"], text: string, at: number): void => {
    tokens.push({ kind, text, line: at });
  };
  // Scans template text from the "`" or "}" at `from` to "`" or "${".
  const template = (from: number): number => {
    const startLine = line;
    let j = from + 1;
    while (j < n) {
      const ch = source[j];
      if (ch === "\\") {
        if (source[j + 1] === "\n") line++;
        j += 2;
      } else if (ch === "`") {
        push("template", source.slice(from, j + 1), startLine);
        return j + 1;
      } else if (ch === "$" && source[j + 1] === "{") {
        push("template", source.slice(from, j + 2), startLine);
        templates.push(0);
        return j + 2;
      } else {
        if (ch === "\n") line++;
        j++;
      }
    }
    push("template", source.slice(from), startLine);
    return n;
  };
  while (i < n) {
    const ch = source[i]!;
    if (ch === "\n") {
      line++;
      i++;
    } else if (/\s/.test(ch)) {
      i++;
    } else if (ch === "/" && source[i + 1] === "/") {
      const end = source.indexOf("\n", i);
      i = end === -1 ? n : end;
    } else if (ch === "/" && source[i + 1] === "*") {
      const close = source.indexOf("*/", i + 2);
      const end = close === -1 ? n : close + 2;
      const comment = source.slice(i, end);
      if (firstDoc === undefined && comment.startsWith("/**") && end - i > 4) {
        firstDoc = comment;
      }
      line += countNewlines(comment);
      i = end;
    } else if (ch === "/" && regexMayStart(tokens[tokens.length - 1])) {
      let j = i + 1;
      let inClass = false;
      for (; j < n && source[j] !== "\n"; j++) {
        const c = source[j];
        if (c === "\\") j++;
        else if (inClass) inClass = c !== "]";
        else if (c === "[") inClass = true;
        else if (c === "/") break;
      }
      if (source[j] === "/") { // else not a regular expression after all
        for (j++; j < n && /[\w$]/.test(source[j]!); j++);
        push("regex", source.slice(i, j), line);
      } else {
        push("punct", "/", line);
        j = i + 1;
      }
      i = j;
    } else if (ch === "'" || ch === '"') {
      const startLine = line;
      let j = i + 1;
      while (j < n && source[j] !== ch && source[j] !== "\n") {
        if (source[j] === "\\") {
          if (source[j + 1] === "\n") line++;
          j++;
        }
        j++;
      }
      push("string", unescape(source.slice(i + 1, j)), startLine);
      i = source[j] === ch ? j + 1 : j;
    } else if (ch === "`") {
      i = template(i);
    } else if (ch === "}" && templates[templates.length - 1] === 0) {
      templates.pop();
      i = template(i);
    } else {
      for (const [re, kind] of LEXEMES) {
        re.lastIndex = i;
        const match = re.exec(source);
        if (match === null) continue;
        push(kind, match[0], line);
        i += match[0].length;
        break;
      }
      const top = templates.length - 1;
      if (top >= 0 && ch === "{") templates[top]!++;
      if (top >= 0 && ch === "}") templates[top]!--;
    }
  }
  return { tokens, firstDoc };
}

function isPunct(tok: Token | undefined, text: string): boolean {
  return tok !== undefined && tok.kind === "punct" && tok.text === text;
}

function isName(tok: Token | undefined, text?: string): boolean {
  return tok !== undefined && tok.kind === "name" &&
    (text === undefined || tok.text === text);
}

// The names used through a namespace binding: each `ns.name`; "*" when the
// binding is used any other way (passed on, spread, `typeof ns`).
function namespaceUses(
  t: Token[],
  ns: string,
  declaredAt: number,
): string[] | "*" {
  const names = new Set<string>();
  for (let i = 0; i < t.length; i++) {
    const member = isPunct(t[i - 1], ".") || isPunct(t[i - 1], "?.");
    if (i === declaredAt || member || !isName(t[i], ns)) continue;
    if (isPunct(t[i + 1], ".") && isName(t[i + 2])) names.add(t[i + 2]!.text);
    else return "*";
  }
  return [...names];
}

// The names an `import("x")` uses, from what surrounds it: `at` is the
// index of its `import`, `close` that of its ")".
function dynamicUses(t: Token[], at: number, close: number): string[] | "*" {
  const after = t[close + 1];
  if (isPunct(after, ".") && isName(t[close + 2])) {
    const name = t[close + 2]!.text;
    return ["then", "catch", "finally"].includes(name) ? "*" : [name];
  }
  if (!isName(t[at - 1], "await")) return "*";
  // (await import("x")).name
  if (
    isPunct(t[at - 2], "(") && isPunct(after, ")") && isPunct(t[close + 2], ".")
  ) {
    return isName(t[close + 3]) ? [t[close + 3]!.text] : "*";
  }
  if (!isPunct(t[at - 2], "=")) return "*";
  // const m = await import("x")
  if (
    isName(t[at - 3]) && isName(t[at - 4]) &&
    /^(?:const|let|var)$/.test(t[at - 4]!.text)
  ) {
    return namespaceUses(t, t[at - 3]!.text, at - 3);
  }
  // const { a, b: c } = await import("x")
  if (!isPunct(t[at - 3], "}")) return "*";
  let j = at - 3;
  for (let depth = 0; j >= 0; j--) {
    if (isPunct(t[j], "}")) depth++;
    else if (isPunct(t[j], "{") && --depth === 0) break;
  }
  const names: string[] = [];
  for (let k = j + 1; k < at - 3; k++) {
    if (isPunct(t[k], "...")) return "*";
    if (
      (isPunct(t[k - 1], "{") || isPunct(t[k - 1], ",")) &&
      t[k]!.kind !== "punct"
    ) {
      names.push(t[k]!.text);
    }
  }
  return names;
}

// `export <declaration>` from the token after `export`: the names declared
// (each of `const a = 1, b = 2;`).
function declaredNames(t: Token[], i: number): string[] {
  while (isName(t[i]) && /^(?:declare|async|abstract)$/.test(t[i]!.text)) i++;
  if (isName(t[i], "const") && isName(t[i + 1], "enum")) i++;
  const keyword = isName(t[i]) ? t[i]!.text : "";
  const binding = /^(?:const|let|var)$/.test(keyword);
  if (
    !binding &&
    !/^(?:function|class|interface|type|enum|namespace)$/.test(keyword)
  ) {
    return [];
  }
  i += isPunct(t[i + 1], "*") ? 2 : 1;
  if (!isName(t[i])) return [];
  const names = [t[i]!.text];
  for (let depth = 0; binding && depth >= 0 && ++i < t.length;) {
    const p = t[i]!.kind === "punct" ? t[i]!.text : "";
    if (p === "(" || p === "[" || p === "{") depth++;
    else if (p === ")" || p === "]" || p === "}") depth--;
    else if (depth === 0 && p === ";") break;
    else if (depth === 0 && p === "," && isName(t[i + 1])) {
      // Not the `, U>` of a type argument list.
      if (/^[=:,;]$/.test(t[i + 2]?.text ?? ";")) names.push(t[i + 1]!.text);
    }
  }
  return names;
}

interface Specifier {
  remote: string;
  local: string;
  type: boolean;
  line: number;
}

// Reads `{ a, b as c, type d, "e" as f }` from the "{" at `open`: the
// names as the other module spells them (`remote`), as this one does
// (`local`), whether each is type-only, and the index after the "}".
function readSpecifiers(
  t: Token[],
  open: number,
): { specs: Specifier[]; end: number } {
  const specs: Specifier[] = [];
  let i = open + 1;
  let part: Token[] = [];
  const flush = (): void => {
    if (part.length === 0) return;
    const p = part.map((tok) => tok.text);
    // `type x`, `type x as y`, `type as as y`: a modifier; `type as y` is not.
    const type = p[0] === "type" && p.length !== 1 &&
      !(p.length === 3 && p[1] === "as");
    if (type) p.shift();
    const local = p[1] === "as" ? p[2]! : p[0]!;
    specs.push({ remote: p[0]!, local, type, line: part[0]!.line });
    part = [];
  };
  for (; i < t.length && !isPunct(t[i], "}"); i++) {
    if (isPunct(t[i], ",")) flush();
    else part.push(t[i]!);
  }
  flush();
  return { specs, end: i + 1 };
}

// The string after `from` at `i`, or undefined.
function fromClause(t: Token[], i: number): string | undefined {
  return isName(t[i], "from") && t[i + 1]?.kind === "string"
    ? t[i + 1]!.text
    : undefined;
}

// `import("x")`, its `import` at `i`: records it; returns the index to go on.
function readImportCall(t: Token[], i: number, info: ModuleInfo): number {
  const spec = t[i + 2];
  if (spec?.kind !== "string") return i + 1;
  if (!isPunct(t[i + 3], ")") && !isPunct(t[i + 3], ",")) return i + 1;
  let end = i + 3; // past the matching ")" (attributes may follow a ",")
  for (let depth = 1; end < t.length && depth > 0; end++) {
    if (isPunct(t[end], "(")) depth++;
    else if (isPunct(t[end], ")")) depth--;
  }
  // `typeof import("x")` and `import("x").T` are types; the rest loads.
  const member = isPunct(t[end], ".") && isName(t[end + 1]) &&
    !["then", "catch", "finally"].includes(t[end + 1]!.text);
  const kind = isName(t[i - 1], "typeof") || member ? "type" : "dynamic";
  const names = dynamicUses(t, i, end - 1);
  info.imports.push({ specifier: spec.text, line: t[i]!.line, kind, names });
  return end;
}

// An `import` statement at `i`: records it; returns the index to go on.
function readImport(t: Token[], i: number, info: ModuleInfo): number {
  const line = t[i]!.line;
  let j = i + 1;
  const spec = t[j];
  if (spec?.kind === "string") {
    info.imports.push({ specifier: spec.text, line, kind: "value", names: [] });
    return j + 1;
  }
  if (isPunct(t[j], "(")) return readImportCall(t, i, info);
  const typeOnly = isName(t[j], "type") && !isName(t[j + 1], "from") &&
    !isPunct(t[j + 1], ",");
  if (typeOnly) j++;
  const names: string[] = [];
  let all = false;
  let allTypes = true;
  // A default binding: any name but `from`, unless in `import from from`.
  if (isName(t[j]) && (t[j]!.text !== "from" || isName(t[j + 1], "from"))) {
    names.push("default");
    allTypes = false;
    j += isPunct(t[j + 1], ",") ? 2 : 1;
  }
  if (isPunct(t[j], "{")) {
    const { specs, end } = readSpecifiers(t, j);
    for (const s of specs) names.push(s.remote);
    allTypes &&= specs.length > 0 && specs.every((s) => s.type);
    j = end;
  } else if (isPunct(t[j], "*") && isName(t[j + 1], "as") && isName(t[j + 2])) {
    const uses = namespaceUses(t, t[j + 2]!.text, j + 2);
    if (uses === "*") all = true;
    else names.push(...uses);
    allTypes = false;
    j += 3;
  }
  const specifier = fromClause(t, j);
  if (specifier === undefined) return i + 1; // import.meta, import x = ...
  const kind = typeOnly || allTypes ? "type" : "value";
  info.imports.push({ specifier, line, kind, names: all ? "*" : names });
  return j + 2;
}

// An `export` statement at `i`: records it; returns the index to go on.
function readExport(t: Token[], i: number, info: ModuleInfo): number {
  const line = t[i]!.line;
  let j = i + 1;
  const typeOnly = isName(t[j], "type") &&
    (isPunct(t[j + 1], "{") || isPunct(t[j + 1], "*"));
  if (typeOnly) j++;
  if (isPunct(t[j], "*")) {
    const as = isName(t[j + 1], "as") ? t[j + 2]?.text : undefined;
    j += as === undefined ? 1 : 3;
    const specifier = fromClause(t, j);
    if (specifier === undefined) return j;
    const kind = typeOnly ? "type" : "value";
    info.imports.push({ specifier, line, kind, names: "*" });
    if (as === undefined) info.starExports.push({ specifier, line });
    else info.exports.push({ name: as, line });
    return j + 2;
  }
  if (isPunct(t[j], "{")) {
    const { specs, end } = readSpecifiers(t, j);
    for (const s of specs) info.exports.push({ name: s.local, line: s.line });
    const specifier = fromClause(t, end);
    if (specifier === undefined) return end;
    const allTypes = specs.length > 0 && specs.every((s) => s.type);
    const kind = typeOnly || allTypes ? "type" : "value";
    const names = specs.map((s) => s.remote);
    info.imports.push({ specifier, line, kind, names });
    return end + 2;
  }
  if (isName(t[j], "default")) {
    info.exports.push({ name: "default", line });
    return j + 1;
  }
  for (const name of declaredNames(t, j)) info.exports.push({ name, line });
  return j;
}

/** Reads a module's imports, exports and first JSDoc block from its source. */
export function parseModule(source: string): ModuleInfo {
  const { tokens: t, firstDoc } = tokenize(source);
  const info: ModuleInfo = {
    imports: [],
    exports: [],
    starExports: [],
    firstDoc,
  };
  for (let i = 0; i < t.length;) {
    const tok = t[i]!;
    const keyword = tok.kind === "name" &&
      (tok.text === "import" || tok.text === "export") &&
      // not `x.import`, `x?.import` or `{ import: ... }`
      !isPunct(t[i - 1], ".") && !isPunct(t[i - 1], "?.") &&
      !isPunct(t[i + 1], ":");
    if (!keyword) i++;
    else if (tok.text === "import") i = readImport(t, i, info);
    else i = readExport(t, i, info);
  }
  return info;
}

/**
 * Resolves a relative specifier (`./x.ts`, `../y/z.ts`) against the
 * importing file's path (both relative to the tree's root, with "/").
 * Returns undefined for anything else (`npm:`, `node:`, `jsr:`, URLs,
 * bare names) and for a path that leaves the root.
 */
export function resolveSpecifier(
  from: string,
  specifier: string,
): string | undefined {
  if (!specifier.startsWith("./") && !specifier.startsWith("../")) {
    return undefined;
  }
  const parts = from.split("/").slice(0, -1);
  for (const part of specifier.split(/[?#]/)[0]!.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (parts.length === 0) return undefined;
      parts.pop();
    } else {
      parts.push(part);
    }
  }
  return parts.join("/");
}
