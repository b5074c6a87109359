/**
 * What `deno doc --lint` asks a `mod.ts` to export besides what it is
 * imported for: for each name the module exports, the names its
 * declaration refers to in types, read from `deno doc --json`. A type
 * reference (`typeRef`, by its `typeName`), a `typeof x` query and a
 * class's superclass count; private class members do not, as the lint
 * leaves them out. A qualified name (`Ns.Inner`) counts as its first part.
 *
 * `exportRefs` reads one module's JSON (pure); `readDocRefs` runs
 * `deno doc --json` for each `mod.ts` (needs `--allow-run`) and throws,
 * naming the module, when it cannot. The structure check's `surfaces` rule
 * follows these names from a folder's used exports (`surfaces.ts`).
 * @module
 */

/** For each name one module exports, the names its declared types refer to. */
export type ExportRefs = ReadonlyMap<string, readonly string[]>;

/** `ExportRefs` by module path (relative to the root, with "/"). */
export type DocRefs = ReadonlyMap<string, ExportRefs>;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function head(name: string): string {
  return name.split(".")[0]!;
}

/**
 * The names a node of `deno doc --json` refers to in types, added to
 * `into`: every `typeRef`'s `typeName`, every `typeQuery`, every string
 * `extends`, skipping members whose `accessibility` is `"private"` and the
 * `jsDoc` and `location` of each node.
 */
export function typeNames(
  node: unknown,
  into = new Set<string>(),
): Set<string> {
  if (Array.isArray(node)) {
    for (const item of node) typeNames(item, into);
    return into;
  }
  if (!isRecord(node) || node.accessibility === "private") return into;
  const value = node.value;
  if (node.kind === "typeRef" && isRecord(value)) {
    if (typeof value.typeName === "string") into.add(head(value.typeName));
  } else if (node.kind === "typeQuery" && typeof value === "string") {
    into.add(head(value));
  }
  if (typeof node.extends === "string") into.add(head(node.extends));
  for (const [key, inner] of Object.entries(node)) {
    if (key !== "jsDoc" && key !== "location") typeNames(inner, into);
  }
  return into;
}

/**
 * Reads the output of `deno doc --json <module>`: for each name the module
 * exports, the sorted names its declarations refer to in types. Throws
 * when `doc` is not that output.
 */
export function exportRefs(doc: unknown): Map<string, string[]> {
  const nodes = isRecord(doc) ? doc.nodes : undefined;
  if (!isRecord(nodes)) {
    throw new Error('not "deno doc --json" output: no "nodes" object');
  }
  const refs = new Map<string, Set<string>>();
  for (const node of Object.values(nodes)) {
    const symbols = isRecord(node) ? node.symbols : undefined;
    if (!Array.isArray(symbols)) {
      throw new Error('not "deno doc --json" output: a node has no symbols');
    }
    for (const symbol of symbols) {
      if (!isRecord(symbol) || typeof symbol.name !== "string") {
        throw new Error('not "deno doc --json" output: a symbol has no name');
      }
      const names = refs.get(symbol.name) ?? new Set<string>();
      refs.set(symbol.name, typeNames(symbol.declarations, names));
    }
  }
  return new Map([...refs].map(([name, set]) => [name, [...set].sort()]));
}

/**
 * Runs `<deno> doc --json` in `root` for each of `mods` (paths relative to
 * `root`) and reads what their exports refer to. Throws, naming the
 * module, when the command cannot run, fails, or prints something else.
 */
export function readDocRefs(
  root: string,
  mods: readonly string[],
  deno: string = Deno.execPath(),
): DocRefs {
  const refs = new Map<string, ExportRefs>();
  for (const mod of mods) {
    const command = `${deno} doc --json ${mod}`;
    let output: Deno.CommandOutput;
    try {
      output = new Deno.Command(deno, {
        args: ["doc", "--json", mod],
        cwd: root,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).outputSync();
    } catch (e) {
      throw new Error(`cannot run "${command}": ${(e as Error).message}`);
    }
    if (!output.success) {
      const said = new TextDecoder().decode(output.stderr).trim()
        .split("\n").slice(0, 5).join("\n");
      throw new Error(`"${command}" exited ${output.code}: ${said}`);
    }
    try {
      refs.set(
        mod,
        exportRefs(JSON.parse(new TextDecoder().decode(output.stdout))),
      );
    } catch (e) {
      throw new Error(`"${command}": ${(e as Error).message}`);
    }
  }
  return refs;
}
