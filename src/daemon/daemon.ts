/**
 * The daemon's lifecycle: start (the shell composed on its platform, every
 * vhid started, health and the services opened), run (the receive loop),
 * reload (atomic), standby and resume, and the graceful stop (bow-outs,
 * make before break, VIPs released, hooks awaited). The composition is in
 * `assemble.ts`; each part owns its own state.
 * @module
 */

import { ConfigError, redactSecrets, vhidsToText } from "../config/mod.ts";
import type { Config, VhidConfig } from "../config/mod.ts";
import type { VhidState } from "../fsm/mod.ts";
import {
  formatStatus,
  type ReloadStatus,
  type Status,
} from "../control/mod.ts";
import { errorMessage } from "../errors.ts";
import { type Logger, LogRateLimiter } from "../log.ts";
import { VERSION } from "../version.ts";
import { assemble, type Shell } from "./assemble.ts";
import { answerControl } from "./control_handler.ts";
import type { LoopObserver, Platform } from "./platform.ts";
import { applyReload } from "./reload.ts";
import { stopShell } from "./stopping.ts";
import { Scheduling } from "./timing/mod.ts";
import type { Services, ServicesContext, StagedMetrics } from "./services.ts";
import {
  eventSnapshot,
  projectStatus,
  statusLine,
} from "./status_projection.ts";
import type { VhidDriver } from "./driver.ts";

/** Exit code after a fatal error inside the daemon (EX_SOFTWARE). */
export const EXIT_FATAL = 70;
/** How often threads created since are moved to the wanted policy. */
const SWEEP_MS = 1000;

/** What the outside world hears from the daemon (systemd, in production). */
export interface DaemonObserver {
  /** Every vhid has its first state. */
  ready(summary: string): void;
  /** Some vhid changed state. */
  changed(summary: string): void;
  /** A reload starts. */
  reloading(): void;
  /** A reload ended (taken or rejected). */
  reloaded(summary: string): void;
  /** A graceful stop starts. */
  stopping(): void;
  /** The receive loop came round. */
  loopTurned(): void;
  /** A protocol timer fired this late. */
  timerFired(lateMs: number): void;
}

function ignore(): void {}

/** An observer that ignores everything. */
export const QUIET: DaemonObserver = {
  ready: ignore,
  changed: ignore,
  reloading: ignore,
  reloaded: ignore,
  stopping: ignore,
  loopTurned: ignore,
  timerFired: ignore,
};

/** A running vhid as the outside may look at it. */
export interface VhidView {
  /** Its settings. */
  readonly config: VhidConfig;
  /** Its state machine's state. */
  readonly state: VhidState;
}

/** The system under a daemon, made for its logger and observer. */
export type PlatformFactory = (
  log: Logger,
  limiter: LogRateLimiter,
  observer: LoopObserver,
) => Platform;

/** How the daemon starts. */
export interface DaemonOptions {
  /** Reads the config again on reload. */
  load: () => Config | Promise<Config>;
  /** Where the config comes from, for messages. */
  label: string;
  /** The config already loaded. */
  config: Config;
  /** The logger. */
  log: Logger;
  /** Told of readiness, changes, reloads and liveness. */
  observer?: DaemonObserver;
  /** Accept the control socket's `test` command (fault injection). */
  testHooks?: boolean;
  /** The system to run on (`systemPlatform` on a real box). */
  platform: PlatformFactory;
  /**
   * What it serves besides the protocol: the control socket and metrics
   * (`(ctx) => new Services(ctx)` on a real box); nothing when omitted.
   */
  services?: (ctx: ServicesContext) => Services;
  /** The process id status shows. */
  pid?: number;
}

/** The running daemon. */
export class Daemon {
  readonly #o: DaemonOptions;
  readonly #log: Logger;
  readonly #observer: DaemonObserver;
  readonly #shell: Shell;
  readonly #scheduling: Scheduling;
  readonly #services: Services | null;
  readonly #startedAt: number;
  #reload: ReloadStatus = { count: 0, ok: null, error: null };
  /** The reload under way, and whether another was asked for meanwhile. */
  #reloading: Promise<boolean> | null = null;
  #reloadAgain = false;
  #worstLateMs = 0;
  /** Moves threads created since to the wanted scheduling policy. */
  #sweep: (() => void) | null = null;
  #ready = false;
  #announcing = false;
  #stopped: Promise<void> | null = null;
  #exitCode = 0;
  /** Fault injection for the test suite, or `null` (production). */
  readonly testHooks: {
    throwInLoop(): void;
    stallLoop(ms: number): void;
    refuseAddresses(on: boolean): void;
    monitorBuffer(bytes: number): void;
    eventBurst(count: number): void;
  } | null;

  private constructor(o: DaemonOptions, shell: Shell) {
    this.#o = o;
    this.#log = o.log;
    this.#observer = o.observer ?? QUIET;
    this.#shell = shell;
    this.#startedAt = shell.clock.now();
    this.#scheduling = new Scheduling(shell.platform.threads, o.log);
    this.#services = o.services?.({
      log: o.log,
      status: () => this.status(),
      answer: (req) => answerControl(req, this, this.#log),
      stopping: () => this.#stopped !== null,
      events: () =>
        shell.events.subscribe(
          eventSnapshot(shell.vhids.all(), shell.groups.status()),
        ),
    }) ?? null;
    const loop = shell.loop;
    this.testHooks = o.testHooks === true
      ? {
        throwInLoop: () =>
          loop.inject(() => {
            throw new Error("test hook: an exception in the receive loop");
          }),
        stallLoop: (ms) => loop.stall(ms),
        refuseAddresses: (on) => shell.refuseAddresses(on),
        monitorBuffer: (bytes) => shell.monitor.setReceiveBuffer(bytes),
        eventBurst: (count) => {
          // In slices, so readers that keep up drain between them.
          const slice = (from: number): void => {
            const to = Math.min(count, from + 100);
            for (let n = from; n < to; n++) {
              shell.events.publish({ type: "test", n });
            }
            if (to < count) shell.clock.after(2, () => slice(to));
          };
          slice(0);
        },
      }
      : null;
  }

  /**
   * Opens everything and starts every vhid. Interfaces that do not exist
   * yet are waited for (their vhids wait in FAULT).
   *
   * @param o The config and where it comes from.
   * @returns The daemon; call {@linkcode run}.
   * @throws {Error} When sockets cannot be opened.
   */
  static async start(o: DaemonOptions): Promise<Daemon> {
    const limiter = new LogRateLimiter();
    let d: Daemon | null = null;
    const platform = o.platform(o.log, limiter, {
      turned: () => (o.observer ?? QUIET).loopTurned(),
    });
    const shell = await assemble(platform, o.log, limiter, {
      transition: () => {
        if (d !== null) d.#announceChange();
      },
      timer: (lateMs, intervalMs) => {
        if (d !== null) d.#timerFired(lateMs, intervalMs);
      },
      fatal: (e) => d?.fatal(e),
    }, o.config.controlSocket);
    d = new Daemon(o, shell);
    try {
      const { vhids, health } = shell;
      for (const v of o.config.vhids) vhids.prepare(v);
      shell.groups.configure(o.config.groups);
      for (const v of o.config.vhids) vhids.start(v, false);
      shell.groups.update();
      void d.#removeLeftovers();
      health.configure(o.config);
      d.#scheduling.configure(o.config);
      d.#sweep = d.#every(SWEEP_MS, () => d!.#scheduling.sweep());
      // A metrics address that cannot be bound stops the start (exit 71).
      d.#services?.open(o.config);
      d.#ready = true;
      d.#observer.ready(d.summary());
      return d;
    } catch (e) {
      d.#sweep?.();
      d.#services?.close();
      shell.close();
      throw e;
    }
  }

  /**
   * Runs the receive loop until {@linkcode stop}. A fatal error anywhere in
   * it takes the graceful stop path.
   *
   * @returns The exit code: 0 after a stop, {@linkcode EXIT_FATAL} after a
   *   fatal error.
   */
  async run(): Promise<number> {
    try {
      await this.#shell.loop.run();
    } catch (e) {
      this.fatal(e);
    }
    await (this.#stopped ?? this.stop("the receive loop ended"));
    return this.#exitCode;
  }

  /**
   * Stops after an error nothing else handled: the same graceful path as
   * SIGTERM (bow-out, VIPs removed, STOPPING=1), then a non-zero exit so
   * systemd restarts the daemon.
   *
   * @param e The error.
   */
  fatal(e: unknown): void {
    const stack = e instanceof Error && e.stack ? ` ${e.stack}` : "";
    this.#log.error(`fatal error: ${errorMessage(e)};${stack}`);
    void this.stop(`fatal error: ${errorMessage(e)}`, EXIT_FATAL);
  }

  /**
   * Stops gracefully: bow-out adverts, VIPs removed, down hooks run (within
   * their timeouts), sockets closed.
   *
   * @param why For the log.
   * @param exitCode What {@linkcode run} returns.
   * @returns Resolves when everything is closed.
   */
  stop(why: string, exitCode = 0): Promise<void> {
    if (this.#stopped) return this.#stopped;
    this.#exitCode = exitCode;
    this.#log.info(`stopping (${why})`);
    this.#observer.stopping();
    this.#sweep?.();
    this.#services?.close();
    this.#stopped = stopShell(
      this.#shell,
      exitCode === 0,
      (stopping) => this.#removeLeftovers(stopping),
    ).then(() => this.#log.info("stopped"));
    return this.#stopped;
  }

  /**
   * Planned handover: the vhids (all, or one id) bow out if MASTER and stay
   * least preferred until {@linkcode resume}; kept across reloads.
   *
   * @param vhid One vhid id, or all.
   * @param group Only the members of this group.
   * @returns How many vhids it applied to.
   */
  standby(vhid?: number, group?: string): number {
    return this.#each(vhid, group, (r) => r.standby());
  }

  /**
   * Ends standby.
   *
   * @param vhid One vhid id, or all.
   * @param group Only the members of this group.
   * @returns How many vhids it applied to.
   */
  resume(vhid?: number, group?: string): number {
    return this.#each(vhid, group, (r) => r.resume());
  }

  #each(
    vhid: number | undefined,
    group: string | undefined,
    f: (r: VhidDriver) => void,
  ): number {
    const { vhids, groups } = this.#shell;
    const n = vhids.each(
      vhid,
      f,
      group === undefined ? undefined : groups.membersOf(group),
    );
    groups.update(); // a standby holds the group's other members
    return n;
  }

  /** The running vhids' settings, secrets redacted, as text. */
  runningVhids(): string {
    return vhidsToText(
      this.#shell.vhids.all().map((r) => redactSecrets(r.config)),
    );
  }

  /** Drops every MASTER vhid to BACKUP with a bow-out (SIGUSR2). */
  stepDown(): void {
    this.#shell.vhids.each(undefined, (r) => r.stepDown());
  }

  /** The running vhids' settings and states (for the simulator and tests). */
  vhids(): readonly VhidView[] {
    return this.#shell.vhids.all();
  }

  /** The state of everything, for `carpd status`. */
  status(): Status {
    const shell = this.#shell;
    return projectStatus({
      version: VERSION,
      pid: this.#o.pid ?? Deno.pid,
      now: shell.clock.now(),
      startedAt: this.#startedAt,
      reload: { ...this.#reload },
      worstTimerLatenessMs: this.#worstLateMs,
      scheduling: this.#scheduling.status(),
      linkResyncs: shell.interfaces.resyncs,
      vhids: shell.vhids.all(),
      groups: shell.groups.status(),
      checks: shell.health.checks(),
      tracked: shell.health.tracked(),
      interfaces: shell.interfaces.names(),
      link: (name) => shell.interfaces.link(name),
      interfaceDrops: (name) => shell.receiver.interfaceDrops(name),
    });
  }

  /** Logs every vhid's state and counters (SIGUSR1). */
  logStates(): void {
    for (const line of formatStatus(this.status())) this.#log.info(line);
  }

  /** One line for systemd's STATUS=. */
  summary(): string {
    return statusLine(
      this.#shell.vhids.all(),
      this.#reload.ok === false ? this.#reload.error : null,
    );
  }

  /**
   * Re-reads the config (SIGHUP), atomically: a bad file, or a changed vhid
   * that cannot be set up, leaves the running config as it was and the
   * reload is reported failed (log, STATUS=, `carpd status`). Otherwise
   * unchanged vhids keep their state, changed ones are updated in place or
   * restarted, removed ones stop.
   *
   * Reloads asked for while one is under way make one more, after it.
   *
   * @returns Whether the new config was taken.
   */
  reload(): Promise<boolean> {
    if (this.#reloading !== null) {
      this.#reloadAgain = true;
      return this.#reloading;
    }
    this.#reloading = (async () => {
      let taken = false;
      for (let i = 0; i < 2; i++) {
        this.#reloadAgain = false;
        taken = await this.#reloadOnce();
        if (!this.#reloadAgain || this.#stopped !== null) break;
      }
      this.#reloading = null;
      return taken;
    })();
    return this.#reloading;
  }

  async #reloadOnce(): Promise<boolean> {
    this.#observer.reloading();
    const count = this.#reload.count + 1;
    let next: Config | null = null;
    let error: string | null = null;
    try {
      next = await this.#o.load();
    } catch (e) {
      error = e instanceof ConfigError
        ? e.problems.join("; ")
        : errorMessage(e);
    }
    if (this.#stopped !== null) return false; // stopped meanwhile
    let metrics: StagedMetrics = { commit(): void {}, abort(): void {} };
    if (next !== null && this.#services !== null) {
      try {
        metrics = this.#services.stageMetrics(next);
      } catch (e) {
        error = `[daemon] metrics: ${errorMessage(e)}`;
        next = null;
      }
    }
    if (next !== null) {
      const shell = this.#shell;
      const outcome = applyReload(
        next,
        shell.vhids,
        shell.interfaces,
        shell.groups,
      );
      if (outcome.ok) {
        metrics.commit();
        shell.health.configure(next);
        this.#scheduling.configure(next);
        this.#services?.openControl(next.controlSocket);
        this.#log.level = next.logLevel;
        void this.#removeLeftovers();
        this.#log.info(
          `reloaded ${this.#o.label}: ${next.vhids.length} vhid(s), ${outcome.started} (re)started, ${outcome.updated} updated in place`,
        );
      } else {
        metrics.abort();
        error = outcome.error;
      }
    }
    if (error !== null) {
      this.#log.error(`reload rejected, running config kept: ${error}`);
    }
    this.#reload = { count, ok: error === null, error };
    this.#shell.events.publish({ type: "reload", ok: error === null, error });
    this.#observer.reloaded(this.summary());
    return error === null;
  }

  /**
   * Removes every address carpd added that no vhid holds now (see
   * `vip_ledger.ts`).
   *
   * @param stopping At the stop: only what `release_vips_on_exit = false`
   *   keeps is held.
   */
  #removeLeftovers(stopping = false): Promise<void> {
    const { vhids, links, effects } = this.#shell;
    return effects.sweep(
      (iface, vip) => vhids.holds(iface, vip, stopping),
      (name) => links.byName(name),
    );
  }

  /** A protocol timer fired this late. */
  #timerFired(lateMs: number, intervalMs: number): void {
    if (lateMs > this.#worstLateMs) this.#worstLateMs = lateMs;
    this.#scheduling.timerFired(lateMs, intervalMs);
    this.#observer.timerFired(lateMs);
  }

  /** Tells the observer once for all the transitions of one turn. */
  #announceChange(): void {
    if (this.#announcing) return;
    this.#announcing = true;
    this.#shell.clock.after(0, () => {
      this.#announcing = false;
      if (this.#ready && this.#stopped === null) {
        this.#observer.changed(this.summary());
      }
    });
  }

  /** Runs `f` every `ms` on the daemon's clock; returns a cancel. */
  #every(ms: number, f: () => void): () => void {
    let cancel = (): void => {};
    const tick = (): void => {
      f();
      cancel = this.#shell.clock.after(ms, tick);
    };
    cancel = this.#shell.clock.after(ms, tick);
    return () => cancel();
  }
}
