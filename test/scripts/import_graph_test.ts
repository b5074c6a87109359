import assert from "node:assert/strict";
import {
  type ImportRecord,
  parseModule,
  resolveSpecifier,
  tokenize,
} from "../../scripts/lib/import_graph.ts";

function imports(source: string): ImportRecord[] {
  return parseModule(source).imports;
}

function specifiers(source: string): string[] {
  return imports(source).map((r) => r.specifier);
}

Deno.test("import: named, default, default with named, namespace, side effect", () => {
  const source = [
    'import { a, b as c } from "./one.ts";',
    'import d from "./two.ts";',
    'import e, { f } from "./three.ts";',
    'import * as ns from "./four.ts";',
    'import "./five.ts";',
    "ns.g(ns.h);",
  ].join("\n");
  assert.deepEqual(imports(source), [
    { specifier: "./one.ts", line: 1, kind: "value", names: ["a", "b"] },
    { specifier: "./two.ts", line: 2, kind: "value", names: ["default"] },
    {
      specifier: "./three.ts",
      line: 3,
      kind: "value",
      names: ["default", "f"],
    },
    { specifier: "./four.ts", line: 4, kind: "value", names: ["g", "h"] },
    { specifier: "./five.ts", line: 5, kind: "value", names: [] },
  ]);
});

Deno.test("import: a namespace used other than as ns.name may use any name", () => {
  const source = 'import * as ns from "./x.ts";\nconsume(ns);\n';
  assert.equal(imports(source)[0]!.names, "*");
});

Deno.test("import: multi-line statements, with the line of the keyword", () => {
  const source = [
    "// header",
    "import {",
    "  one,",
    "  type Two,",
    "  three as four,",
    "} from",
    '  "../lib/mod.ts";',
    "",
    "export {",
    "  five as six,",
    '} from "../lib/mod.ts";',
  ].join("\n");
  assert.deepEqual(imports(source), [
    {
      specifier: "../lib/mod.ts",
      line: 2,
      kind: "value",
      names: ["one", "Two", "three"],
    },
    { specifier: "../lib/mod.ts", line: 9, kind: "value", names: ["five"] },
  ]);
  assert.deepEqual(parseModule(source).exports, [{ name: "six", line: 10 }]);
});

Deno.test("import type, type-only specifiers, export type ... from are type imports", () => {
  const source = [
    'import type { A } from "./a.ts";',
    'import type B from "./b.ts";',
    'import type * as C from "./c.ts";',
    'import { type D, type E } from "./d.ts";',
    'import { type F, g } from "./f.ts";',
    'export type { H } from "./h.ts";',
    'export { type I } from "./i.ts";',
    'export type * from "./j.ts";',
  ].join("\n");
  assert.deepEqual(
    imports(source).map((r) => [r.specifier, r.kind]),
    [
      ["./a.ts", "type"],
      ["./b.ts", "type"],
      ["./c.ts", "type"],
      ["./d.ts", "type"],
      ["./f.ts", "value"],
      ["./h.ts", "type"],
      ["./i.ts", "type"],
      ["./j.ts", "type"],
    ],
  );
});

Deno.test("import: `type` as a name, not a modifier", () => {
  const source = [
    'import type from "./a.ts";',
    'import { type } from "./b.ts";',
    'import { type as kind } from "./c.ts";',
    'import { type as as kind } from "./d.ts";',
  ].join("\n");
  assert.deepEqual(
    imports(source).map((r) => [r.kind, r.names]),
    [
      ["value", ["default"]],
      ["value", ["type"]],
      ["value", ["type"]],
      ["type", ["as"]],
    ],
  );
});

Deno.test("export: *, * as, { a as b } from, local lists and declarations", () => {
  const source = [
    'export * from "./all.ts";',
    'export * as space from "./space.ts";',
    'export { a as b, c } from "./some.ts";',
    "const d = 1, e = 2;",
    "export { d, e as f };",
    "export function g(): void {}",
    "export async function h(): Promise<void> {}",
    "export function* i(): Generator<number> {}",
    "export class J {}",
    "export abstract class K {}",
    "export const L = 1;",
    "export let m = 1;",
    "export interface N {}",
    "export type O = string;",
    "export enum P {}",
    "export const enum Q {}",
    "export declare const R: number;",
    "export const S = 1, T: Map<string, number> = new Map(), U = f(1, 2);",
    "export let V, W: string;",
    "export const X = { a: 1, b: 2 }, Y = [1, 2];",
    "export default 42;",
  ].join("\n");
  const info = parseModule(source);
  assert.deepEqual(info.starExports, [{ specifier: "./all.ts", line: 1 }]);
  assert.deepEqual(
    info.exports.map((e) => e.name),
    "space b c d f g h i J K L m N O P Q R S T U V W X Y default".split(" "),
  );
  assert.deepEqual(
    info.imports.map((r) => [r.specifier, r.names]),
    [["./all.ts", "*"], ["./space.ts", "*"], ["./some.ts", ["a", "c"]]],
  );
});

Deno.test("import(): in types, awaited, destructured, and its names", () => {
  const source = [
    'type T = import("./t.ts").Thing;',
    'let u: typeof import("./u.ts");',
    'const { run, stop: halt } = await import("./v.ts");',
    'const loaded = (await import("./w.ts")).load;',
    'const mod = await import("./x.ts");',
    "mod.go();",
    'import("./y.ts").then((m) => m.z());',
    "const name = './nope.ts';",
    "await import(name);",
  ].join("\n");
  assert.deepEqual(
    imports(source).map((r) => [r.specifier, r.line, r.kind, r.names]),
    [
      ["./t.ts", 1, "type", ["Thing"]],
      ["./u.ts", 2, "type", "*"],
      ["./v.ts", 3, "dynamic", ["run", "stop"]],
      ["./w.ts", 4, "dynamic", ["load"]],
      ["./x.ts", 5, "dynamic", ["go"]],
      ["./y.ts", 7, "dynamic", "*"],
    ],
  );
});

Deno.test("comments, strings, templates and regular expressions hide import-looking text", () => {
  const source = [
    "#!/usr/bin/env -S deno run",
    "/**",
    " * @example",
    " * ```ts",
    ' * import { x } from "./comment.ts";',
    " * ```",
    " */",
    '// import "./line_comment.ts";',
    "const s = 'import { y } from \"./single.ts\"';",
    "const d = \"export * from './double.ts'\";",
    "const t = `",
    'import { z } from "./template.ts";',
    '${`nested ${"}"} import "./nested.ts"`} export * from "./after.ts"',
    '${f({ k: { j: 1 } })} import "./braces.ts"',
    '${ {a: 1}.a + "`" } import "./quoted.ts"',
    "`;",
    'const r = /import "\\.\\/regex.ts"[/"]/g;',
    "const q = a / b / c; // division, not a regular expression",
    "const o = { import: 1, export: 2 }; o.import; o.export;",
    'loader.import("./method.ts"); loader?.import("./optional.ts");',
    'const e = "escaped \\" import \\"./esc.ts\\" ";',
    'import { real } from "./real.ts";',
  ].join("\n");
  assert.deepEqual(imports(source), [
    { specifier: "./real.ts", line: 22, kind: "value", names: ["real"] },
  ]);
});

Deno.test("tokenize: lines through multi-line comments, strings and templates", () => {
  const source = "/* a\nb */ x\n`c\nd${e\n}f\n` y 'g\\\nh' z";
  const lexed = tokenize(source);
  assert.deepEqual(
    lexed.tokens.map((t) => `${t.kind}:${t.line}`),
    [
      "name:2",
      "template:3",
      "name:4",
      "template:5",
      "name:6",
      "string:6",
      "name:7",
    ],
  );
});

Deno.test("tokenize: the first JSDoc block, not a plain block comment nor a string", () => {
  assert.equal(
    tokenize("/* plain */\n/** doc */\n/** second */").firstDoc,
    "/** doc */",
  );
  assert.equal(
    tokenize('const a = "/** not a comment */";').firstDoc,
    undefined,
  );
  assert.equal(tokenize("/**/ x").firstDoc, undefined);
});

Deno.test("tokenize: an unterminated string ends at its line", () => {
  const lexed = tokenize("'open\nx");
  assert.deepEqual(lexed.tokens.map((t) => [t.kind, t.text, t.line]), [
    ["string", "open", 1],
    ["name", "x", 2],
  ]);
});

Deno.test("tokenize: a slash after a value divides; after an operator it opens a regex", () => {
  const kinds = (s: string): string[] => tokenize(s).tokens.map((t) => t.kind);
  assert.deepEqual(kinds("a / b"), ["name", "punct", "name"]);
  assert.deepEqual(kinds("a[0] / b / c").slice(4), [
    "punct",
    "name",
    "punct",
    "name",
  ]);
  assert.deepEqual(kinds("(a) / b / c").slice(3), [
    "punct",
    "name",
    "punct",
    "name",
  ]);
  assert.deepEqual(kinds("(a) / b"), [
    "punct",
    "name",
    "punct",
    "punct",
    "name",
  ]);
  assert.deepEqual(kinds("x = /'/"), ["name", "punct", "regex"]);
  assert.deepEqual(kinds("return /[/]'/.test(s)"), [
    "name",
    "regex",
    "punct",
    "name",
    "punct",
    "name",
    "punct",
  ]);
  assert.deepEqual(kinds("`a` / b / c").slice(1), [
    "punct",
    "name",
    "punct",
    "name",
  ]);
  assert.deepEqual(kinds("`${/}/}`"), ["template", "regex", "template"]);
  // No closing slash on the line: not a regular expression after all.
  assert.deepEqual(kinds("x = a\n/ b"), [
    "name",
    "punct",
    "name",
    "punct",
    "name",
  ]);
});

Deno.test("npm:, node:, jsr:, URLs and bare names are not resolved", () => {
  const source = [
    'import { z } from "npm:zod@4";',
    'import { a } from "node:assert";',
    'import { b } from "jsr:@std/path";',
    'import { c } from "https://example.com/c.ts";',
    'import { d } from "fast-check";',
  ].join("\n");
  for (const specifier of specifiers(source)) {
    assert.equal(resolveSpecifier("src/x.ts", specifier), undefined);
  }
  assert.equal(specifiers(source).length, 5);
});

Deno.test("resolveSpecifier: against the importing file's folder", () => {
  assert.equal(resolveSpecifier("src/a/b.ts", "./c.ts"), "src/a/c.ts");
  assert.equal(
    resolveSpecifier("src/a/b.ts", "../../ffi/libc.ts"),
    "ffi/libc.ts",
  );
  assert.equal(resolveSpecifier("main.ts", "./src/./x/../y.ts"), "src/y.ts");
  assert.equal(resolveSpecifier("main.ts", "../outside.ts"), undefined);
  assert.equal(resolveSpecifier("src/a.ts", "./b.ts?v=1"), "src/b.ts");
});
