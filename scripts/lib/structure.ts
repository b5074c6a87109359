/**
 * The structure check: reads `main.ts`, `src/`, `ffi/` and `scripts/` as text
 * and reports, one finding a line, grouped by rule:
 *
 * - `cycles`: import cycles, type-only and `import("x")` edges included,
 *   each once, as a path `a -> b -> a` with the line of each import;
 * - `libc`: a file under `src/` importing `ffi/libc.ts` (src uses ffi's
 *   wrappers; tests may import it and are not read);
 * - `sizes`: a file over 500 lines, unless its header comment (its first
 *   JSDoc block) has a sentence starting "Over 500 lines:" with the reason;
 *   at most three files may, each under 900 lines;
 * - `surfaces` (`surfaces.ts`): for each folder under `src/` (or `ffi/`)
 *   with a `mod.ts`, every name `mod.ts` exports is used from outside the
 *   folder (imported, or referred to by a used name's declared types, as
 *   `deno doc --lint` asks), and nothing outside imports the folder's other
 *   files. A sub-folder with a `mod.ts` of its own is a folder of its own.
 *
 * Ends with `structure: N findings`; exits 1 when N > 0, 2 on a bad command
 * line, 3 when `surfaces` cannot read the types (`deno doc --json` cannot
 * run or fails: the check never passes without them).
 *
 *   deno run --allow-read --allow-run scripts/lib/structure.ts [--only cycles,libc,sizes,surfaces] [--root DIR]
 *
 * (`--allow-run` for `surfaces` only: it runs `deno doc --json` on each
 * `mod.ts`.) The checks are pure functions of the files' contents and those
 * types (`checkStructure`).
 * @module
 */

import type { ImportKind } from "./import_graph.ts";
import { type DocRefs, readDocRefs } from "./doc_refs.ts";
import { isChecked, readTree, type Tree } from "./source_tree.ts";
import { checkSurfaces, surfaceDirs } from "./surfaces.ts";

export { isChecked };

/** A rule of the check, by the name `--only` takes. */
export type Rule = "cycles" | "libc" | "sizes" | "surfaces";

/** Every rule, in the order the report lists them. */
export const RULES: readonly Rule[] = ["cycles", "libc", "sizes", "surfaces"];

/** One finding: a line of the report. */
export interface Finding {
  /** The rule it breaks. */
  rule: Rule;
  /** What and where, naming files (and lines). */
  message: string;
}

/** Lines a file may have without a reason. */
export const MAX_LINES = 500;
/** A file with a reason must stay under this many lines. */
export const EXCEPTION_LINES = 900;
/** How many files may give a reason. */
export const MAX_EXCEPTIONS = 3;
/** How many cycles are listed at most; more is one more finding. */
export const MAX_CYCLES = 200;

const LIBC = "ffi/libc.ts";

// ---- cycles ----

// Elementary cycles of a directed graph (Johnson's algorithm), each once,
// starting at its least node; at most `limit`.
function elementaryCycles(
  adjacency: Map<string, string[]>,
  limit: number,
): string[][] {
  const order = [...adjacency.keys()].sort();
  const rank = new Map(order.map((node, i) => [node, i]));
  const cycles: string[][] = [];
  for (const start of order) {
    const least = rank.get(start)!;
    const next = (v: string): string[] =>
      (adjacency.get(v) ?? []).filter((w) => rank.get(w)! >= least);
    const blocked = new Set<string>();
    const blockers = new Map<string, Set<string>>();
    const path: string[] = [];
    const unblock = (v: string): void => {
      blocked.delete(v);
      const waiting = blockers.get(v) ?? new Set<string>();
      blockers.delete(v);
      for (const w of waiting) if (blocked.has(w)) unblock(w);
    };
    const circuit = (v: string): boolean => {
      let found = false;
      path.push(v);
      blocked.add(v);
      for (const w of next(v)) {
        if (cycles.length >= limit) break;
        if (w === start) {
          cycles.push([...path, start]);
          found = true;
        } else if (!blocked.has(w) && circuit(w)) {
          found = true;
        }
      }
      if (found) unblock(v);
      else {
        for (const w of next(v)) {
          blockers.set(w, (blockers.get(w) ?? new Set()).add(v));
        }
      }
      path.pop();
      return found;
    };
    circuit(start);
    if (cycles.length >= limit) break;
  }
  return cycles;
}

function checkCycles(tree: Tree): Finding[] {
  const adjacency = new Map<string, string[]>();
  const hops = new Map<string, { line: number; kinds: Set<ImportKind> }>();
  for (const path of tree.files.keys()) adjacency.set(path, []);
  for (const e of tree.edges) {
    if (!tree.files.has(e.to)) continue;
    const key = `${e.from}\n${e.to}`;
    const hop = hops.get(key);
    if (hop === undefined) {
      adjacency.get(e.from)!.push(e.to);
      hops.set(key, { line: e.line, kinds: new Set([e.kind]) });
    } else {
      hop.kinds.add(e.kind);
    }
  }
  const cycles = elementaryCycles(adjacency, MAX_CYCLES + 1);
  const findings = cycles.slice(0, MAX_CYCLES).map((cycle): Finding => {
    const at = cycle.slice(0, -1).map((from, i) => {
      const hop = hops.get(`${from}\n${cycle[i + 1]}`)!;
      const kind = hop.kinds.has("value")
        ? ""
        : hop.kinds.has("dynamic")
        ? " dynamic"
        : " type";
      return `${from}:${hop.line}${kind}`;
    });
    return {
      rule: "cycles",
      message: `${cycle.join(" -> ")} (${at.join(", ")})`,
    };
  });
  if (cycles.length > MAX_CYCLES) {
    findings.push({
      rule: "cycles",
      message:
        `more than ${MAX_CYCLES} cycles: the first ${MAX_CYCLES} are listed`,
    });
  }
  return findings;
}

// ---- libc ----

function checkLibc(tree: Tree): Finding[] {
  return tree.edges
    .filter((e) => e.from.startsWith("src/") && e.to === LIBC)
    .map((e) => ({
      rule: "libc",
      message: `${e.from}:${e.line} imports ${LIBC} (src uses ffi's wrappers)`,
    }));
}

// ---- sizes ----

/** Whether a JSDoc block has a sentence starting "Over 500 lines:" and a reason. */
export function givesSizeReason(doc: string | undefined): boolean {
  if (doc === undefined) return false;
  const text = doc.replace(/^\/\*\*|\*\/$/g, "").replace(/^[ \t]*\*?/gm, "");
  return /(?:^|[.!?]\s|\n)\s*Over 500 lines:\s*[^\s@]/.test(text);
}

/** Lines in `text`, as `wc -l` counts them (a last line without "\n" counts). */
export function lineCount(text: string): number {
  if (text.length === 0) return 0;
  return text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
}

function checkSizes(tree: Tree): Finding[] {
  const findings: Finding[] = [];
  const excepted: string[] = [];
  for (const [path, text] of tree.files) {
    const lines = lineCount(text);
    if (lines <= MAX_LINES) continue;
    const reason = givesSizeReason(tree.modules.get(path)!.firstDoc);
    let message: string | undefined;
    if (!reason) {
      message =
        `${path}: ${lines} lines, over ${MAX_LINES} with no "Over 500 lines:" reason in its header comment`;
    } else if (lines >= EXCEPTION_LINES) {
      message = `${path}: ${lines} lines; a reason allows at most ${
        EXCEPTION_LINES - 1
      }`;
    } else {
      excepted.push(`${path} (${lines})`);
    }
    if (message !== undefined) findings.push({ rule: "sizes", message });
  }
  if (excepted.length > MAX_EXCEPTIONS) {
    findings.push({
      rule: "sizes",
      message:
        `${excepted.length} files over ${MAX_LINES} lines give a reason, ` +
        `at most ${MAX_EXCEPTIONS} may: ${excepted.join(", ")}`,
    });
  }
  return findings;
}

const CHECKS: Record<Rule, (tree: Tree, refs: DocRefs) => Finding[]> = {
  cycles: checkCycles,
  libc: checkLibc,
  sizes: checkSizes,
  surfaces: (tree, refs) =>
    checkSurfaces(tree, refs).map((message) => ({ rule: "surfaces", message })),
};

/**
 * Checks a tree given as paths (relative to its root, with "/") to file
 * contents. Paths the check does not read (tests, other folders) are
 * ignored. `refs` gives, per `mod.ts` path, what each of its exports'
 * declared types refer to (`readDocRefs`); `surfaces` counts those as used
 * too. Returns the findings of `rules`, grouped by rule in that order.
 */
export function checkStructure(
  files: ReadonlyMap<string, string>,
  rules: readonly Rule[] = RULES,
  refs: DocRefs = new Map(),
): Finding[] {
  const tree = readTree(files);
  return RULES.filter((r) => rules.includes(r))
    .flatMap((r) => CHECKS[r](tree, refs));
}

/** The report: each rule's findings under its name, then `structure: N findings`. */
export function formatReport(
  findings: readonly Finding[],
  rules: readonly Rule[] = RULES,
): string {
  const lines: string[] = [];
  let count = 0;
  for (const rule of RULES.filter((r) => rules.includes(r))) {
    const mine = findings.filter((f) => f.rule === rule);
    count += mine.length;
    lines.push(
      `${rule} (${mine.length}):`,
      ...mine.map((f) => `  ${f.message}`),
    );
  }
  lines.push(`structure: ${count} findings`);
  return lines.join("\n") + "\n";
}

/**
 * Reads the command line: `--only a,b` (or `--only=a,b`) and `--root DIR`.
 * Returns an error message for anything else.
 */
export function parseArgs(
  args: readonly string[],
): { rules: Rule[]; root: string | undefined } | string {
  let rules: Rule[] = [...RULES];
  let root: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const eq = arg.indexOf("=");
    const flag = eq === -1 ? arg : arg.slice(0, eq);
    if (flag !== "--only" && flag !== "--root") {
      return `unknown argument "${arg}"`;
    }
    const value = eq === -1 ? args[++i] : arg.slice(eq + 1);
    if (value === undefined) return `${flag} needs a value`;
    if (flag === "--root") {
      root = value;
    } else {
      const names = value.split(",").filter((s) => s !== "");
      const bad = names.filter((s) =>
        !(RULES as readonly string[]).includes(s)
      );
      if (bad.length > 0 || names.length === 0) {
        return `--only takes some of ${RULES.join(",")}, not "${value}"`;
      }
      rules = names as Rule[];
    }
  }
  return { rules, root };
}

/**
 * Reads the files the check reads from the tree at `root`: `main.ts` and
 * the `.ts` files under `src/`, `ffi/` and `scripts/`. A file or folder
 * that is missing, or goes while it is read, is left out.
 */
export function readSources(root: string): Map<string, string> {
  const files = new Map<string, string>();
  const missing = <T>(read: () => T): T | undefined => {
    try {
      return read();
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return undefined;
      throw e;
    }
  };
  const walk = (path: string): void => {
    const entries = missing(() => [...Deno.readDirSync(`${root}/${path}`)]);
    for (const entry of entries ?? []) {
      const inner = `${path}/${entry.name}`;
      if (entry.isDirectory) walk(inner);
      else if (isChecked(inner)) read(inner);
    }
  };
  const read = (path: string): void => {
    const text = missing(() => Deno.readTextFileSync(`${root}/${path}`));
    if (text !== undefined) files.set(path, text);
  };
  read("main.ts");
  for (const dir of ["src", "ffi", "scripts"]) walk(dir);
  return files;
}

/**
 * The whole check for a command line: the exit code (0 clean, 1 findings,
 * 2 bad command line, 3 no types for `surfaces`) and what goes to stdout
 * and stderr. `read` reads the tree at a root (`readSources` unless a test
 * gives its own); `docs` reads the types of the given `mod.ts` files
 * (`readDocRefs`, which runs `deno doc --json`), only when `surfaces` runs,
 * and throws when it cannot.
 */
export function main(
  args: readonly string[],
  read: (root: string) => ReadonlyMap<string, string> = readSources,
  docs: (root: string, mods: readonly string[]) => DocRefs = readDocRefs,
): { code: number; stdout: string; stderr: string } {
  const parsed = parseArgs(args);
  if (typeof parsed === "string") {
    const usage = `usage: structure.ts [--only ${
      RULES.join(",")
    }] [--root DIR]`;
    return {
      code: 2,
      stdout: "",
      stderr: `structure.ts: ${parsed}\n${usage}\n`,
    };
  }
  const root = parsed.root ?? decodeURIComponent(
    new URL("../..", import.meta.url).pathname,
  ).replace(/(.)\/$/, "$1");
  const files = read(root);
  let refs: DocRefs = new Map();
  if (parsed.rules.includes("surfaces")) {
    const mods = surfaceDirs(files.keys()).map((dir) => `${dir}/mod.ts`);
    try {
      refs = docs(root, mods);
    } catch (e) {
      return {
        code: 3,
        stdout: "",
        stderr: `structure.ts: surfaces needs the types of each mod.ts ` +
          `from "deno doc --json", and cannot have them: ` +
          `${(e as Error).message}\n`,
      };
    }
  }
  const findings = checkStructure(files, parsed.rules, refs);
  const stdout = formatReport(findings, parsed.rules);
  return { code: findings.length > 0 ? 1 : 0, stdout, stderr: "" };
}

function write(
  stream: { writeSync(p: Uint8Array): number },
  text: string,
): void {
  let data = new TextEncoder().encode(text);
  while (data.length > 0) data = data.subarray(stream.writeSync(data));
}

if (import.meta.main) {
  const { code, stdout, stderr } = main(Deno.args);
  write(Deno.stdout, stdout);
  write(Deno.stderr, stderr);
  Deno.exit(code);
}
