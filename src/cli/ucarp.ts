/**
 * `carpd ucarp <ucarp flags>`: run with ucarp's command line.
 * @module
 */

import { parseConfig } from "../config/mod.ts";
import {
  PASSWORD_PLACEHOLDER_FILE,
  translateUcarpFlags,
  type UcarpInvocation,
  UsageError,
} from "../config/ucarp_flags.ts";

/** Exit code for a command-line mistake (EX_USAGE). */
const EXIT_USAGE = 64;

/** Usage of `carpd ucarp`. */
export const UCARP_HELP = `Usage: carpd ucarp [ucarp flags] [--print-config]
Runs carpd with ucarp 1.5.2's flags and semantics:
  -i --interface  -s --srcip  -v --vhid  -p --pass  -o --passfile  -a --addr
  -b --advbase  -k --advskew  -r --deadratio  -P --preempt  -n --neutral
  -u --upscript  -d --downscript  -x --xparam  -z --shutdown (implied)
  -B --daemonize  -S --ignoreifstate  -M --nomcast  -m --mcast  -D --debug
  -f --facility (ignored: logs go to stderr or the journal)
--print-config prints the equivalent carp.toml and exits.`;

/**
 * Runs `carpd ucarp`.
 *
 * @param args Arguments after `ucarp`.
 * @param print Writes a line to stdout.
 * @param printError Writes a line to stderr.
 * @returns The exit code.
 */
export async function runUcarp(
  args: string[],
  print: (line: string) => void,
  printError: (line: string) => void,
): Promise<number> {
  let inv: UcarpInvocation;
  try {
    inv = translateUcarpFlags(args);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    if (e.message === "help") {
      print(UCARP_HELP);
      return 0;
    }
    printError(`carpd ucarp: ${e.message}\n\n${UCARP_HELP}`);
    return EXIT_USAGE;
  }
  if (inv.printConfig) {
    print(inv.toml.trimEnd());
    return 0;
  }
  if (inv.daemonize) return daemonize(args);
  const password = inv.password === null
    ? null
    : new TextEncoder().encode(inv.password);
  const readFile = (path: string): Uint8Array =>
    path === PASSWORD_PLACEHOLDER_FILE && password !== null
      ? password
      : Deno.readFileSync(path);
  const { runDaemon } = await import("./run.ts");
  return await runDaemon({
    load: () => parseConfig(inv.toml, "ucarp flags", readFile),
    label: "ucarp flags",
    hup: "stop",
    describe: (problem) => {
      const path = problem.split(":")[0]!;
      const flag = inv.flagOf[path];
      return flag === undefined
        ? problem
        : `${flag}${problem.slice(path.length)}`;
    },
  });
}

/** Starts the same command without -B in its own session, and returns. */
function daemonize(args: string[]): number {
  const rest = args.filter((a) => a !== "-B" && a !== "--daemonize");
  const exe = Deno.execPath();
  const fromSource = /(^|\/)deno$/.test(exe);
  const argv = fromSource
    ? ["run", ...permissionFlags(), Deno.mainModule, "ucarp", ...rest]
    : ["ucarp", ...rest];
  const child = new Deno.Command(exe, {
    args: argv,
    stdin: "null",
    stdout: "null",
    stderr: "null",
    detached: true,
    cwd: "/",
  }).spawn();
  child.unref();
  return 0;
}

function permissionFlags(): string[] {
  const file = new URL("../../scripts/lib/permissions", import.meta.url);
  return Deno.readTextFileSync(file).split("\n").filter((l) => l.trim() !== "");
}
