import assert from "node:assert/strict";
import { checkStructure, main } from "../../scripts/lib/structure.ts";
import { reachTypes } from "../../scripts/lib/surfaces.ts";
import type { DocRefs } from "../../scripts/lib/doc_refs.ts";

// src/lib/ is a surface: a function, the types its signature needs (one
// through another), a class used only as a type, a value used only through
// `typeof`, and names nothing outside needs.
const LIB = {
  "src/lib/mod.ts": [
    "/** The lib. @module */",
    'export { run, type Options, type Port } from "./run.ts";',
    'export { Peer, LIMITS } from "./peer.ts";',
    'export { type Unrelated, type Lonely, helper } from "./other.ts";',
  ].join("\n"),
  "main.ts": 'import { run } from "./src/lib/mod.ts";\n',
};

// What `deno doc --json src/lib/mod.ts` would say the exports refer to.
const REFS: DocRefs = new Map([[
  "src/lib/mod.ts",
  new Map<string, string[]>([
    ["run", ["Options", "Promise"]],
    ["Options", ["Port", "Peer"]],
    ["Port", ["LIMITS", "Uint8Array"]],
    ["Peer", ["Options"]],
    ["LIMITS", []],
    ["Unrelated", ["Lonely"]],
    ["Lonely", []],
    ["helper", ["Lonely"]],
  ]),
]]);

function surfaces(
  files: Record<string, string>,
  refs: DocRefs = REFS,
): string[] {
  return checkStructure(new Map(Object.entries(files)), ["surfaces"], refs)
    .map((f) => f.message);
}

Deno.test("surfaces: names a used export's declared types refer to count as used, transitively", () => {
  assert.deepEqual(surfaces(LIB), [
    "src/lib/mod.ts:4 exports Unrelated, imported by no file outside src/lib/",
    "src/lib/mod.ts:4 exports Lonely, imported by no file outside src/lib/",
    "src/lib/mod.ts:4 exports helper, imported by no file outside src/lib/",
  ]);
  // Without the types, only imports count (the rule as it was).
  assert.deepEqual(surfaces(LIB, new Map()).length, 7);
});

Deno.test("surfaces: reach starts from names used outside only, not from inside or tests", () => {
  assert.deepEqual(
    surfaces({
      ...LIB,
      "src/lib/inner.ts": 'import { helper } from "./mod.ts";\n',
      "test/lib_test.ts": 'import { Unrelated } from "../src/lib/mod.ts";\n',
    }),
    surfaces(LIB),
  );
  // Once helper is used from outside, Lonely (in its type) is too.
  assert.deepEqual(
    surfaces({
      ...LIB,
      "src/app.ts": 'import { helper } from "./lib/mod.ts";',
    }),
    ["src/lib/mod.ts:4 exports Unrelated, imported by no file outside src/lib/"],
  );
});

Deno.test("surfaces: types of another mod.ts, or names the mod does not export, do not count", () => {
  // run's types refer to Shared, which src/lib/mod.ts does not export.
  const files = {
    ...LIB,
    "src/other/mod.ts": 'export type { Shared } from "./t.ts";\n',
  };
  const refs: DocRefs = new Map([
    [
      "src/lib/mod.ts",
      new Map([...REFS.get("src/lib/mod.ts")!, ["run", ["Options", "Shared"]]]),
    ],
    ["src/other/mod.ts", new Map([["Shared", []]])],
  ]);
  assert.deepEqual(surfaces(files, refs), [
    ...surfaces(LIB),
    "src/other/mod.ts:1 exports Shared, imported by no file outside src/other/",
  ]);
});

Deno.test("reachTypes: follows references among the exported names only, through cycles", () => {
  const refs = new Map([
    ["a", ["b", "outside"]],
    ["b", ["c", "a"]],
    ["c", ["b"]],
    ["d", ["e"]],
  ]);
  const exported = new Set(["a", "b", "c", "d", "e"]);
  assert.deepEqual(
    [...reachTypes(new Set(["a"]), exported, refs)].sort(),
    ["a", "b", "c"],
  );
  assert.deepEqual([...reachTypes(new Set(["x"]), exported, undefined)], [
    "x",
  ]);
});

Deno.test("command line: surfaces reads each mod.ts's types; other rules do not", () => {
  const tree = new Map(Object.entries(LIB));
  const asked: string[][] = [];
  const docs = (root: string, mods: readonly string[]): DocRefs => {
    assert.equal(root, "/r");
    asked.push([...mods]);
    return REFS;
  };
  const run = main(["--root", "/r", "--only", "surfaces"], () => tree, docs);
  assert.deepEqual(asked, [["src/lib/mod.ts"]]);
  assert.equal(run.code, 1);
  assert.match(run.stdout, /^surfaces \(3\):\n/);
  assert.deepEqual(
    main(["--root", "/r", "--only", "cycles,libc,sizes"], () => tree, docs)
      .code,
    0,
  );
  assert.equal(asked.length, 1);
});

Deno.test("command line: no types for surfaces is exit code 3 with the reason, never a pass", () => {
  const tree = new Map(Object.entries(LIB));
  for (const rules of [[], ["--only", "surfaces"]]) {
    const run = main(["--root", "/r", ...rules], () => tree, () => {
      throw new Error('cannot run "deno doc --json src/lib/mod.ts": gone');
    });
    assert.deepEqual(run, {
      code: 3,
      stdout: "",
      stderr: "structure.ts: surfaces needs the types of each mod.ts from " +
        '"deno doc --json", and cannot have them: ' +
        'cannot run "deno doc --json src/lib/mod.ts": gone\n',
    });
  }
});
