/**
 * `carpd run`: the daemon in the foreground, with ucarp's signals:
 * TERM/INT stop gracefully, HUP reloads, USR1 logs state, USR2 steps down.
 * @module
 */

import { type Config, ConfigError, EXIT_CONFIG } from "../config/mod.ts";
import { Daemon } from "../daemon/daemon.ts";
import { holdDebuggerPort } from "../daemon/debugger_guard.ts";
import { createLogger, type Logger, underJournald } from "../log.ts";

/** Exit code when the daemon cannot start (EX_OSERR). */
export const EXIT_START_FAILED = 71;

/** Where the config comes from and how SIGHUP behaves. */
export interface DaemonSource {
  /** Loads the config; called again on reload. */
  load: () => Config;
  /** For messages, such as the file name. */
  label: string;
  /** SIGHUP reloads (carpd) or stops gracefully (ucarp). */
  hup: "reload" | "stop";
  /** Rewrites a config problem for the user (ucarp names flags). */
  describe?: (problem: string) => string;
}

/**
 * Loads the config, starts the daemon and runs it until a stop signal.
 *
 * @param source Where the config comes from.
 * @returns The exit code: 0 after a graceful stop, 78 for a bad config,
 *   71 when sockets or interfaces cannot be set up.
 */
export async function runDaemon(source: DaemonSource): Promise<number> {
  let config: Config;
  const journald = underJournald();
  try {
    config = source.load();
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    const log = createLogger({ level: "error", journald });
    for (const p of e.problems) {
      log.error(`${source.label}: ${source.describe?.(p) ?? p}`);
    }
    return EXIT_CONFIG;
  }
  const log = createLogger({ level: config.logLevel, journald });
  let daemon: Daemon;
  try {
    daemon = Daemon.start(source.load, source.label, config, log);
  } catch (e) {
    log.error(`cannot start: ${e instanceof Error ? e.message : String(e)}`);
    return EXIT_START_FAILED;
  }
  const guard = holdDebuggerPort();
  const remove = installSignals(daemon, log, source.hup);
  const code = await daemon.run();
  remove();
  guard?.close();
  return code;
}

function installSignals(
  daemon: Daemon,
  log: Logger,
  hup: DaemonSource["hup"],
): () => void {
  const handlers: [Deno.Signal, () => void][] = [
    ["SIGTERM", () => void daemon.stop("SIGTERM")],
    ["SIGINT", () => void daemon.stop("SIGINT")],
    ["SIGHUP", () => {
      if (hup === "stop") {
        void daemon.stop("SIGHUP");
        return;
      }
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
