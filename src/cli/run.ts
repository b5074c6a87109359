/**
 * `carpd run`: the daemon in the foreground, with ucarp's signals:
 * TERM/INT stop gracefully, HUP reloads, USR1 logs state, USR2 steps down.
 * Any error nothing else handled (a rejected promise, an exception in a
 * timer) stops the daemon the graceful way, with a non-zero exit.
 * @module
 */

import { Netlink } from "../../ffi/netlink.ts";
import {
  type Config,
  ConfigError,
  EXIT_CONFIG,
  looseSecretFiles,
} from "../config/mod.ts";
import {
  Daemon,
  type DaemonObserver,
  holdDebuggerPort,
  preflight,
  Services,
  systemPlatform,
  systemProbe,
} from "../daemon/mod.ts";
import { answers } from "../control/mod.ts";
import { createLogger, type Logger, underJournald } from "../log.ts";
import { syslogSink } from "../syslog.ts";
import {
  Liveness,
  SystemdNotifier,
  watchdogIntervalMs,
} from "../systemd/mod.ts";
import { errorMessage } from "../errors.ts";
import { SignalRelay, type SignalTarget } from "./signals.ts";

/** Exit code when the daemon cannot start (EX_OSERR). */
export const EXIT_START_FAILED = 71;

/** Where the config comes from and how SIGHUP behaves. */
export interface DaemonSource {
  /** The config file, when there is one (its permissions are checked). */
  path?: string;
  /** Loads the config; called again on reload. */
  load: () => Config | Promise<Config>;
  /** For messages, such as the file name. */
  label: string;
  /** SIGHUP reloads (carpd) or stops gracefully (ucarp). */
  hup: "reload" | "stop";
  /** Rewrites a config problem for the user (ucarp names flags). */
  describe?: (problem: string) => string;
  /** Log to the local syslog under this facility (detached ucarp -B). */
  syslog?: string;
}

/**
 * Loads the config, starts the daemon and runs it until a stop signal.
 *
 * @param source Where the config comes from.
 * @returns The exit code: 0 after a graceful stop, 78 for a bad config,
 *   71 when it cannot start, 70 after a fatal error.
 */
export async function runDaemon(source: DaemonSource): Promise<number> {
  const signals = new SignalRelay(source.hup);
  try {
    return await loadAndRun(source, signals);
  } finally {
    signals.close();
  }
}

async function loadAndRun(
  source: DaemonSource,
  signals: SignalRelay,
): Promise<number> {
  let config: Config;
  const journald = underJournald();
  try {
    config = await source.load();
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    const log = createLogger({ level: "error", journald });
    for (const p of e.problems) {
      log.error(`${source.label}: ${source.describe?.(p) ?? p}`);
    }
    return EXIT_CONFIG;
  }
  const log = source.syslog === undefined
    ? createLogger({ level: config.logLevel, journald })
    : createLogger({
      level: config.logLevel,
      journald: false,
      rawSink: syslogSink(source.syslog, "carpd"),
    });
  if (source.path !== undefined) {
    for (const w of looseSecretFiles(source.path, config)) log.warning(w);
  }
  const refused = await checkPrivileges(config);
  if (refused.length > 0) {
    for (const p of refused) log.error(`cannot start: ${p}`);
    return EXIT_START_FAILED;
  }
  if (signals.stopRequested !== null) {
    log.info(`stopping (${signals.stopRequested}) before the start`);
    return 0;
  }
  if (await answers(config.controlSocket)) {
    // Its files under /run (the addresses it added, its key rings) are
    // kept next to the socket: two daemons there would undo each other.
    log.error(
      `cannot start: another carpd answers on control socket "${config.controlSocket}"; give each carpd its own control_socket`,
    );
    return EXIT_START_FAILED;
  }
  const env = (name: string): string | undefined => Deno.env.get(name);
  const systemd = systemdObserver(env, log);
  let daemon: Daemon;
  try {
    daemon = await Daemon.start({
      load: source.load,
      label: source.label,
      config,
      log,
      observer: systemd.observer,
      testHooks: env("CARPD_TEST_HOOKS") === "1",
      platform: systemPlatform,
      services: (ctx) => new Services(ctx),
    });
  } catch (e) {
    log.error(`cannot start: ${errorMessage(e)}`);
    systemd.close();
    return EXIT_START_FAILED;
  }
  const unsupervise = supervise(daemon);
  const guard = holdDebuggerPort();
  signals.attach(signalTarget(daemon, log));
  const code = await daemon.run();
  unsupervise();
  guard?.close();
  systemd.close();
  return code;
}

/**
 * Sends every error nothing else caught to the daemon's stop path instead
 * of letting the runtime end the process with the VIPs still on.
 */
function supervise(daemon: Daemon): () => void {
  const rejection = (e: PromiseRejectionEvent): void => {
    e.preventDefault();
    daemon.fatal(e.reason);
  };
  const error = (e: ErrorEvent): void => {
    e.preventDefault();
    daemon.fatal(e.error ?? e.message);
  };
  globalThis.addEventListener("unhandledrejection", rejection);
  globalThis.addEventListener("error", error);
  return () => {
    globalThis.removeEventListener("unhandledrejection", rejection);
    globalThis.removeEventListener("error", error);
  };
}

/** Runs the preflight against this process and kernel. */
async function checkPrivileges(config: Config): Promise<string[]> {
  let netlink: Netlink | null = null;
  try {
    netlink = Netlink.open();
    return await preflight(config, systemProbe(netlink));
  } catch (e) {
    return [errorMessage(e)];
  } finally {
    netlink?.close();
  }
}

/**
 * Connects the daemon to systemd: notifications, and watchdog pings at half
 * the interval while the daemon is really alive. Does nothing without
 * `NOTIFY_SOCKET`.
 */
function systemdObserver(
  env: (name: string) => string | undefined,
  log: Logger,
): { observer: DaemonObserver; close: () => void } {
  const notifier = SystemdNotifier.fromEnv(env, log);
  const liveness = new Liveness(performance.now());
  const intervalMs = notifier === null
    ? null
    : watchdogIntervalMs(env, Deno.pid);
  let pinger: ReturnType<typeof setInterval> | undefined;
  if (notifier !== null && intervalMs !== null) {
    log.info(
      `systemd watchdog: ${intervalMs / 1000} s, pinging every ${
        intervalMs / 2000
      } s while alive`,
    );
    pinger = setInterval(() => {
      if (liveness.alive(performance.now())) notifier.watchdog();
    }, intervalMs / 2);
  }
  const observer: DaemonObserver = {
    ready: (summary) => notifier?.ready(summary),
    changed: (summary) => notifier?.status(summary),
    reloading: () => notifier?.reloading(),
    reloaded: (summary) => notifier?.ready(summary),
    stopping: () => {
      if (pinger !== undefined) clearInterval(pinger);
      pinger = undefined;
      notifier?.stopping();
    },
    loopTurned: () => liveness.loopTurned(performance.now()),
    timerFired: (lateMs) => liveness.timerFired(lateMs, performance.now()),
  };
  return {
    observer,
    close: () => {
      if (pinger !== undefined) clearInterval(pinger);
      notifier?.close();
    },
  };
}

/** What each signal does to a running daemon. */
function signalTarget(daemon: Daemon, log: Logger): SignalTarget {
  return {
    stop: (why) => void daemon.stop(why),
    reload: () => {
      log.info("SIGHUP: reloading");
      void daemon.reload();
    },
    logStates: () => daemon.logStates(),
    stepDown: () => {
      log.info("SIGUSR2: stepping down");
      daemon.stepDown();
    },
  };
}
