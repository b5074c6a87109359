/**
 * `carpd import ifupdown|keepalived [FILE]`: the config an admin already
 * has, as a `carp.toml` on standard output (or `--output FILE`), with what
 * could not be carried over listed on standard error.
 * @module
 */

import { parseArgs } from "node:util";
import { ConfigError } from "../config/mod.ts";
import { parseConfig } from "../config/load/mod.ts";
import { importIfupdown } from "../import/ifupdown/mod.ts";
import { importKeepalived } from "../import/keepalived/mod.ts";
import {
  EXIT_DATAERR,
  ImportError,
  type ImportFiles,
  type ImportResult,
} from "../import/mod.ts";
import { errorMessage } from "../errors.ts";

/** Help for `carpd import`. */
export const IMPORT_HELP =
  `Usage: carpd import ifupdown [FILE] [--output OUT [--force]]
       carpd import keepalived [FILE] [--protocol vrrp|carp] [--output OUT [--force]]
Converts ucarp's ifupdown options (FILE defaults to /etc/network/interfaces,
following its source lines) or a keepalived.conf (FILE defaults to
/etc/keepalived/keepalived.conf, following include) to carp.toml, printed or
written to OUT (mode 0600). What is not carried over is listed on standard
error with its file and line. keepalived instances stay VRRP (same version)
so the box can join the running group; --protocol carp converts them to CARP.
Exit codes: 0 done, 64 usage, 65 malformed input, 66 unreadable input,
73 OUT exists (use --force).`;

const DEFAULTS = {
  ifupdown: "/etc/network/interfaces",
  keepalived: "/etc/keepalived/keepalived.conf",
} as const;

const EXIT_USAGE = 64;
const EXIT_NOINPUT = 66;
const EXIT_SOFTWARE = 70;
const EXIT_CANTCREAT = 73;

/** The real file system, with shell-style globs in the last component. */
export const DISK_FILES: ImportFiles = {
  read: (path) => Deno.readTextFileSync(path),
  expand: (pattern, from) => expandGlob(pattern, from),
};

function dirname(path: string): string {
  const i = path.lastIndexOf("/");
  return i <= 0 ? (i === 0 ? "/" : ".") : path.slice(0, i);
}

/**
 * The files a pattern names: `*`, `?` and `[...]` in its last component,
 * relative to the directory of `from`; sorted, directories left out.
 *
 * @param pattern As written after `source` or `include`.
 * @param from The file it was written in.
 * @returns Paths.
 */
export function expandGlob(pattern: string, from: string): string[] {
  const full = pattern.startsWith("/")
    ? pattern
    : `${dirname(from)}/${pattern}`;
  const dir = dirname(full);
  const base = full.slice(full.lastIndexOf("/") + 1);
  if (!/[*?[]/.test(base)) return [full];
  const re = new RegExp(
    "^" + base.replace(/[.+^${}()|\\]/g, "\\$&").replace(/\*/g, ".*")
      .replace(/\?/g, ".") +
      "$",
  );
  const out: string[] = [];
  try {
    for (const e of Deno.readDirSync(dir)) {
      if (e.isFile && !e.name.startsWith(".") && re.test(e.name)) {
        out.push(`${dir}/${e.name}`);
      }
    }
  } catch {
    return [];
  }
  return out.sort();
}

/**
 * Runs `carpd import`.
 *
 * @param args The arguments after `import`.
 * @param print Writes a line to standard output.
 * @param printError Writes a line to standard error.
 * @param files The file system (tests give their own).
 * @returns The exit code.
 */
export function runImport(
  args: string[],
  print: (line: string) => void,
  printError: (line: string) => void,
  files: ImportFiles = DISK_FILES,
): number {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        output: { type: "string", short: "o" },
        force: { type: "boolean" },
        protocol: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (e) {
    printError(`carpd import: ${errorMessage(e)}`);
    return EXIT_USAGE;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    print(IMPORT_HELP);
    return 0;
  }
  const [kind, file, extra] = positionals;
  if (
    (kind !== "ifupdown" && kind !== "keepalived") || extra !== undefined ||
    (values.protocol !== undefined &&
      (kind !== "keepalived" ||
        (values.protocol !== "vrrp" && values.protocol !== "carp")))
  ) {
    printError(IMPORT_HELP);
    return EXIT_USAGE;
  }
  const path = file ?? DEFAULTS[kind];
  try {
    files.read(path);
  } catch (e) {
    printError(
      `carpd import: cannot read ${path}: ${errorMessage(e)}`,
    );
    return EXIT_NOINPUT;
  }
  let result: ImportResult;
  try {
    result = kind === "ifupdown"
      ? importIfupdown(path, files)
      : importKeepalived(path, files, {
        protocol: values.protocol === "carp" ? "carp" : "vrrp",
      });
  } catch (e) {
    if (e instanceof ImportError) {
      printError(`carpd import: ${e.message}`);
      return EXIT_DATAERR;
    }
    if (
      e instanceof Deno.errors.NotFound ||
      e instanceof Deno.errors.PermissionDenied
    ) {
      printError(`carpd import: cannot read ${path}: ${e.message}`);
      return EXIT_NOINPUT;
    }
    throw e;
  }
  for (const n of result.notes) {
    printError(`${n.file}:${n.line}: ${n.text}`);
  }
  try {
    parseConfig(result.toml, "(imported)", () => {
      throw new Deno.errors.NotFound("no files while checking an import");
    });
  } catch (e) {
    // The importers promise a config that passes carpd check.
    printError(
      `carpd import: the result does not pass carpd check (a bug): ${
        e instanceof ConfigError ? e.problems.join("; ") : e
      }`,
    );
    return EXIT_SOFTWARE;
  }
  if (values.output === undefined) {
    print(result.toml.replace(/\n$/, ""));
    return 0;
  }
  try {
    Deno.writeTextFileSync(values.output, result.toml, {
      mode: 0o600,
      createNew: values.force !== true,
    });
    Deno.chmodSync(values.output, 0o600);
  } catch (e) {
    if (e instanceof Deno.errors.AlreadyExists) {
      printError(
        `carpd import: ${values.output} exists; --force to overwrite it`,
      );
      return EXIT_CANTCREAT;
    }
    printError(
      `carpd import: cannot write ${values.output}: ${errorMessage(e)}`,
    );
    return EXIT_CANTCREAT;
  }
  printError(
    `carpd import: wrote ${values.output}; check it with carpd check -c ${values.output}`,
  );
  return 0;
}
