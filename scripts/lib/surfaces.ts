/**
 * The structure check's `surfaces` rule (`structure.ts`): for each folder
 * under `src/` (or `ffi/`) with a `mod.ts`, every name `mod.ts` exports is
 * used from outside the folder, and nothing outside imports the folder's
 * other files. A sub-folder with a `mod.ts` of its own is a folder of its
 * own; tests are not read.
 *
 * A name is used when a file outside the folder imports it, or when a used
 * name's declaration refers to it in its types (`doc_refs.ts`), and so on:
 * what `deno doc --lint` asks the module to export with what it is
 * imported for. Pure: those references come in as data.
 * @module
 */

import { resolveSpecifier } from "./import_graph.ts";
import type { DocRefs, ExportRefs } from "./doc_refs.ts";
import type { Tree } from "./source_tree.ts";

/** Whether `dir` may be a surface when it has a mod.ts: a folder under src/, or ffi/. */
function surfaceCandidate(dir: string): boolean {
  return dir.startsWith("src/") || dir === "ffi" || dir.startsWith("ffi/");
}

/** The folders among `paths` that are surfaces: under src/ (or ffi/), with a mod.ts. */
export function surfaceDirs(paths: Iterable<string>): string[] {
  return [...paths]
    .filter((p) => p.endsWith("/mod.ts"))
    .map((p) => p.slice(0, -"/mod.ts".length))
    .filter(surfaceCandidate);
}

// The surface folder a path belongs to: the deepest with a mod.ts, or undefined.
function ownerOf(
  path: string,
  surfaces: readonly string[],
): string | undefined {
  let owner: string | undefined;
  for (const dir of surfaces) {
    if (
      path.startsWith(dir + "/") &&
      (owner === undefined || dir.length > owner.length)
    ) {
      owner = dir;
    }
  }
  return owner;
}

// What a module exports, `export *` followed: name to the line that exports it.
function exportedNames(
  tree: Tree,
  path: string,
  seen = new Set<string>(),
): Map<string, number> {
  const names = new Map<string, number>();
  const info = tree.modules.get(path);
  if (info === undefined || seen.has(path)) return names;
  seen.add(path);
  for (const { specifier, line } of info.starExports) {
    const target = resolveSpecifier(path, specifier);
    if (target === undefined) continue;
    for (const name of exportedNames(tree, target, seen).keys()) {
      if (name !== "default") names.set(name, line);
    }
  }
  for (const { name, line } of info.exports) names.set(name, line);
  return names;
}

/**
 * Adds to `used` every name of `exported` that a used name's declared
 * types refer to, transitively, by `refs`. Returns `used`.
 */
export function reachTypes(
  used: Set<string>,
  exported: ReadonlySet<string>,
  refs: ExportRefs | undefined,
): Set<string> {
  if (refs === undefined) return used;
  const queue = [...used];
  for (let name = queue.pop(); name !== undefined; name = queue.pop()) {
    for (const ref of refs.get(name) ?? []) {
      if (exported.has(ref) && !used.has(ref)) {
        used.add(ref);
        queue.push(ref);
      }
    }
  }
  return used;
}

/**
 * The `surfaces` findings of `tree`, one message each: unused exports of
 * each `mod.ts` (by line), then imports that reach past a `mod.ts`.
 * `refs` gives, per `mod.ts` path, what each export's types refer to; a
 * module it leaves out counts only the names imported from outside.
 */
export function checkSurfaces(tree: Tree, refs: DocRefs = new Map()): string[] {
  const surfaces = surfaceDirs(tree.files.keys());
  const messages: string[] = [];
  for (const dir of surfaces) {
    const mod = `${dir}/mod.ts`;
    const used = new Set<string>();
    let all = false;
    for (const e of tree.edges) {
      if (e.to !== mod || ownerOf(e.from, surfaces) === dir) continue;
      if (e.names === "*") all = true;
      else for (const name of e.names) used.add(name);
    }
    if (all) continue;
    const names = exportedNames(tree, mod);
    reachTypes(used, new Set(names.keys()), refs.get(mod));
    const exported = [...names].sort((x, y) => x[1] - y[1]);
    for (const [name, line] of exported) {
      if (used.has(name)) continue;
      messages.push(
        `${mod}:${line} exports ${name}, imported by no file outside ${dir}/`,
      );
    }
  }
  for (const e of tree.edges) {
    const owner = ownerOf(e.to, surfaces);
    if (owner === undefined || e.to === `${owner}/mod.ts`) continue;
    if (ownerOf(e.from, surfaces) === owner) continue;
    messages.push(
      `${e.from}:${e.line} imports ${e.to} from outside ${owner}/ ` +
        `(through ${owner}/mod.ts only)`,
    );
  }
  return messages;
}
