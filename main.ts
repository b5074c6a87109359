/**
 * carpd: the command line. `carpd <command> [options]`.
 * @module
 */

import { parseArgs } from "node:util";
import { VERSION } from "./src/version.ts";
import { errorMessage } from "./src/errors.ts";

/** Default config path. */
const DEFAULT_CONFIG = "/etc/carp/carp.toml";

const USAGE =
  `carpd ${VERSION}: CARP virtual-IP failover, wire-compatible with ucarp

Usage:
  carpd run [-c FILE]      run the daemon in the foreground
  carpd check [-c FILE]    validate a config (exit 0, or 78 listing every problem)
  carpd status [--json] [--group NAME]
                           state, demotions and counters of the running daemon
  carpd standby [--vhid N | --group NAME]
                           hand mastership away and keep it away (planned handover)
  carpd resume [--vhid N | --group NAME]
                           end standby
  carpd events             the daemon's events as JSON lines, until interrupted
  carpd ucarp FLAGS        run with ucarp's command line (--print-config: show the TOML)
  carpd import ifupdown|keepalived [FILE] [--output OUT]
                           convert ucarp's ifupdown options or keepalived.conf
  carpd --version
  carpd --help

FILE defaults to ${DEFAULT_CONFIG}.`;

/** Exit code for a command-line mistake (EX_USAGE). */
const EXIT_USAGE = 64;

function print(line: string): void {
  // deno-lint-ignore no-console
  console.log(line);
}

function printError(line: string): void {
  // deno-lint-ignore no-console
  console.error(line);
}

function fail(line: string): number {
  // deno-lint-ignore no-console
  console.error(`carpd: ${line}\n\n${USAGE}`);
  return EXIT_USAGE;
}

/**
 * Runs the command line.
 *
 * @param args The arguments after the program name.
 * @returns The exit code.
 */
export async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  if (command === "--version" || command === "-V") {
    print(`carpd ${VERSION}`);
    return 0;
  }
  if (command === undefined || command === "--help" || command === "-h") {
    print(USAGE);
    return command === undefined ? EXIT_USAGE : 0;
  }
  switch (command) {
    case "run":
    case "check": {
      let values;
      try {
        ({ values } = parseArgs({
          args: rest,
          options: {
            config: { type: "string", short: "c", default: DEFAULT_CONFIG },
            help: { type: "boolean", short: "h" },
          },
        }));
      } catch (e) {
        return fail(errorMessage(e));
      }
      if (values.help) {
        print(HELP[command]);
        return 0;
      }
      if (command === "check") {
        const { runCheck } = await import("./src/cli/check.ts");
        return await runCheck(values.config, print);
      }
      // Loaded on demand: only the daemon needs libc. The daemon has its
      // config validated in a process of its own (see load_apart.ts).
      const { runDaemon } = await import("./src/cli/run.ts");
      const { loadConfigApart } = await import("./src/cli/load_apart.ts");
      const path = values.config;
      const inProcess = async (p: string) =>
        (await import("./src/config/load/mod.ts")).loadConfig(p);
      return await runDaemon({
        path,
        load: () => loadConfigApart(path, inProcess),
        label: path,
        hup: "reload",
      });
    }
    case "status":
    case "standby":
    case "resume":
    case "events": {
      const { runControl } = await import("./src/cli/control.ts");
      return await runControl(command, rest, print, printError);
    }
    case "ucarp": {
      const { runUcarp } = await import("./src/cli/ucarp.ts");
      return await runUcarp(rest, print, printError);
    }
    case "__load-config": {
      // Not for people: the daemon's own config loader (load_apart.ts).
      const { answerLoad } = await import("./src/cli/load_apart.ts");
      const { loadConfig } = await import("./src/config/load/mod.ts");
      if (rest.length !== 1) return fail("__load-config takes one FILE");
      return answerLoad(rest[0]!, loadConfig, print);
    }
    case "import": {
      const { runImport } = await import("./src/cli/import.ts");
      return runImport(rest, print, printError);
    }
    default:
      return fail(`unknown command "${command}"`);
  }
}

const HELP = {
  run: `Usage: carpd run [-c FILE]
Runs the daemon in the foreground. Signals: TERM/INT stop gracefully (bow-out
advert, VIPs removed, down scripts run), HUP reloads FILE (a bad file is
rejected and the running config kept), USR1 logs each vhid's state, USR2
drops every MASTER vhid to BACKUP. Exit codes: 0 stopped, 78 bad config,
71 cannot set up sockets or interfaces.`,
  check:
    "Usage: carpd check [-c FILE]\nValidates FILE; exit 0, or 78 with every problem.",
};

/** Exit code for a bug: an error nothing else handled (EX_SOFTWARE). */
const EXIT_SOFTWARE = 70;

if (import.meta.main) {
  let code: number;
  try {
    code = await main(Deno.args);
  } catch (e) {
    // The daemon stops itself on errors; this is for everything else.
    printError(`carpd: internal error: ${e instanceof Error ? e.stack : e}`);
    code = EXIT_SOFTWARE;
  }
  Deno.exit(code);
}
