/**
 * The shell, composed: the receive loop, the box's links, one socket per
 * interface in use, the vhids, health, and the control socket. This file
 * wires them together and carries out the stop and reload paths; each part
 * owns its own state.
 * @module
 */

import { RTMGRP_IPV4_IFADDR, RTMGRP_LINK } from "../../ffi/constants.ts";
import { Netlink } from "../../ffi/netlink.ts";
import { PacketSocket } from "../../ffi/packet_socket.ts";
import { formatIpv4, type ReceiveOptions } from "../carp/mod.ts";
import { type Config, ConfigError, type VhidConfig } from "../config/mod.ts";
import { planReload, vhidKey } from "../config/reload_plan.ts";
import { ControlServer } from "../control/server.ts";
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
import { type LinkChange, Links } from "./links.ts";
import { Port } from "./ports.ts";
import { Receiver } from "./receiver.ts";
import { projectStatus, statusLine } from "./status_projection.ts";
import { VhidRunner } from "./vhid_runner.ts";

/** Exit code after a fatal error inside the daemon (EX_SOFTWARE). */
export const EXIT_FATAL = 70;
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
  load: () => Config;
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

/** The running daemon. */
export class Daemon {
  readonly #load: () => Config;
  readonly #label: string;
  readonly #log: Logger;
  readonly #observer: DaemonObserver;
  readonly #limiter = new LogRateLimiter();
  readonly #netlink: Netlink;
  readonly #monitor: Netlink;
  readonly #frames: PacketSocket;
  readonly #loop: EventLoop;
  readonly #links: Links;
  readonly #ports = new Map<string, Port>();
  readonly #vhids = new Map<string, VhidRunner>();
  readonly #rules = new Map<string, ReceiveOptions>();
  readonly #receiver: Receiver;
  readonly #health: Health;
  readonly #startedAt = performance.now();
  #control: ControlServer | null = null;
  #controlPath: string | null = null;
  #reload: ReloadStatus = { count: 0, ok: null, error: null };
  #worstLateMs = 0;
  #resyncs = 0;
  #ready = false;
  #announcing = false;
  #stopped: Promise<void> | null = null;
  #exitCode = 0;
  /** Fault injection for the test suite, or `null` (production). */
  readonly testHooks: {
    throwInLoop(): void;
    stallLoop(ms: number): void;
  } | null;

  private constructor(
    o: DaemonOptions,
    handles: { netlink: Netlink; monitor: Netlink; frames: PacketSocket },
    links: Links,
  ) {
    this.#load = o.load;
    this.#label = o.label;
    this.#log = o.log;
    this.#observer = o.observer ?? QUIET;
    this.#netlink = handles.netlink;
    this.#monitor = handles.monitor;
    this.#frames = handles.frames;
    this.#links = links;
    this.#loop = new EventLoop(o.log, this.#limiter, {
      turned: () => this.#observer.loopTurned(),
    });
    this.#receiver = new Receiver({
      log: o.log,
      limiter: this.#limiter,
      now: () => performance.now(),
      rules: (iface) => this.#rulesOf(iface),
      vhid: (iface, id) => this.#vhids.get(`${iface}/${id}`),
    });
    this.#health = new Health({
      log: o.log,
      vhidKeys: (ids) =>
        [...this.#vhids.values()].filter((r) =>
          ids === null || ids.includes(r.config.id)
        ).map((r) => r.key),
      linkUsable: (name) => this.#links.byName(name)?.usable ?? null,
      apply: (key, list) => this.#vhids.get(key)?.setHealthDemotions(list),
    });
    this.testHooks = o.testHooks === true
      ? {
        throwInLoop: () =>
          this.#loop.inject(() => {
            throw new Error("test hook: an exception in the receive loop");
          }),
        stallLoop: (ms) => this.#loop.stall(ms),
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
      const monitor = Netlink.open(RTMGRP_LINK | RTMGRP_IPV4_IFADDR);
      opened.push(monitor);
      const frames = PacketSocket.open();
      opened.push(frames);
      const links = await Links.load(netlink);
      const d = new Daemon(o, { netlink, monitor, frames }, links);
      d.#begin(o.config);
      return d;
    } catch (e) {
      for (const h of opened) h.close();
      throw e;
    }
  }

  #begin(config: Config): void {
    this.#links.onChange((c) => this.#linkChanged(c));
    this.#loop.watch(
      this.#monitor.fd,
      () => this.#monitorReadable(),
      () => this.fatal(new Error("the rtnetlink monitor was closed")),
    );
    for (const v of config.vhids) this.#prepareVhid(v);
    for (const v of config.vhids) this.#startVhid(v, false);
    this.#health.configure(config);
    this.#openControl(config.controlSocket);
    this.#ready = true;
    this.#observer.ready(this.summary());
  }

  get #runners(): VhidRunner[] {
    return [...this.#vhids.values()];
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
    this.#loop.stop();
    this.#control?.close();
    this.#control = null;
    const checks = this.#health.stop();
    const runners = [...this.#vhids.values()];
    for (const r of runners) r.stop();
    const limit =
      Math.max(1000, ...runners.map((r) => r.config.scriptTimeoutMs)) + 1000;
    this.#stopped = (async () => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        Promise.all([checks, ...runners.map((r) => r.hooksIdle())]),
        new Promise((resolve) => timer = setTimeout(resolve, limit)),
      ]);
      clearTimeout(timer);
      const until = performance.now() + NETLINK_DRAIN_MS;
      while (this.#netlink.waiting > 0 && performance.now() < until) {
        await new Promise((r) => setTimeout(r, 10));
      }
      this.#closeAll();
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
    return this.#each(vhid, (r) => r.standby());
  }

  /**
   * Ends standby.
   *
   * @param vhid One vhid id, or all.
   * @returns How many vhids it applied to.
   */
  resume(vhid?: number): number {
    return this.#each(vhid, (r) => r.resume());
  }

  /** Drops every MASTER vhid to BACKUP with a bow-out (SIGUSR2). */
  stepDown(): void {
    for (const r of this.#vhids.values()) r.stepDown();
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
      vhids: this.#runners,
      checks: this.#health.checks(),
      tracked: this.#health.tracked(),
      interfaces: [...this.#ports.keys()].sort(),
      link: (name) => this.#links.byName(name),
      interfaceDrops: (name) => this.#receiver.interfaceDrops(name),
    });
  }

  /** Logs every vhid's state and counters (SIGUSR1). */
  logStates(): void {
    for (const line of formatStatus(this.status())) this.#log.info(line);
  }

  /** One line for systemd's STATUS=. */
  summary(): string {
    return statusLine(
      this.#runners,
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
   * @returns Whether the new config was taken.
   */
  reload(): boolean {
    this.#observer.reloading();
    this.#reload.count++;
    const taken = this.#reloadNow();
    this.#observer.reloaded(this.summary());
    return taken;
  }

  #reloadNow(): boolean {
    let next: Config;
    try {
      next = this.#load();
    } catch (e) {
      const detail = e instanceof ConfigError
        ? e.problems.join("; ")
        : message(e);
      return this.#reloadFailed(detail);
    }
    const running = [...this.#vhids.values()];
    const plan = planReload(
      running.map((r) => r.config),
      next.vhids,
      new Set(running.filter((r) => r.state.standby).map((r) => r.key)),
    );
    // First everything that can fail: sockets for new interfaces, groups.
    const fresh: Port[] = [];
    try {
      for (const p of plan) {
        if (p.change !== "start" && p.change !== "restart") continue;
        const name = p.config!.interface;
        if (!this.#ports.has(name)) {
          const port = this.#portOf(name);
          fresh.push(port);
          if (port.error !== null) throw new Error(port.error);
        }
        this.#prepareVhid(p.config!);
      }
    } catch (e) {
      for (const port of fresh) this.#dropPort(port);
      return this.#reloadFailed(message(e));
    }
    let started = 0;
    let updated = 0;
    for (const p of plan) {
      const old = this.#vhids.get(p.key);
      switch (p.change) {
        case "keep":
          break;
        case "update":
          old!.reconfigure(p.config!);
          updated++;
          break;
        case "restart":
        case "stop":
          old!.stop();
          this.#vhids.delete(p.key);
          if (p.change === "stop") break;
          this.#startVhid(p.config!, p.standby);
          started++;
          break;
        case "start":
          this.#startVhid(p.config!, false);
          started++;
          break;
      }
    }
    for (const [name, port] of this.#ports) {
      const users = this.#runners.filter((r) => r.config.interface === name);
      if (users.length === 0) this.#dropPort(port);
      else port.retain(new Set(users.map((r) => r.config.group)));
    }
    this.#health.configure(next);
    this.#openControl(next.controlSocket);
    this.#log.level = next.logLevel;
    this.#rules.clear();
    this.#reload = { count: this.#reload.count, ok: true, error: null };
    this.#log.info(
      `reloaded ${this.#label}: ${next.vhids.length} vhid(s), ${started} (re)started, ${updated} updated in place`,
    );
    return true;
  }

  #reloadFailed(why: string): boolean {
    this.#reload = { count: this.#reload.count, ok: false, error: why };
    this.#log.error(`reload rejected, running config kept: ${why}`);
    return false;
  }

  /** The socket of an interface, created (and opened if it exists) on first use. */
  #portOf(name: string): Port {
    let port = this.#ports.get(name);
    if (port === undefined) {
      port = new Port(name);
      this.#ports.set(name, port);
      this.#syncPort(port);
    }
    return port;
  }

  /** Joins what a vhid needs on its interface; may throw (setsockopt). */
  #prepareVhid(v: VhidConfig): void {
    this.#portOf(v.interface).join(v.group);
  }

  #startVhid(v: VhidConfig, standby: boolean): void {
    const port = this.#portOf(v.interface);
    const runner = new VhidRunner(v, {
      log: this.#log,
      limiter: this.#limiter,
      addresses: this.#netlink,
      frames: this.#frames,
      now: () => performance.now(),
      onTransition: () => this.#announceChange(),
      onTimer: (lateMs) => {
        if (lateMs > this.#worstLateMs) this.#worstLateMs = lateMs;
        this.#observer.timerFired(lateMs);
      },
      onReceiveRulesChanged: () => this.#rules.delete(v.interface),
    });
    this.#vhids.set(vhidKey(v), runner);
    this.#rules.delete(v.interface);
    runner.attach(port, this.#links.byName(v.interface));
    if (standby) runner.standby();
    runner.setHealthDemotions(this.#health.demotions(runner.key));
    runner.start();
    const src = runner.source === null
      ? "no address yet"
      : formatIpv4(runner.source);
    this.#log.info(
      `${runner.name} on ${v.interface}: ${
        v.vips.map((x) => x.text).join(", ")
      } from ${src}, advbase ${v.advbase} advskew ${v.advskew}${
        v.preempt ? " preempt" : ""
      }, ${v.mode}`,
    );
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

  /** Opens, reopens or closes a port's socket to match its interface. */
  #syncPort(port: Port): void {
    const link = this.#links.byName(port.name);
    const before = port.socket?.fd;
    let change: ReturnType<Port["sync"]>;
    try {
      change = port.sync(link);
    } catch (e) {
      if (before !== undefined) this.#loop.unwatch(before);
      this.#log.error(`interface ${port.name}: ${message(e)}`);
      return;
    }
    if (change === "unchanged") return;
    if (before !== undefined) this.#loop.unwatch(before);
    const socket = port.socket;
    if (socket !== null) {
      this.#loop.watch(
        socket.fd,
        () => this.#receiver.drain(port),
        () => this.#syncPortLater(port),
      );
    }
    const what = change === "opened"
      ? `present (index ${link!.index})`
      : change === "reopened"
      ? `re-created (index ${
        link!.index
      }); socket reopened, groups joined again`
      : "gone";
    this.#log.info(`interface ${port.name}: ${what}`);
  }

  /** A socket closed under the poll: open it afresh on the next turn. */
  #syncPortLater(port: Port): void {
    port.close();
    queueMicrotask(() => {
      this.#syncPort(port);
      for (const r of this.#vhids.values()) {
        if (r.config.interface === port.name) {
          r.attach(port, this.#links.byName(port.name));
        }
      }
    });
  }

  #dropPort(port: Port): void {
    const fd = port.socket?.fd;
    if (fd !== undefined) this.#loop.unwatch(fd);
    port.close();
    this.#ports.delete(port.name);
    this.#rules.delete(port.name);
  }

  #monitorReadable(): void {
    const lost = this.#links.apply(this.#monitor.events());
    if (lost) this.#resync();
  }

  #resync(): void {
    this.#resyncs++;
    this.#log.warning(
      "rtnetlink events were lost (the monitor's buffer overflowed); re-reading every link and address",
    );
    this.#links.resync(this.#netlink).catch((e) => {
      this.#log.error(
        `cannot re-read links: ${message(e)}; trying again in 1 s`,
      );
      setTimeout(() => this.#resync(), 1000);
    });
  }

  /** How many times the link state was re-read after lost events. */
  get resyncs(): number {
    return this.#resyncs;
  }

  #linkChanged(c: LinkChange): void {
    const link = this.#links.byName(c.name);
    if (c.type === "link") {
      this.#health.linkChanged(c.name, link?.usable ?? false);
    }
    const port = this.#ports.get(c.name);
    if (port === undefined) return;
    if (c.type === "link") this.#syncPort(port);
    for (const r of this.#vhids.values()) {
      if (r.config.interface !== c.name) continue;
      if (c.type === "address") {
        // Only a vhid without a source, the one whose source went, and the
        // owner of a VIP that went care (our own VIPs going on would
        // otherwise cost every vhid a look, for every one of them).
        if (c.removed) r.addressRemoved(c.address);
        const concerned = c.removed
          ? r.source === c.address
          : r.source === null;
        if (!concerned) continue;
      }
      r.attach(port, link);
    }
  }

  /** What an interface's socket accepts, rebuilt after any change. */
  #rulesOf(iface: string): ReceiveOptions | undefined {
    const cached = this.#rules.get(iface);
    if (cached !== undefined) return cached;
    const port = this.#ports.get(iface);
    if (port === undefined) return undefined;
    const vhids = new Map<number, VhidRunner["auth"]>();
    const destinations = new Set<number>(port.groups);
    for (const r of this.#vhids.values()) {
      if (r.config.interface !== iface) continue;
      vhids.set(r.config.id, r.auth);
      if (r.config.mode === "unicast" && r.source !== null) {
        destinations.add(r.source);
      }
    }
    const rules = { vhids, destinations };
    this.#rules.set(iface, rules);
    return rules;
  }

  #each(vhid: number | undefined, f: (r: VhidRunner) => void): number {
    let n = 0;
    for (const r of this.#vhids.values()) {
      if (vhid === undefined || r.config.id === vhid) {
        f(r);
        n++;
      }
    }
    return n;
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

  #closeAll(): void {
    for (const port of this.#ports.values()) port.close();
    this.#ports.clear();
    this.#netlink.close();
    this.#monitor.close();
    this.#frames.close();
    this.#loop.close();
  }
}
