/**
 * `carpd run`: the daemon in the foreground, with ucarp's signals:
 * TERM/INT stop gracefully, HUP reloads, USR1 logs state, USR2 steps down.
 * @module
 */

import {
  type Config,
  ConfigError,
  EXIT_CONFIG,
  loadConfig,
} from "../config/mod.ts";
import { Daemon } from "../daemon/daemon.ts";
import { createLogger, type Logger, underJournald } from "../log.ts";

/** Exit code when the daemon cannot start (EX_OSERR). */
export const EXIT_START_FAILED = 71;

/**
 * Loads the config, starts the daemon and runs it until a stop signal.
 *
 * @param path The config file.
 * @returns The exit code: 0 after a graceful stop, 78 for a bad config,
 *   71 when sockets or interfaces cannot be set up.
 */
export async function runDaemon(path: string): Promise<number> {
  let config: Config;
  const journald = underJournald();
  try {
    config = loadConfig(path);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    const log = createLogger({ level: "error", journald });
    for (const p of e.problems) log.error(`${path}: ${p}`);
    return EXIT_CONFIG;
  }
  const log = createLogger({ level: config.logLevel, journald });
  let daemon: Daemon;
  try {
    daemon = Daemon.start(path, config, log);
  } catch (e) {
    log.error(`cannot start: ${e instanceof Error ? e.message : String(e)}`);
    return EXIT_START_FAILED;
  }
  const remove = installSignals(daemon, log);
  const code = await daemon.run();
  remove();
  return code;
}

function installSignals(daemon: Daemon, log: Logger): () => void {
  const handlers: [Deno.Signal, () => void][] = [
    ["SIGTERM", () => void daemon.stop("SIGTERM")],
    ["SIGINT", () => void daemon.stop("SIGINT")],
    ["SIGHUP", () => {
      log.info("SIGHUP: reloading");
      daemon.reload();
    }],
    ["SIGUSR1", () => daemon.logStates()],
    ["SIGUSR2", () => {
      log.info("SIGUSR2: stepping down");
      daemon.stepDown();
    }],
  ];
  for (const [sig, h] of handlers) Deno.addSignalListener(sig, h);
  return () => {
    for (const [sig, h] of handlers) Deno.removeSignalListener(sig, h);
  };
}
