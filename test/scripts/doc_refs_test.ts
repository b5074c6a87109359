import assert from "node:assert/strict";
import {
  exportRefs,
  readDocRefs,
  typeNames,
} from "../../scripts/lib/doc_refs.ts";
import { main } from "../../scripts/lib/structure.ts";

// Shapes as `deno doc --json` (version 2) prints them.
const typeRef = (typeName: string, typeParams: unknown[] = []): unknown => ({
  repr: typeName,
  kind: "typeRef",
  value: { typeParams, typeName, resolution: { kind: "local" } },
});

Deno.test("typeNames: type references, typeof queries and superclasses; not private members or docs", () => {
  const node = {
    kind: "class",
    jsDoc: { doc: "{@link Doc}", tags: [{ kind: "see", doc: "Doc" }] },
    location: { filename: "file:///x.ts", line: 1 },
    def: {
      extends: "Base",
      implements: [typeRef("Shape")],
      properties: [
        {
          name: "a",
          tsType: typeRef("Map", [typeRef("Key"), typeRef("Ns.Inner")]),
        },
        { name: "b", accessibility: "private", tsType: typeRef("Hidden") },
        { name: "c", accessibility: "protected", tsType: typeRef("Guarded") },
        {
          name: "d",
          tsType: {
            kind: "indexedAccess",
            value: {
              objType: { kind: "typeQuery", value: "REASONS" },
              indexType: { kind: "keyword", value: "number" },
            },
          },
        },
      ],
    },
  };
  assert.deepEqual([...typeNames(node)].sort(), [
    "Base",
    "Guarded",
    "Key",
    "Map",
    "Ns",
    "REASONS",
    "Shape",
  ]);
});

Deno.test("exportRefs: each exported name to the sorted names its declarations refer to", () => {
  const doc = {
    version: 2,
    nodes: {
      "file:///r/src/lib/mod.ts": {
        module_doc: { doc: "The lib." },
        symbols: [
          {
            name: "run",
            declarations: [{
              kind: "function",
              def: {
                params: [{ kind: "identifier", tsType: typeRef("Options") }],
                returnType: typeRef("Promise", [typeRef("Result")]),
              },
            }],
          },
          { name: "VERSION", declarations: [{ kind: "variable", def: {} }] },
        ],
      },
    },
  };
  assert.deepEqual(
    exportRefs(doc),
    new Map([["run", ["Options", "Promise", "Result"]], ["VERSION", []]]),
  );
  for (
    const bad of [null, [], {}, { nodes: { m: {} } }, {
      nodes: { m: { symbols: [{}] } },
    }]
  ) {
    assert.throws(() => exportRefs(bad), /not "deno doc --json" output/);
  }
});

// A real tree for `deno doc --json`: src/lib/mod.ts exports a function, the
// types its signature needs, and a type nothing needs.
function fixture(): string {
  const root = Deno.makeTempDirSync({ prefix: "doc_refs_test_" });
  Deno.mkdirSync(`${root}/src/lib`, { recursive: true });
  Deno.writeTextFileSync(
    `${root}/src/lib/mod.ts`,
    "/** The lib. @module */\n" +
      'export { run, type Options, type Port, type Spare } from "./run.ts";\n',
  );
  Deno.writeTextFileSync(
    `${root}/src/lib/run.ts`,
    [
      "/** Where. */",
      "export interface Port { /** Number. */ n: number }",
      "/** How. */",
      "export interface Options { /** Port. */ port: Port }",
      "/** Unused. */",
      "export interface Spare { /** Flag. */ on: boolean }",
      "/** Runs. */",
      "export function run(options: Options): number { return options.port.n; }",
    ].join("\n") + "\n",
  );
  Deno.writeTextFileSync(
    `${root}/main.ts`,
    'import { run } from "./src/lib/mod.ts";\nrun({ port: { n: 1 } });\n',
  );
  return root;
}

Deno.test("readDocRefs: runs deno doc --json on each mod.ts; the check follows its types", () => {
  const root = fixture();
  try {
    assert.deepEqual(
      readDocRefs(root, ["src/lib/mod.ts"]),
      new Map([[
        "src/lib/mod.ts",
        new Map([
          ["run", ["Options"]],
          ["Options", ["Port"]],
          ["Port", []],
          ["Spare", []],
        ]),
      ]]),
    );
    assert.deepEqual(main(["--root", root, "--only", "surfaces"]), {
      code: 1,
      stdout: "surfaces (1):\n" +
        "  src/lib/mod.ts:2 exports Spare, imported by no file outside src/lib/\n" +
        "structure: 1 findings\n",
      stderr: "",
    });
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("readDocRefs: a deno that cannot run, or a failing deno doc, throws naming the module", () => {
  const root = fixture();
  try {
    assert.throws(
      () => readDocRefs(root, ["src/lib/mod.ts"], `${root}/no-deno`),
      /^Error: cannot run ".*\/no-deno doc --json src\/lib\/mod\.ts": /,
    );
    assert.throws(
      () => readDocRefs(root, ["src/gone/mod.ts"]),
      /^Error: ".* doc --json src\/gone\/mod\.ts" exited [1-9]/,
    );
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});
