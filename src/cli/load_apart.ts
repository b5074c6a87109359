/**
 * Loading the config in a short-lived process of carpd's own. The
 * validator (zod) and the TOML parser take about 12 MB of a daemon's
 * memory once loaded, and a module once loaded stays for the life of the
 * process; a worker thread does not give its memory back either. So the
 * daemon runs itself again as `carpd __load-config FILE`, with the same
 * runtime and flags, and takes the validated config back as text.
 * @module
 */

import { commandLine } from "../../ffi/process.ts";
import {
  type Config,
  ConfigError,
  configFromText,
  configToText,
  EXIT_CONFIG,
} from "../config/mod.ts";

/** The hidden command the child runs. */
export const LOAD_CONFIG_COMMAND = "__load-config";
/** Longest a load may take (a config on a hung network filesystem). */
const LOAD_TIMEOUT_MS = 60_000;

/** What the child prints: one line. */
type Reply = { ok: true; config: string } | { ok: false; problems: string[] };

/**
 * The child's side: loads `path` and prints the reply.
 *
 * @param path The config file.
 * @param load The loader (`loadConfig`).
 * @param print Where the line goes.
 * @returns The exit code: 0, or 78 for a bad config.
 */
export function answerLoad(
  path: string,
  load: (path: string) => Config,
  print: (line: string) => void,
): number {
  let reply: Reply;
  try {
    reply = { ok: true, config: configToText(load(path)) };
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    reply = { ok: false, problems: [...e.problems] };
  }
  print(JSON.stringify(reply));
  return reply.ok ? 0 : EXIT_CONFIG;
}

/**
 * How to run this program again: its command line without the arguments
 * the script was given (`deno run FLAGS main.ts`, or a compiled binary).
 *
 * @returns argv to which a command and its arguments are appended, or
 *   `null` when the command line cannot be read.
 */
export function selfCommand(): string[] | null {
  let argv: string[];
  try {
    argv = commandLine();
  } catch {
    return null;
  }
  const prefix = argv.slice(0, argv.length - Deno.args.length);
  const same = argv.slice(prefix.length).every((a, i) => a === Deno.args[i]);
  return prefix.length > 0 && same ? prefix : null;
}

/**
 * Loads and validates `path` as `loadConfig` does, in a child process.
 *
 * @param path The config file.
 * @param fallback Loads in this process when the program cannot be run
 *   again (no `/proc`).
 * @returns The config.
 * @throws {ConfigError} Listing every problem.
 * @throws {Error} When the child cannot run or answers nothing usable.
 */
export async function loadConfigApart(
  path: string,
  fallback: (path: string) => Promise<Config>,
): Promise<Config> {
  const self = selfCommand();
  if (self === null) return await fallback(path);
  const child = new Deno.Command(self[0]!, {
    args: [...self.slice(1), LOAD_CONFIG_COMMAND, path],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const timer = setTimeout(() => child.kill("SIGKILL"), LOAD_TIMEOUT_MS);
  const out = await child.output().finally(() => clearTimeout(timer));
  const text = new TextDecoder().decode(out.stdout).trim();
  let reply: Reply | null = null;
  try {
    reply = JSON.parse(text.split("\n").at(-1) ?? "") as Reply;
  } catch {
    // said below
  }
  if (reply?.ok === true) return configFromText(reply.config);
  if (reply?.ok === false) throw new ConfigError(path, reply.problems);
  const why = new TextDecoder().decode(out.stderr).trim().split("\n").at(-1);
  throw new Error(
    `cannot load "${path}": ${self[0]} ${LOAD_CONFIG_COMMAND} ${
      out.signal !== null ? `was killed by ${out.signal}` : `exited ${out.code}`
    }${why ? `: ${why}` : ""}`,
  );
}
