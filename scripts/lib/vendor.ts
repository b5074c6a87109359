/**
 * Copies the npm packages `main.ts` really imports (not the test-only ones)
 * from Deno's cache into `<dest>/vendor/` and writes `<dest>/deno.json`, an
 * import map onto them. The installed carpd then runs from plain local files:
 * no registry, no npm cache, no lock to resolve at run time.
 *
 *   deno run -A scripts/lib/vendor.ts DEST
 *
 * Run from the checkout with the checkout's DENO_DIR (scripts/install.sh
 * does). Fails naming the package when one cannot be vendored this way
 * (dependencies of its own, or a subpath import).
 * @module
 */

const ROOT = new URL("../../", import.meta.url).pathname;

interface InfoModule {
  kind: string;
  specifier: string;
  npmPackage?: string;
}

interface InfoPackage {
  name: string;
  version: string;
  dependencies: string[];
  localPath?: string;
}

interface Info {
  modules: InfoModule[];
  npmPackages: Record<string, InfoPackage>;
}

function fail(message: string): never {
  // deno-lint-ignore no-console
  console.error(`vendor.ts: ${message}`);
  Deno.exit(1);
}

/** The ESM entry point of a package, from its package.json. */
function entryPoint(pkg: Record<string, unknown>, name: string): string {
  const pick = (e: unknown): string | null => {
    if (typeof e === "string") return e;
    if (typeof e !== "object" || e === null) return null;
    const o = e as Record<string, unknown>;
    for (const key of ["deno", "import", "module", "default"]) {
      const found = pick(o[key]);
      if (found !== null) return found;
    }
    return null;
  };
  const exports = pkg.exports;
  const root = typeof exports === "object" && exports !== null &&
      "." in (exports as Record<string, unknown>)
    ? (exports as Record<string, unknown>)["."]
    : exports;
  const entry = pick(root) ??
    (typeof pkg.module === "string" ? pkg.module : null) ??
    (typeof pkg.main === "string" ? pkg.main : null);
  if (entry === null) fail(`package ${name} names no ES module entry point`);
  return entry.replace(/^\.\//, "");
}

async function main(dest: string): Promise<void> {
  const config = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`)) as {
    imports: Record<string, string>;
  };
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", "main.ts"],
    cwd: ROOT,
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!out.success) fail("deno info main.ts failed");
  const info = JSON.parse(new TextDecoder().decode(out.stdout)) as Info;
  const used = new Set<string>();
  for (const m of info.modules) {
    if (m.kind !== "npm") continue;
    const sub = /^npm:\/[^/]+@[^/]+\/(.+)$/.exec(m.specifier) ??
      /^npm:\/@[^/]+\/[^/]+@[^/]+\/(.+)$/.exec(m.specifier);
    if (sub) fail(`${m.specifier}: subpath imports are not vendored`);
    if (m.npmPackage !== undefined) used.add(m.npmPackage);
  }
  const imports: Record<string, string> = {};
  await Deno.mkdir(`${dest}/vendor`, { recursive: true });
  for (const [bare, target] of Object.entries(config.imports)) {
    const m = /^npm:(.+)$/.exec(target);
    if (m === null || !used.has(m[1]!)) continue; // test-only, or not npm
    const pkg = info.npmPackages[m[1]!];
    if (pkg?.localPath === undefined) fail(`${m[1]} is not in Deno's cache`);
    if (pkg.dependencies.length > 0) {
      fail(`${m[1]} depends on ${pkg.dependencies.join(", ")}; not vendored`);
    }
    const dir = `vendor/${pkg.name}@${pkg.version}`;
    const copy = await new Deno.Command("cp", {
      args: ["-R", pkg.localPath, `${dest}/${dir}`],
    }).output();
    if (!copy.success) fail(`cannot copy ${pkg.localPath}`);
    const manifest = JSON.parse(
      await Deno.readTextFile(`${pkg.localPath}/package.json`),
    ) as Record<string, unknown>;
    imports[bare] = `./${dir}/${entryPoint(manifest, pkg.name)}`;
  }
  const missing = [...used].filter((p) =>
    !Object.values(imports).some((t) => t.includes(`/${p}/`))
  );
  if (missing.length > 0) fail(`not mapped: ${missing.join(", ")}`);
  const installed = { imports, lock: false, nodeModulesDir: "none" };
  await Deno.writeTextFile(
    `${dest}/deno.json`,
    JSON.stringify(installed, null, 2) + "\n",
  );
}

if (Deno.args.length !== 1) fail("usage: vendor.ts DEST");
await main(Deno.args[0]!);
