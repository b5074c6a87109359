/**
 * The shell, composed: the receive loop, the box's links and the
 * interfaces in use, the vhids, health, and the control socket. This file
 * wires them together and runs the start, stop and reload paths; each part
 * owns its own state (see the other modules of `src/daemon/`).
 * @module
 */

import {
  RTMGRP_IPV4_IFADDR,
  RTMGRP_IPV6_IFADDR,
  RTMGRP_LINK,
} from "../../ffi/constants.ts";
import { Errno, SyscallError } from "../../ffi/errors.ts";
import { Netlink } from "../../ffi/netlink.ts";
import { PacketSocket } from "../../ffi/packet_socket.ts";
import { isRealtime, setNormal, setRealtime } from "../../ffi/scheduling.ts";
import { readSmallFile, threadIds, threadName } from "../../ffi/process.ts";
import { ConfigError } from "../config/error.ts";
import type { Config, MetricsListen } from "../config/mod.ts";
import {
  ControlServer,
  formatMetricsAddress,
  MetricsServer,
  renderMetrics,
} from "../control/mod.ts";
import {
  formatStatus,
  type ReloadStatus,
  type Status,
} from "../control/status.ts";
import { Health } from "../health/mod.ts";
import { type Logger, LogRateLimiter } from "../log.ts";
import { VERSION } from "../version.ts";
import { answerControl } from "./control_handler.ts";
import { EventLoop } from "./event_loop.ts";
import { Interfaces } from "./interfaces.ts";
import { Links } from "./links.ts";
import { readProcessFigures } from "./process_figures.ts";
import { Receiver } from "./receiver.ts";
import { realtimeBudgetHint, Scheduling } from "./scheduling.ts";
import { applyReload } from "./reload.ts";
import { projectStatus, statusLine } from "./status_projection.ts";
import { Vhids } from "./vhids.ts";
import type { VhidRunner } from "./vhid_runner.ts";

/** Exit code after a fatal error inside the daemon (EX_SOFTWARE). */
export const EXIT_FATAL = 70;
/** How often threads created since are moved to the wanted policy. */
const SWEEP_MS = 1000;
/** Longest wait for address removals still in flight at exit. */
const NETLINK_DRAIN_MS = 2000;

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
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Looks for the one refusal of realtime the kernel lets us explain. */
function explainRealtimeRefusal(): string | null {
  const budget = (path: string): string | null => {
    for (const mount of ["cpu", "cpu,cpuacct"]) {
      try {
        return readSmallFile(
          `/sys/fs/cgroup/${mount}${path}/cpu.rt_runtime_us`,
        );
      } catch {
        // not mounted there
      }
    }
    return null;
  };
  try {
    return realtimeBudgetHint(readSmallFile("/proc/self/cgroup"), budget);
  } catch {
    return null;
  }
}

/** The running daemon. */
export class Daemon {
  readonly #o: DaemonOptions;
  readonly #log: Logger;
  readonly #observer: DaemonObserver;
  readonly #netlink: Netlink;
  readonly #monitor: Netlink;
  readonly #frames: PacketSocket;
  readonly #loop: EventLoop;
  readonly #interfaces: Interfaces;
  readonly #vhids: Vhids;
  readonly #health: Health;
  readonly #startedAt = performance.now();
  #control: ControlServer | null = null;
  #metrics: MetricsServer | null = null;
  #metricsAt: MetricsListen | null = null;
  #controlPath: string | null = null;
  #reload: ReloadStatus = { count: 0, ok: null, error: null };
  /** The reload under way, and whether another was asked for meanwhile. */
  #reloading: Promise<boolean> | null = null;
  #reloadAgain = false;
  #worstLateMs = 0;
  readonly #scheduling: Scheduling;
  /** Moves threads created since to the wanted scheduling policy. */
  #sweep: ReturnType<typeof setInterval> | undefined;
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
  } | null;
  #refuseAddresses = false;

  private constructor(
    o: DaemonOptions,
    handles: { netlink: Netlink; monitor: Netlink; frames: PacketSocket },
    links: Links,
  ) {
    this.#o = o;
    this.#log = o.log;
    this.#observer = o.observer ?? QUIET;
    this.#netlink = handles.netlink;
    this.#monitor = handles.monitor;
    this.#frames = handles.frames;
    this.#scheduling = new Scheduling(
      {
        threads: threadIds,
        isRealtime,
        name: threadName,
        setRealtime,
        setNormal,
        explainRefusal: explainRealtimeRefusal,
      },
      o.log,
    );
    const limiter = new LogRateLimiter();
    this.#loop = new EventLoop(o.log, limiter, {
      turned: () => this.#observer.loopTurned(),
    });
    const receiver = new Receiver({
      log: o.log,
      limiter,
      now: () => performance.now(),
      rules: (iface) => this.#interfaces.rules(iface),
      rules6: (iface) => this.#interfaces.rules6(iface),
      vhid: (iface, id) => this.#vhids.get(`${iface}/${id}`),
    });
    this.#health = new Health({
      log: o.log,
      vhidKeys: (ids) =>
        this.#vhids.all().filter((r) =>
          ids === null || ids.includes(r.config.id)
        ).map((r) => r.key),
      linkUsable: (name) => links.byName(name)?.usable ?? null,
      apply: (key, list) => this.#vhids.get(key)?.setHealthDemotions(list),
    });
    this.#interfaces = new Interfaces({
      log: o.log,
      loop: this.#loop,
      links,
      netlink: handles.netlink,
      monitor: handles.monitor,
      receiver,
      vhidsOn: (name) => this.#vhids.on(name),
      linkChanged: (name, usable) => this.#health.linkChanged(name, usable),
      fatal: (e) => this.fatal(e),
    });
    const netlink = handles.netlink;
    this.#vhids = new Vhids({
      log: o.log,
      limiter,
      addresses: {
        addVip: (link, vip, label) =>
          this.#refuseAddresses
            ? Promise.reject(
              new SyscallError(
                "add address",
                `${vip.text} on "${link.name}" (test hook)`,
                Errno.EPERM,
              ),
            )
            : netlink.addAddress(link, vip, label),
        removeVip: (link, vip) => netlink.removeAddress(link, vip),
      },
      frames: handles.frames,
      interfaces: this.#interfaces,
      links,
      timers: this.#loop.timers,
      demotionsOf: (key) => this.#health.demotions(key),
      onTransition: () => this.#announceChange(),
      onTimer: (lateMs, intervalMs) => {
        if (lateMs > this.#worstLateMs) this.#worstLateMs = lateMs;
        this.#scheduling.timerFired(lateMs, intervalMs);
        this.#observer.timerFired(lateMs);
      },
    });
    this.testHooks = o.testHooks === true
      ? {
        throwInLoop: () =>
          this.#loop.inject(() => {
            throw new Error("test hook: an exception in the receive loop");
          }),
        stallLoop: (ms) => this.#loop.stall(ms),
        refuseAddresses: (on) => this.#refuseAddresses = on,
        monitorBuffer: (bytes) => handles.monitor.setReceiveBuffer(bytes),
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
    const opened: { close(): void }[] = [];
    try {
      const netlink = Netlink.open();
      opened.push(netlink);
      const monitor = Netlink.open(
        RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR,
      );
      opened.push(monitor);
      const frames = PacketSocket.open();
      opened.push(frames);
      const links = await Links.load(netlink);
      const d = new Daemon(o, { netlink, monitor, frames }, links);
      for (const v of o.config.vhids) d.#vhids.prepare(v);
      for (const v of o.config.vhids) d.#vhids.start(v, false);
      d.#health.configure(o.config);
      d.#scheduling.configure(o.config);
      d.#sweep = setInterval(() => d.#scheduling.sweep(), SWEEP_MS);
      d.#openControl(o.config.controlSocket);
      // A metrics address that cannot be bound stops the start (exit 71).
      d.#metrics = d.#listenMetrics(o.config.metrics);
      d.#metricsAt = o.config.metrics;
      if (d.#metrics !== null) opened.push(d.#metrics);
      d.#ready = true;
      d.#observer.ready(d.summary());
      return d;
    } catch (e) {
      for (const h of opened) h.close();
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
      await this.#loop.run();
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
    this.#log.error(`fatal error: ${message(e)};${stack}`);
    void this.stop(`fatal error: ${message(e)}`, EXIT_FATAL);
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
    clearInterval(this.#sweep);
    this.#control?.close();
    this.#control = null;
    this.#metrics?.close();
    this.#metrics = null;
    const checks = this.#health.stop();
    const runners = this.#vhids.all();
    for (const r of runners) r.stop();
    const limit =
      Math.max(1000, ...runners.map((r) => r.config.scriptTimeoutMs)) + 1000;
    this.#stopped = (async () => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      if (exitCode === 0) {
        // Make before break: the loop keeps running while MASTERs that
        // bowed out keep their VIPs until a successor has taken over
        // (bounded by the state machine). After a fatal error the loop
        // cannot be trusted: release at once.
        await Promise.race([
          Promise.all(runners.map((r) => r.released())),
          new Promise((resolve) =>
            timer = setTimeout(resolve, releaseWaitMs(runners) + 500)
          ),
        ]);
        clearTimeout(timer);
      }
      for (const r of runners) r.release();
      this.#loop.stop();
      await Promise.race([
        Promise.all([checks, ...runners.map((r) => r.hooksIdle())]),
        new Promise((resolve) => timer = setTimeout(resolve, limit)),
      ]);
      clearTimeout(timer);
      const until = performance.now() + NETLINK_DRAIN_MS;
      while (this.#netlink.waiting > 0 && performance.now() < until) {
        await new Promise((r) => setTimeout(r, 10));
      }
      this.#interfaces.closeAll();
      this.#netlink.close();
      this.#monitor.close();
      this.#frames.close();
      this.#loop.close();
      this.#log.info("stopped");
    })();
    return this.#stopped;
  }

  /**
   * Planned handover: the vhids (all, or one id) bow out if MASTER and stay
   * at advskew 254 until {@linkcode resume}; kept across reloads.
   *
   * @param vhid One vhid id, or all.
   * @returns How many vhids it applied to.
   */
  standby(vhid?: number): number {
    return this.#vhids.each(vhid, (r) => r.standby());
  }

  /**
   * Ends standby.
   *
   * @param vhid One vhid id, or all.
   * @returns How many vhids it applied to.
   */
  resume(vhid?: number): number {
    return this.#vhids.each(vhid, (r) => r.resume());
  }

  /** Drops every MASTER vhid to BACKUP with a bow-out (SIGUSR2). */
  stepDown(): void {
    this.#vhids.each(undefined, (r) => r.stepDown());
  }

  /** The state of everything, for `carpd status`. */
  status(): Status {
    return projectStatus({
      version: VERSION,
      pid: Deno.pid,
      now: performance.now(),
      startedAt: this.#startedAt,
      reload: { ...this.#reload },
      worstTimerLatenessMs: this.#worstLateMs,
      scheduling: this.#scheduling.status(),
      linkResyncs: this.#interfaces.resyncs,
      vhids: this.#vhids.all(),
      checks: this.#health.checks(),
      tracked: this.#health.tracked(),
      interfaces: this.#interfaces.names(),
      link: (name) => this.#interfaces.link(name),
      interfaceDrops: (name) => this.#interfaces.drops(name),
    });
  }

  /** Logs every vhid's state and counters (SIGUSR1). */
  logStates(): void {
    for (const line of formatStatus(this.status())) this.#log.info(line);
  }

  /** One line for systemd's STATUS=. */
  summary(): string {
    return statusLine(
      this.#vhids.all(),
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
      error = e instanceof ConfigError ? e.problems.join("; ") : message(e);
    }
    if (this.#stopped !== null) return false; // stopped meanwhile
    let metrics: MetricsServer | null | undefined;
    if (next !== null && !sameListen(next.metrics, this.#metricsAt)) {
      try {
        metrics = this.#listenMetrics(next.metrics);
      } catch (e) {
        error = `[daemon] metrics: ${message(e)}`;
        next = null;
      }
    }
    if (next !== null) {
      const outcome = applyReload(next, this.#vhids, this.#interfaces);
      if (outcome.ok && metrics !== undefined) {
        this.#metrics?.close();
        this.#metrics = metrics;
        this.#metricsAt = next.metrics;
      } else metrics?.close();
      if (outcome.ok) {
        this.#health.configure(next);
        this.#scheduling.configure(next);
        this.#openControl(next.controlSocket);
        this.#log.level = next.logLevel;
        this.#log.info(
          `reloaded ${this.#o.label}: ${next.vhids.length} vhid(s), ${outcome.started} (re)started, ${outcome.updated} updated in place`,
        );
      } else error = outcome.error;
    }
    if (error !== null) {
      this.#log.error(`reload rejected, running config kept: ${error}`);
    }
    this.#reload = { count, ok: error === null, error };
    this.#observer.reloaded(this.summary());
    return error === null;
  }

  /** Tells the observer once for all the transitions of one turn. */
  #announceChange(): void {
    if (this.#announcing) return;
    this.#announcing = true;
    setTimeout(() => {
      this.#announcing = false;
      if (this.#ready && this.#stopped === null) {
        this.#observer.changed(this.summary());
      }
    }, 0);
  }

  /** Serves `GET /metrics` at an address, or nowhere; throws if it cannot. */
  #listenMetrics(at: MetricsListen | null): MetricsServer | null {
    if (at === null) return null;
    const server = MetricsServer.listen({
      address: at,
      render: () => renderMetrics(this.status(), readProcessFigures()),
      log: this.#log,
    });
    this.#log.info(
      `serving metrics on http://${formatMetricsAddress(at)}/metrics`,
    );
    return server;
  }

  #openControl(path: string): void {
    if (this.#controlPath === path) return;
    this.#control?.close();
    this.#control = null;
    this.#controlPath = path;
    ControlServer.open(
      path,
      this.#log,
      (req) => answerControl(req, this, this.#log),
    ).then(
      (server) => {
        if (this.#stopped === null && this.#controlPath === path) {
          this.#control = server;
        } else server.close();
      },
      (e) =>
        this.#log.error(
          `control socket "${path}": ${
            message(e)
          }; status and standby are unavailable`,
        ),
    );
  }
}

/** The longest any stopping vhid holds its VIPs for a successor. */
function releaseWaitMs(runners: readonly VhidRunner[]): number {
  const now = performance.now();
  return Math.max(
    0,
    ...runners.map((r) => (r.state.releaseAt ?? now) - now),
  );
}

function sameListen(
  a: MetricsListen | null,
  b: MetricsListen | null,
): boolean {
  return a?.hostname === b?.hostname && a?.port === b?.port;
}
