/**
 * The tree the structure check reads (`structure.ts`), as data: which files
 * it reads, what each imports and exports, and every import's target
 * resolved to a path. Pure: built from the files' contents only.
 * @module
 */

import {
  type ImportRecord,
  type ModuleInfo,
  parseModule,
  resolveSpecifier,
} from "./import_graph.ts";

/** Whether the check reads `path`: `main.ts` and `.ts` files under src/, ffi/, scripts/. */
export function isChecked(path: string): boolean {
  return path === "main.ts" ||
    /^(?:src|ffi|scripts)\/.+\.ts$/.test(path);
}

/** One import of one checked file, its target resolved. */
export interface Edge extends ImportRecord {
  /** The importing file. */
  from: string;
  /** The imported file, relative to the root. */
  to: string;
}

/** The checked files, each read once. */
export interface Tree {
  /** Path to contents, sorted by path. */
  files: ReadonlyMap<string, string>;
  /** Path to what the file imports and exports. */
  modules: ReadonlyMap<string, ModuleInfo>;
  /** Every relative import of every file. */
  edges: readonly Edge[];
}

/** Reads the checked files of `all` (paths relative to the root, with "/"). */
export function readTree(all: ReadonlyMap<string, string>): Tree {
  const files = new Map([...all].filter(([p]) => isChecked(p)).sort());
  const modules = new Map<string, ModuleInfo>();
  const edges: Edge[] = [];
  for (const [path, text] of files) {
    const info = parseModule(text);
    modules.set(path, info);
    for (const record of info.imports) {
      const to = resolveSpecifier(path, record.specifier);
      if (to !== undefined) edges.push({ ...record, from: path, to });
    }
  }
  return { files, modules, edges };
}
