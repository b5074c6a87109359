/**
 * The shell: opens the sockets, runs one receive loop for every vhid, feeds
 * packets, link events and signals to the state machines, and reloads or
 * stops on request. It holds no election logic.
 * @module
 */

import { Netlink, type NetlinkEvent } from "../../ffi/netlink.ts";
import { PacketSocket } from "../../ffi/packet_socket.ts";
import { RTMGRP_LINK } from "../../ffi/constants.ts";
import { waitReadable, Waker } from "../../ffi/poll.ts";
import {
  type CarpAuth,
  decodeCarpPacket,
  type DroppedPacket,
  formatIpv4,
  type ReceiveOptions,
} from "../carp/mod.ts";
import { type Config, ConfigError, type VhidConfig } from "../config/mod.ts";
import {
  formatStatus,
  type Status,
  type VhidStatus,
} from "../control/status.ts";
import { ControlServer } from "../control/server.ts";
import type { ControlReply, ControlRequest } from "../control/protocol.ts";
import { effectiveAdvskew } from "../fsm/mod.ts";
import { Health } from "../health/health.ts";
import { VERSION } from "../version.ts";
import { type Logger, LogRateLimiter } from "../log.ts";
import { type DropCounts, emptyDrops } from "./counters.ts";
import { InterfaceHandle, sourceAddress } from "./interface.ts";
import { sameIdentity, VhidRunner } from "./vhid.ts";

/** Longest a poll waits before the loop looks around again. */
const POLL_TIMEOUT_MS = 1000;
/** Packets taken from one socket per wake-up, so a flood cannot starve timers. */
const MAX_PACKETS_PER_WAKE = 256;

/** Drop reasons worth a warning: a misconfigured or hostile peer. */
const LOUD_DROPS = new Set([
  "replay",
  "bad_ttl",
  "bad_version",
  "bad_type",
  "bad_checksum",
  "bad_authlen",
  "bad_hmac",
]);

/** What the outside world hears from the daemon (systemd, in production). */
export interface DaemonObserver {
  /** Every vhid has its sockets and its initial state. */
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
const QUIET: DaemonObserver = {
  ready: ignore,
  changed: ignore,
  reloading: ignore,
  reloaded: ignore,
  stopping: ignore,
  loopTurned: ignore,
  timerFired: ignore,
};

/** The running daemon. */
export class Daemon {
  readonly #load: () => Config;
  readonly #label: string;
  readonly #log: Logger;
  readonly #netlink: Netlink;
  readonly #monitor: Netlink;
  readonly #packets: PacketSocket;
  readonly #waker: Waker;
  readonly #limiter = new LogRateLimiter();
  readonly #interfaces = new Map<string, InterfaceHandle>();
  readonly #vhids = new Map<string, VhidRunner>();
  readonly #receive = new Map<string, ReceiveOptions>();
  readonly #interfaceDrops = new Map<string, DropCounts>();
  readonly #health: Health;
  readonly #startedAt = performance.now();
  #control: ControlServer | null = null;
  #observer: DaemonObserver = QUIET;
  #controlPath: string | null = null;
  #running = true;
  #stopped: Promise<void> | null = null;

  private constructor(
    load: () => Config,
    label: string,
    log: Logger,
  ) {
    this.#load = load;
    this.#label = label;
    this.#log = log;
    this.#health = new Health({
      log,
      vhidKeys: (ids) =>
        [...this.#vhids.entries()].filter(([, r]) =>
          ids === null || ids.includes(r.config.id)
        ).map(([k]) => k),
      linkUsable: (name) => this.#netlink.link(name)?.usable ?? null,
      apply: (key, total) => {
        const r = this.#vhids.get(key);
        if (r) this.#safely(r, { type: "demotion", amount: total });
      },
    });
    this.#netlink = Netlink.open();
    this.#monitor = Netlink.open(RTMGRP_LINK);
    this.#packets = PacketSocket.open();
    this.#waker = Waker.open();
  }

  /**
   * Opens everything and starts every vhid.
   *
   * @param load Reads the config again on reload.
   * @param label Where the config comes from, for messages.
   * @param config The config already loaded.
   * @param log The logger.
   * @param observer Told of readiness, changes, reloads and liveness.
   * @returns The daemon; call {@linkcode run}.
   */
  static start(
    load: () => Config,
    label: string,
    config: Config,
    log: Logger,
    observer: DaemonObserver = QUIET,
  ): Daemon {
    const d = new Daemon(load, label, log);
    d.#observer = observer;
    try {
      for (const v of config.vhids) d.#startVhid(v);
    } catch (e) {
      d.#closeAll();
      throw e;
    }
    d.#rebuildReceive();
    d.#health.configure(config);
    d.#openControl(config.controlSocket);
    observer.ready(d.summary());
    return d;
  }

  /** The vhids, for status. */
  get vhids(): readonly VhidRunner[] {
    return [...this.#vhids.values()];
  }

  /**
   * Runs the receive loop until {@linkcode stop}.
   *
   * @returns The exit code.
   */
  async run(): Promise<number> {
    while (this.#running) {
      const bySocket = new Map<number, InterfaceHandle>();
      for (const i of this.#interfaces.values()) bySocket.set(i.socket.fd, i);
      const fds = [this.#waker.fd, this.#monitor.fd, ...bySocket.keys()];
      const ready = await waitReadable(fds, POLL_TIMEOUT_MS);
      if (!this.#running) break;
      this.#observer.loopTurned();
      for (const fd of ready) {
        try {
          if (fd === this.#waker.fd) this.#waker.drain();
          else if (fd === this.#monitor.fd) {
            this.#linkEvents(this.#monitor.events());
          } else {
            const iface = bySocket.get(fd);
            if (iface && iface.socket.fd === fd) this.#drain(iface);
          }
        } catch (e) {
          this.#log.error(`receive loop: ${message(e)}`);
        }
      }
    }
    await this.#stopped;
    return 0;
  }

  /**
   * Stops gracefully: bow-out adverts, VIPs removed, down hooks run (within
   * their timeouts), sockets closed.
   *
   * @param why For the log.
   */
  stop(why: string): Promise<void> {
    if (this.#stopped) return this.#stopped;
    this.#log.info(`stopping (${why})`);
    this.#observer.stopping();
    this.#running = false;
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
      this.#closeAll();
      this.#log.info("stopped");
    })();
    this.#waker.wake();
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
    return this.#each(vhid, (r) => this.#safely(r, { type: "standby" }));
  }

  /**
   * Ends standby.
   *
   * @param vhid One vhid id, or all.
   * @returns How many vhids it applied to.
   */
  resume(vhid?: number): number {
    return this.#each(vhid, (r) => this.#safely(r, { type: "resume" }));
  }

  /** The state of everything, for `carpd status`. */
  status(): Status {
    const now = performance.now();
    const vhids: VhidStatus[] = [...this.#vhids.entries()].map(([key, r]) => {
      const s = r.state;
      const master = s.state === "MASTER"
        ? r.source
        : s.state === "BACKUP"
        ? s.heardMaster?.source ?? null
        : null;
      return {
        vhid: r.config.id,
        interface: r.iface.name,
        vips: r.config.vips.map((v) => v.text),
        state: s.state,
        advbase: r.config.advbase,
        advskew: {
          configured: r.config.advskew,
          effective: effectiveAdvskew(s),
        },
        demotions: [
          ...this.#health.demotions(key),
          ...(s.standby ? [{ reason: "standby", advskew: 254 }] : []),
        ],
        standby: s.standby,
        master: master === null ? null : formatIpv4(master),
        source: formatIpv4(r.source),
        secondsSinceTransition: Math.round(now - r.lastTransitionAt) / 1000,
        counters: structuredClone(r.counters),
      };
    });
    return {
      version: VERSION,
      pid: Deno.pid,
      uptimeSeconds: Math.round(now - this.#startedAt) / 1000,
      vhids,
      checks: this.#health.checks(),
      trackedInterfaces: this.#health.tracked(),
      interfaceDrops: Object.fromEntries(
        [...this.#interfaceDrops].map(([name, d]) => [name, { ...d }]),
      ),
    };
  }

  /** Logs every vhid's state and counters (SIGUSR1). */
  logStates(): void {
    for (const line of formatStatus(this.status())) this.#log.info(line);
  }

  /** Drops every MASTER vhid to BACKUP with a bow-out (SIGUSR2). */
  stepDown(): void {
    for (const r of this.#vhids.values()) {
      this.#safely(r, { type: "step_down" });
    }
  }

  /**
   * Re-reads the config (SIGHUP). A bad file is rejected and the running
   * config kept; unchanged vhids keep their state and VIPs; changed ones
   * restart; removed ones stop.
   *
   * @returns Whether the new config was taken.
   */
  reload(): boolean {
    this.#observer.reloading();
    const taken = this.#reload();
    this.#observer.reloaded(this.summary());
    return taken;
  }

  /** One line for systemd's STATUS=, such as `vhid 3 MASTER, vhid 4 BACKUP`. */
  summary(): string {
    const parts = [...this.#vhids.values()]
      .sort((a, b) =>
        a.config.id - b.config.id || a.iface.name.localeCompare(b.iface.name)
      )
      .map((r) =>
        `vhid ${r.config.id} ${r.state.state}${
          r.state.standby ? " (standby)" : ""
        }`
      );
    return parts.length === 0 ? "no vhids" : parts.join(", ");
  }

  #reload(): boolean {
    let next: Config;
    try {
      next = this.#load();
    } catch (e) {
      const detail = e instanceof ConfigError
        ? e.problems.join("; ")
        : message(e);
      this.#log.error(`reload rejected, running config kept: ${detail}`);
      return false;
    }
    const wanted = new Map(next.vhids.map((v) => [vhidKey(v), v]));
    const standby = new Set<string>(); // survives a restart by reload
    let updated = 0;
    for (const [key, runner] of this.#vhids) {
      const v = wanted.get(key);
      if (
        v !== undefined && !sameVhid(v, runner.config) &&
        sameIdentity(v, runner.config)
      ) {
        runner.reconfigure(v); // same vhid, new timers or hooks: keep its state
        updated++;
        continue;
      }
      if (v === undefined || !sameVhid(v, runner.config)) {
        if (runner.state.standby) standby.add(key);
        runner.stop();
        this.#vhids.delete(key);
      }
    }
    let changed = 0;
    for (const [key, v] of wanted) {
      if (this.#vhids.has(key)) continue;
      try {
        this.#startVhid(v, standby.has(key));
        changed++;
      } catch (e) {
        this.#log.error(`vhid ${v.id}: cannot start: ${message(e)}`);
      }
    }
    for (const [name, iface] of this.#interfaces) {
      if (![...this.#vhids.values()].some((r) => r.iface === iface)) {
        iface.close();
        this.#interfaces.delete(name);
      }
    }
    this.#health.configure(next);
    this.#openControl(next.controlSocket);
    this.#log.level = next.logLevel;
    this.#rebuildReceive();
    this.#waker.wake();
    this.#log.info(
      `reloaded ${this.#label}: ${next.vhids.length} vhid(s), ${changed} (re)started, ${updated} updated in place`,
    );
    return true;
  }

  #startVhid(v: VhidConfig, standby = false): void {
    let iface = this.#interfaces.get(v.interface);
    if (iface === undefined) {
      iface = InterfaceHandle.open(this.#netlink, v.interface, v.group);
      this.#interfaces.set(v.interface, iface);
    } else {
      iface.join(v.group);
    }
    const vips = v.vips.map((x) => x.address);
    const source = sourceAddress(this.#netlink, iface, v.source, vips);
    const runner = new VhidRunner(v, iface, source, {
      log: this.#log,
      limiter: this.#limiter,
      netlink: this.#netlink,
      packets: this.#packets,
      now: () => performance.now(),
      onTransition: () => {
        if (this.#running) this.#observer.changed(this.summary());
      },
      onTimer: (lateMs) => this.#observer.timerFired(lateMs),
    });
    this.#vhids.set(vhidKey(v), runner);
    this.#log.info(
      `vhid ${v.id} on ${v.interface}: ${
        v.vips.map((x) => x.text).join(", ")
      } from ${formatIpv4(source)},` +
        ` advbase ${v.advbase} advskew ${v.advskew}${
          v.preempt ? " preempt" : ""
        }, ${v.mode}`,
    );
    if (standby) runner.feed({ type: "standby" });
    const demotion = this.#health.total(vhidKey(v));
    if (demotion > 0) runner.feed({ type: "demotion", amount: demotion });
    const down = !iface.usable && !v.ignoreLinkState;
    runner.feed(down ? { type: "link_down" } : { type: "start" });
  }

  #rebuildReceive(): void {
    this.#receive.clear();
    for (const iface of this.#interfaces.values()) {
      const vhids = new Map<number, CarpAuth>();
      const destinations = new Set<number>(iface.groups);
      for (const r of this.#vhids.values()) {
        if (r.iface !== iface) continue;
        vhids.set(r.config.id, r.auth);
        if (r.config.mode === "unicast") destinations.add(r.source);
      }
      this.#receive.set(iface.name, { vhids, destinations });
    }
  }

  #drain(iface: InterfaceHandle): void {
    const options = this.#receive.get(iface.name);
    if (options === undefined) return;
    for (let i = 0; i < MAX_PACKETS_PER_WAKE; i++) {
      const packet = iface.socket.receive();
      if (packet === null) return;
      const r = decodeCarpPacket(packet, options);
      if (!r.ok) {
        this.#dropped(iface, r);
        continue;
      }
      const runner = this.#vhids.get(`${iface.name}/${r.advert.vhid}`);
      if (runner === undefined) continue;
      const { advbase, advskew, counter } = r.advert;
      if (!runner.admitCounter(r.source, counter)) {
        this.#dropped(iface, {
          ok: false,
          reason: "replay",
          source: r.source,
          vhid: r.advert.vhid,
        });
        continue;
      }
      runner.counters.advertsReceived++;
      this.#safely(runner, {
        type: "advert",
        source: r.source,
        advbase,
        advskew,
        counter,
      });
    }
  }

  #dropped(iface: InterfaceHandle, r: DroppedPacket): void {
    const runner = r.vhid === undefined
      ? undefined
      : this.#vhids.get(`${iface.name}/${r.vhid}`);
    let drops = runner?.counters.drops;
    if (drops === undefined) {
      drops = this.#interfaceDrops.get(iface.name) ?? emptyDrops();
      this.#interfaceDrops.set(iface.name, drops);
    }
    drops[r.reason]++;
    const from = r.source === undefined ? "" : ` from ${formatIpv4(r.source)}`;
    const what = `${iface.name}: dropped packet${from}${
      r.vhid === undefined ? "" : ` (vhid ${r.vhid})`
    }: ${r.reason}`;
    const loud = LOUD_DROPS.has(r.reason);
    if (!loud && !this.#log.enabled("debug")) return;
    const verdict = this.#limiter.admit(
      `${iface.name} ${r.reason}`,
      performance.now(),
    );
    if (verdict === null) return;
    const line = verdict > 0 ? `${what} (${verdict} similar suppressed)` : what;
    if (loud) this.#log.warning(line);
    else this.#log.debug(line);
  }

  #linkEvents(events: NetlinkEvent[]): void {
    for (const e of events) {
      if (e.kind !== "link") continue;
      this.#health.linkChanged(e.link.name, e.link.usable && !e.removed);
      const iface = this.#interfaces.get(e.link.name);
      if (iface === undefined || !iface.update(e.link)) continue;
      this.#log.info(
        `interface ${iface.name}: link ${iface.usable ? "up" : "down"}`,
      );
      for (const r of this.#vhids.values()) {
        if (r.iface !== iface || r.config.ignoreLinkState) continue;
        this.#safely(r, { type: iface.usable ? "link_up" : "link_down" });
      }
    }
  }

  #safely(r: VhidRunner, event: Parameters<VhidRunner["feed"]>[0]): void {
    try {
      r.feed(event);
    } catch (e) {
      this.#log.error(`${r.name}: ${event.type}: ${message(e)}`);
    }
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
    ControlServer.open(path, this.#log, (req) => this.#answer(req)).then(
      (server) => {
        if (this.#running && this.#controlPath === path) this.#control = server;
        else server.close();
      },
      (e) =>
        this.#log.error(
          `control socket "${path}": ${
            message(e)
          }; status and standby are unavailable`,
        ),
    );
  }

  #answer(req: ControlRequest): ControlReply {
    switch (req.command) {
      case "status":
        return { ok: true, result: this.status() };
      case "standby":
      case "resume": {
        const n = req.command === "standby"
          ? this.standby(req.vhid)
          : this.resume(req.vhid);
        if (n === 0) return { ok: false, error: `no vhid ${req.vhid}` };
        this.#log.info(
          `${req.command}${
            req.vhid === undefined ? "" : ` vhid ${req.vhid}`
          } (control socket)`,
        );
        return { ok: true, result: { vhids: n } };
      }
    }
  }

  #closeAll(): void {
    for (const i of this.#interfaces.values()) i.close();
    this.#interfaces.clear();
    this.#netlink.close();
    this.#monitor.close();
    this.#packets.close();
    this.#waker.close();
  }
}

function vhidKey(v: VhidConfig): string {
  return `${v.interface}/${v.id}`;
}

/** Whether two configs of a vhid would behave the same (reload keeps it). */
function sameVhid(a: VhidConfig, b: VhidConfig): boolean {
  const plain = (v: VhidConfig): string =>
    JSON.stringify(
      v,
      (_, x) =>
        x instanceof Uint8Array ? [...x] : typeof x === "bigint" ? `${x}` : x,
    );
  return plain(a) === plain(b);
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
