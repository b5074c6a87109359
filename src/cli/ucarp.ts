/**
 * `carpd ucarp <ucarp flags>`: run with ucarp's command line.
 *
 * `-B` detaches as ucarp does, but the flags are parsed, not filtered: the
 * detached copy gets the translated config (and the password) on its
 * standard input, never on its command line, and cannot detach again.
 * @module
 */

import {
  ConfigError,
  EXIT_CONFIG,
  PASSWORD_PLACEHOLDER_FILE,
  translateUcarpFlags,
  type UcarpInvocation,
  UsageError,
} from "../config/mod.ts";
import { parseConfig } from "../config/load/mod.ts";
import { FACILITIES } from "../syslog.ts";

/** Exit code for a command-line mistake (EX_USAGE). */
const EXIT_USAGE = 64;

/** The detached copy's only argument: its config comes on stdin. */
export const FROM_PARENT = "--detached-from-parent";

/** Usage of `carpd ucarp`. */
export const UCARP_HELP = `Usage: carpd ucarp [ucarp flags] [--print-config]
Runs carpd with ucarp 1.5.2's flags and semantics:
  -i --interface  -s --srcip  -v --vhid  -p --pass  -o --passfile  -a --addr
  -b --advbase  -k --advskew  -r --deadratio  -P --preempt  -n --neutral
  -u --upscript  -d --downscript  -x --xparam  -z --shutdown (implied)
  -B --daemonize  -S --ignoreifstate  -M --nomcast  -m --mcast  -D --debug
  -f --facility (syslog facility once detached with -B; else logs go to
     stderr or the journal)
--print-config prints the equivalent carp.toml and exits.`;

/** What the detached copy is given on its standard input. */
interface Handoff {
  toml: string;
  password: string | null;
  flagOf: Record<string, string>;
  facility: string;
}

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
  if (args.length === 1 && args[0] === FROM_PARENT) {
    const handoff = JSON.parse(
      await new Response(Deno.stdin.readable).text(),
    ) as Handoff;
    return await runInvocation(handoff, handoff.facility);
  }
  let inv: UcarpInvocation;
  try {
    inv = translateUcarpFlags(args);
    if (!FACILITIES.has(inv.facility)) {
      throw new UsageError(
        `--facility ${inv.facility}: expected one of ${
          [...FACILITIES.keys()].join(", ")
        }`,
      );
    }
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
  const handoff: Handoff = {
    toml: inv.toml,
    password: inv.password,
    flagOf: inv.flagOf,
    facility: inv.facility,
  };
  if (inv.daemonize) {
    // Say what is wrong here, on the terminal, not in the detached copy.
    const problems = configProblems(handoff);
    if (problems.length > 0) {
      for (const p of problems) printError(`carpd ucarp: ${p}`);
      return EXIT_CONFIG;
    }
    return await detach(handoff);
  }
  return await runInvocation(handoff, null);
}

function readerFor(h: Handoff): (path: string) => Uint8Array {
  const password = h.password === null
    ? null
    : new TextEncoder().encode(h.password);
  return (path) =>
    path === PASSWORD_PLACEHOLDER_FILE && password !== null
      ? password
      : Deno.readFileSync(path);
}

function describeFor(h: Handoff): (problem: string) => string {
  return (problem) => {
    const path = problem.split(":")[0]!;
    const flag = h.flagOf[path];
    return flag === undefined
      ? problem
      : `${flag}${problem.slice(path.length)}`;
  };
}

function configProblems(h: Handoff): string[] {
  try {
    parseConfig(h.toml, "ucarp flags", readerFor(h));
    return [];
  } catch (e) {
    if (e instanceof ConfigError) return e.problems.map(describeFor(h));
    throw e;
  }
}

async function runInvocation(
  h: Handoff,
  syslogFacility: string | null,
): Promise<number> {
  const readFile = readerFor(h);
  const { runDaemon } = await import("./run.ts");
  return await runDaemon({
    load: () => parseConfig(h.toml, "ucarp flags", readFile),
    label: "ucarp flags",
    hup: "stop",
    ...(syslogFacility === null ? {} : { syslog: syslogFacility }),
    describe: describeFor(h),
  });
}

/**
 * Starts the detached copy in a session of its own, hands it the config on
 * its standard input, and returns, as ucarp -B does.
 */
async function detach(h: Handoff): Promise<number> {
  const exe = Deno.execPath();
  const fromSource = /(^|\/)deno$/.test(exe);
  const argv = fromSource
    ? ["run", ...runFlags(), Deno.mainModule, "ucarp", FROM_PARENT]
    : ["ucarp", FROM_PARENT];
  const child = new Deno.Command(exe, {
    args: argv,
    stdin: "piped",
    stdout: "null",
    stderr: "null",
    detached: true,
    cwd: "/",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(JSON.stringify(h)));
  await writer.close();
  child.unref();
  return 0;
}

/** The flags the detached copy runs with: the same as ours. */
function runFlags(): string[] {
  const file = new URL("../../scripts/lib/permissions", import.meta.url);
  const flags = Deno.readTextFileSync(file).split("\n").filter((l) =>
    l.trim() !== ""
  );
  // An installed copy names its config and cache explicitly.
  const config = new URL("../../deno.json", import.meta.url).pathname;
  return ["--cached-only", "--config", config, ...flags];
}
