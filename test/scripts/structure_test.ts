import assert from "node:assert/strict";
import {
  checkStructure,
  formatReport,
  lineCount,
  main,
  MAX_CYCLES,
  parseArgs,
  readSources,
  type Rule,
} from "../../scripts/lib/structure.ts";

function check(files: Record<string, string>, rule: Rule): string[] {
  return checkStructure(new Map(Object.entries(files)), [rule])
    .map((f) => f.message);
}

// A file of `n` lines that starts with `header`.
function sized(n: number, header = ""): string {
  return header + "export const x = 1;\n".repeat(n - lineCount(header));
}

// ---- cycles ----

Deno.test("cycles: a value cycle, once, with the line of each import", () => {
  assert.deepEqual(
    check({
      "src/a.ts": 'import { b } from "./b.ts";\nexport const a = 1;\n',
      "src/b.ts": '// b\nimport { a } from "./a.ts";\nexport const b = a;\n',
    }, "cycles"),
    ["src/a.ts -> src/b.ts -> src/a.ts (src/a.ts:1, src/b.ts:2)"],
  );
});

Deno.test("cycles: through a multi-line import, export * and a side-effect import", () => {
  assert.deepEqual(
    check({
      "src/p.ts": 'import {\n  q,\n} from "./q.ts";\nexport const p = q;\n',
      "src/q.ts": 'export * from "./r.ts";\nexport const q = 1;\n',
      "src/r.ts": 'import "./p.ts";\nexport const r = 1;\n',
    }, "cycles"),
    ["src/p.ts -> src/q.ts -> src/r.ts -> src/p.ts (src/p.ts:1, src/q.ts:1, src/r.ts:1)"],
  );
});

Deno.test("cycles: type-only imports count, and are marked", () => {
  assert.deepEqual(
    check({
      "src/one.ts":
        'import type { Two } from "./two.ts";\nexport type One = Two;\n',
      "src/two.ts": 'export type { One as Two } from "./one.ts";\n',
      "src/three.ts": 'let t: import("./four.ts").Four;\n',
      "src/four.ts": 'import { type Three } from "./three.ts";\n',
    }, "cycles"),
    [
      "src/four.ts -> src/three.ts -> src/four.ts (src/four.ts:1 type, src/three.ts:1 type)",
      "src/one.ts -> src/two.ts -> src/one.ts (src/one.ts:1 type, src/two.ts:1 type)",
    ],
  );
});

Deno.test("cycles: a dynamic import counts, marked; a value import beside a type one wins", () => {
  assert.deepEqual(
    check({
      "main.ts": 'export const VERSION = "1";\n' +
        'const { run } = await import("./src/cli.ts");\n',
      "src/cli.ts": 'import type { X } from "../main.ts";\n' +
        'import { VERSION } from "../main.ts";\n',
    }, "cycles"),
    ["main.ts -> src/cli.ts -> main.ts (main.ts:2 dynamic, src/cli.ts:1)"],
  );
});

Deno.test("cycles: each of two cycles through one file; a file importing itself", () => {
  assert.deepEqual(
    check({
      "src/hub.ts": 'import "./left.ts";\nimport "./right.ts";\n',
      "src/left.ts": 'import "./hub.ts";\n',
      "src/right.ts": 'import "./hub.ts";\n',
      "ffi/self.ts": 'import "./self.ts";\n',
    }, "cycles"),
    [
      "ffi/self.ts -> ffi/self.ts (ffi/self.ts:1)",
      "src/hub.ts -> src/left.ts -> src/hub.ts (src/hub.ts:1, src/left.ts:1)",
      "src/hub.ts -> src/right.ts -> src/hub.ts (src/hub.ts:2, src/right.ts:1)",
    ],
  );
});

Deno.test("cycles: every elementary cycle, each once, however the search meets them", () => {
  assert.deepEqual(
    check({
      "src/a.ts": 'import "./b.ts";\nimport "./c.ts";\n',
      "src/b.ts": 'import "./c.ts";\nimport "./a.ts";\n',
      "src/c.ts": 'import "./b.ts";\n',
    }, "cycles"),
    [
      "src/a.ts -> src/b.ts -> src/a.ts (src/a.ts:1, src/b.ts:2)",
      "src/a.ts -> src/c.ts -> src/b.ts -> src/a.ts (src/a.ts:2, src/c.ts:1, src/b.ts:2)",
      "src/b.ts -> src/c.ts -> src/b.ts (src/b.ts:1, src/c.ts:1)",
    ],
  );
});

Deno.test("cycles: import-looking text in comments, strings and templates is no import", () => {
  const files = {
    "src/a.ts": 'import { b } from "./b.ts";\n',
    "src/b.ts": [
      "/**",
      " * @example",
      " * ```ts",
      ' * import { a } from "./a.ts";',
      " * ```",
      " */",
      '// import "./a.ts";',
      "/* export * from './a.ts'; */",
      "const s = 'import \"./a.ts\"';",
      "const d = \"export { a } from './a.ts'\";",
      'const t = `import { a } from "./a.ts"; ${s + `export * from "./a.ts"`}`;',
      "export const b = 1;",
    ].join("\n"),
  };
  assert.deepEqual(check(files, "cycles"), []);
});

Deno.test("cycles: tests are not read; npm:, node:, jsr: are not followed", () => {
  assert.deepEqual(
    check({
      "src/a.ts":
        'import { z } from "npm:zod";\nimport "node:fs";\nimport "jsr:@std/path";\n',
      "test/a_test.ts": 'import "./b_test.ts";\nimport "../src/a.ts";\n',
      "test/b_test.ts": 'import "./a_test.ts";\n',
    }, "cycles"),
    [],
  );
});

Deno.test("cycles: at most MAX_CYCLES are listed, then one finding says so", () => {
  const names = ["a", "b", "c", "d", "e", "f", "g"];
  const files: Record<string, string> = {};
  for (const n of names) {
    files[`src/${n}.ts`] = names.map((m) => `import "./${m}.ts";\n`).join("");
  }
  const found = check(files, "cycles");
  assert.equal(found.length, MAX_CYCLES + 1);
  assert.equal(
    found.at(-1),
    `more than ${MAX_CYCLES} cycles: the first ${MAX_CYCLES} are listed`,
  );
  assert.equal(new Set(found).size, found.length);
});

// ---- libc ----

Deno.test("libc: src may not import ffi/libc.ts in any form; ffi, scripts and tests may", () => {
  assert.deepEqual(
    check({
      "ffi/libc.ts": "export const libc = {};\n",
      "ffi/socket.ts": 'import { libc } from "./libc.ts";\n',
      "scripts/tool.ts": 'import { libc } from "../ffi/libc.ts";\n',
      "test/ffi/libc_test.ts": 'import { libc } from "../../ffi/libc.ts";\n',
      "src/plain.ts": '\nimport { libc } from "../ffi/libc.ts";\n',
      "src/deep/typed.ts": 'import type { Libc } from "../../ffi/libc.ts";\n',
      "src/passes.ts": 'export { libc as c } from "../ffi/libc.ts";\n',
      "src/lazy.ts": 'type L = typeof import("../ffi/libc.ts");\n',
      "src/fine.ts": 'import { socket } from "../ffi/socket.ts";\n',
      "src/trap.ts":
        '// import "../ffi/libc.ts"\nconst s = `import "../ffi/libc.ts"`;\n',
    }, "libc"),
    [
      "src/deep/typed.ts:1 imports ffi/libc.ts (src uses ffi's wrappers)",
      "src/lazy.ts:1 imports ffi/libc.ts (src uses ffi's wrappers)",
      "src/passes.ts:1 imports ffi/libc.ts (src uses ffi's wrappers)",
      "src/plain.ts:2 imports ffi/libc.ts (src uses ffi's wrappers)",
    ],
  );
});

// ---- sizes ----

const REASON =
  "/**\n * Sockets.\n *\n * Over 500 lines: one table of every symbol.\n * @module\n */\n";

Deno.test("sizes: over 500 lines needs a reason in the header comment", () => {
  assert.deepEqual(
    check({
      "src/fits.ts": sized(500),
      "src/long.ts": sized(501),
      "src/reasoned.ts": sized(899, REASON),
      "test/huge_test.ts": sized(5000),
    }, "sizes"),
    [
      'src/long.ts: 501 lines, over 500 with no "Over 500 lines:" reason in its header comment',
    ],
  );
});

Deno.test("sizes: a reason allows under 900 lines only", () => {
  assert.deepEqual(check({ "ffi/big.ts": sized(900, REASON) }, "sizes"), [
    "ffi/big.ts: 900 lines; a reason allows at most 899",
  ]);
});

Deno.test("sizes: only a sentence starting 'Over 500 lines:', with a reason, in the first JSDoc block", () => {
  const cases = {
    "src/mid_sentence.ts": "/** This is not Over 500 lines: really. */\n",
    "src/no_reason.ts": "/** Parses. Over 500 lines:   */\n",
    "src/tag_only.ts": "/**\n * Parses. Over 500 lines:\n * @module\n */\n",
    "src/second_block.ts": "/** Parses. */\n/** Over 500 lines: tables. */\n",
    "src/in_string.ts": 'const s = "/** Over 500 lines: tables. */";\n',
    "src/line_comment.ts": "// Over 500 lines: tables.\n",
    "src/after_sentence.ts": "/** Parses. Over 500 lines: tables. */\n",
    "src/wrapped.ts":
      "/**\n * Parses.\n * Over 500 lines:\n * one table.\n */\n",
  };
  const files = Object.fromEntries(
    Object.entries(cases).map(([path, header]) => [path, sized(600, header)]),
  );
  assert.deepEqual(
    check(files, "sizes").map((m) => m.split(":")[0]),
    [
      "src/in_string.ts",
      "src/line_comment.ts",
      "src/mid_sentence.ts",
      "src/no_reason.ts",
      "src/second_block.ts",
      "src/tag_only.ts",
    ],
  );
});

Deno.test("sizes: at most three files may give a reason", () => {
  const three = {
    "src/a.ts": sized(600, REASON),
    "src/b.ts": sized(700, REASON),
    "main.ts": sized(800, REASON),
    "src/small.ts": sized(100, REASON),
  };
  assert.deepEqual(check(three, "sizes"), []);
  assert.deepEqual(
    check({ ...three, "scripts/d.ts": sized(501, REASON) }, "sizes"),
    [
      "4 files over 500 lines give a reason, at most 3 may: " +
      "main.ts (800), scripts/d.ts (501), src/a.ts (600), src/b.ts (700)",
    ],
  );
});

// ---- surfaces ----

// src/lib/ is a surface; what its mod.ts exports, and how others use it.
const LIB = {
  "src/lib/mod.ts": [
    "/** The lib. @module */",
    'export { alpha, beta } from "./inner.ts";',
    'export { gamma as renamed } from "./inner.ts";',
    'export * from "./more.ts";',
    'export type { Shape } from "./inner.ts";',
    "export default 1;",
    "export const local = 2;",
  ].join("\n"),
  "src/lib/inner.ts":
    "export const alpha = 1, beta = 2, gamma = 3;\nexport type Shape = 1;\n",
  "src/lib/more.ts":
    "export const delta = 4;\nexport function epsilon(): void {}\n" +
    "export default 5;\n",
  "src/lib/user.ts":
    'import type { Shape } from "./mod.ts";\nimport { beta } from "./inner.ts";\n',
};

Deno.test("surfaces: every name mod.ts exports is imported from outside its folder", () => {
  assert.deepEqual(
    check({
      ...LIB,
      "main.ts": 'import lib, { renamed } from "./src/lib/mod.ts";\n',
      "src/app.ts": 'export { alpha as first } from "./lib/mod.ts";\n',
      "scripts/tool.ts":
        'import * as lib from "../src/lib/mod.ts";\nlib.delta();\n',
      "test/lib_test.ts":
        'import { beta, epsilon, local } from "../src/lib/mod.ts";\n',
    }, "surfaces"),
    [
      "src/lib/mod.ts:2 exports beta, imported by no file outside src/lib/",
      "src/lib/mod.ts:4 exports epsilon, imported by no file outside src/lib/",
      "src/lib/mod.ts:5 exports Shape, imported by no file outside src/lib/",
      "src/lib/mod.ts:7 exports local, imported by no file outside src/lib/",
    ],
  );
});

Deno.test("surfaces: export * is followed through chains, without default", () => {
  assert.deepEqual(
    check({
      "src/lib/mod.ts":
        'export * from "./a.ts";\nexport { b as own } from "./b.ts";\n',
      "src/lib/a.ts":
        'export * from "./b.ts";\nexport default 1;\nexport const a = 1;\n',
      "src/lib/b.ts": "export const b = 1, c = 2;\nexport default 2;\n",
      "main.ts": 'import { a, own } from "./src/lib/mod.ts";\n',
    }, "surfaces"),
    [
      "src/lib/mod.ts:1 exports b, imported by no file outside src/lib/",
      "src/lib/mod.ts:1 exports c, imported by no file outside src/lib/",
    ],
  );
});

Deno.test("surfaces: a namespace passed on, or export * of mod.ts, uses every name", () => {
  assert.deepEqual(
    check({
      ...LIB,
      "src/app.ts": 'import * as lib from "./lib/mod.ts";\nuse(lib);\n',
    }, "surfaces"),
    [],
  );
  assert.deepEqual(
    check(
      { ...LIB, "src/app.ts": 'export * from "./lib/mod.ts";\n' },
      "surfaces",
    ),
    [],
  );
});

Deno.test("surfaces: names used through import() count", () => {
  const found = check({
    ...LIB,
    "main.ts": [
      'const { alpha, beta: b } = await import("./src/lib/mod.ts");',
      'const r = (await import("./src/lib/mod.ts")).renamed;',
      'let s: import("./src/lib/mod.ts").Shape;',
      'const m = await import("./src/lib/mod.ts");',
      "m.delta(m.epsilon, m.local, m.default);",
    ].join("\n"),
  }, "surfaces");
  assert.deepEqual(found, []);
});

Deno.test("surfaces: outside files go through mod.ts; inside and test files may not", () => {
  assert.deepEqual(
    check({
      "src/lib/mod.ts": 'export { alpha } from "./inner.ts";\n',
      "src/lib/inner.ts": "export const alpha = 1;\n",
      "src/lib/deeper/x.ts": 'import { alpha } from "../inner.ts";\n',
      "main.ts": 'import { alpha } from "./src/lib/mod.ts";\n' +
        'import type { alpha as A } from "./src/lib/inner.ts";\n',
      "src/app.ts": '\n\nexport {\n  alpha,\n} from "./lib/inner.ts";\n',
      "scripts/tool.ts":
        'const { alpha } = await import("../src/lib/inner.ts");\n',
      "ffi/raw.ts": 'import "../src/lib/inner.ts";\n',
      "test/lib/inner_test.ts":
        'import { alpha } from "../../src/lib/inner.ts";\n',
      "src/cli/run.ts": 'import "./args.ts";\n',
      "src/daemon/x.ts": 'import "../cli/args.ts";\n',
    }, "surfaces"),
    [
      "ffi/raw.ts:1 imports src/lib/inner.ts from outside src/lib/ (through src/lib/mod.ts only)",
      "main.ts:2 imports src/lib/inner.ts from outside src/lib/ (through src/lib/mod.ts only)",
      "scripts/tool.ts:1 imports src/lib/inner.ts from outside src/lib/ (through src/lib/mod.ts only)",
      "src/app.ts:3 imports src/lib/inner.ts from outside src/lib/ (through src/lib/mod.ts only)",
    ],
  );
});

Deno.test("surfaces: a sub-folder with a mod.ts is a folder of its own", () => {
  assert.deepEqual(
    check({
      "src/import/mod.ts": 'export { run } from "./run.ts";\n',
      "src/import/run.ts": 'import { parse } from "./keepalived/mod.ts";\n' +
        'import { lex } from "./keepalived/lexer.ts";\nexport const run = 1;\n',
      "src/import/keepalived/mod.ts": 'export { parse } from "./parser.ts";\n',
      "src/import/keepalived/parser.ts": 'import { lex } from "./lexer.ts";\n' +
        'import { run } from "../run.ts";\nexport const parse = 1;\n',
      "src/import/keepalived/lexer.ts": "export const lex = 1;\n",
      "main.ts": 'import { run } from "./src/import/mod.ts";\n',
    }, "surfaces"),
    [
      "src/import/keepalived/parser.ts:2 imports src/import/run.ts from outside src/import/ (through src/import/mod.ts only)",
      "src/import/run.ts:2 imports src/import/keepalived/lexer.ts from outside src/import/keepalived/ (through src/import/keepalived/mod.ts only)",
    ],
  );
});

Deno.test("surfaces: ffi/ once it has a mod.ts; folders without one are free", () => {
  assert.deepEqual(
    check({
      "ffi/mod.ts": 'export { open } from "./socket.ts";\n',
      "ffi/socket.ts": "export const open = 1;\n",
      "src/net/a.ts": 'import { open } from "../../ffi/socket.ts";\n',
      "src/net/b.ts":
        'import { open } from "../../ffi/mod.ts";\nimport "./a.ts";\n',
      "src/c.ts": 'import "./net/a.ts";\n',
    }, "surfaces"),
    ["src/net/a.ts:1 imports ffi/socket.ts from outside ffi/ (through ffi/mod.ts only)"],
  );
});

// ---- report and command line ----

const BAD_TREE = new Map(Object.entries({
  "src/a.ts": 'import "./b.ts";\nimport "../ffi/libc.ts";\n',
  "src/b.ts": 'import "./a.ts";\n',
  "ffi/libc.ts": "",
}));

Deno.test("report: findings grouped by rule, then the count; --only runs a subset", () => {
  assert.equal(
    formatReport(checkStructure(BAD_TREE)),
    [
      "cycles (1):",
      "  src/a.ts -> src/b.ts -> src/a.ts (src/a.ts:1, src/b.ts:1)",
      "libc (1):",
      "  src/a.ts:2 imports ffi/libc.ts (src uses ffi's wrappers)",
      "sizes (0):",
      "surfaces (0):",
      "structure: 2 findings",
      "",
    ].join("\n"),
  );
  assert.deepEqual(main(["--only", "sizes,surfaces"], () => BAD_TREE), {
    code: 0,
    stdout: "sizes (0):\nsurfaces (0):\nstructure: 0 findings\n",
    stderr: "",
  });
  const libc = main(["--only=libc", "--root", "/elsewhere"], (root) => {
    assert.equal(root, "/elsewhere");
    return BAD_TREE;
  });
  assert.equal(libc.code, 1);
  assert.match(libc.stdout, /^libc \(1\):\n.*\nstructure: 1 findings\n$/);
});

Deno.test("command line: bad arguments are exit code 2 with the reason", () => {
  for (const args of [["--only", "nope"], ["--only"], ["--only="], ["-x"]]) {
    assert.equal(typeof parseArgs(args), "string", args.join(" "));
    const run = main(args, () => BAD_TREE);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^structure\.ts: .*\nusage: /);
  }
  assert.deepEqual(parseArgs([]), {
    rules: ["cycles", "libc", "sizes", "surfaces"],
    root: undefined,
  });
});

// A loose bound on a shared machine: the check must stay cheap enough to
// run in every test pass, not win a race.
Deno.test("the real tree is read and checked in a few seconds at most", () => {
  const root = new URL("../..", import.meta.url).pathname;
  const started = performance.now();
  const files = readSources(decodeURIComponent(root));
  const findings = checkStructure(files);
  const ms = performance.now() - started;
  assert.ok(files.has("main.ts") && files.size > 50, `${files.size} files`);
  assert.ok([...files.keys()].every((p) => !p.startsWith("test/")));
  assert.ok(ms < 10_000, `${ms.toFixed(0)} ms for ${files.size} files`);
  assert.ok(findings.every((f) => f.message.length > 0));
});
