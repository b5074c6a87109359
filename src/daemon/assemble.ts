/**
 * The shell, composed on a platform: the box's links, the interfaces and
 * their sockets, the receiver, the executor of effects, the vhids'
 * drivers and health, wired to each other. Nothing here runs anything:
 * the lifecycle (`daemon.ts`) starts, reloads and stops what this builds.
 * @module
 */

import { Errno, SyscallError } from "../../ffi/errors.ts";
import { Health } from "../health/mod.ts";
import type { Logger, LogRateLimiter } from "../log.ts";
import type { Clock } from "./clock.ts";
import { Effects } from "./effects.ts";
import { Interfaces } from "./interfaces.ts";
import { Links } from "./links.ts";
import type {
  FramePort,
  LoopPort,
  MonitorPort,
  NetlinkPort,
  Platform,
} from "./platform.ts";
import { Receiver } from "./receiver.ts";
import { Vhids } from "./vhids.ts";
import { Groups } from "./groups.ts";
import { EventBus } from "../control/mod.ts";
import { ledgerPath, VipLedger } from "./vip_ledger.ts";
import { KeyRings, keyRingsPath } from "./key_rings.ts";

/** What the composition reports to the lifecycle. */
export interface ShellEvents {
  /** Some vhid changed state. */
  transition(): void;
  /** A protocol timer fired this late. */
  timer(lateMs: number, intervalMs: number): void;
  /** Something nothing else handles: stop. */
  fatal(e: unknown): void;
}

/** The composed shell. */
export interface Shell {
  readonly platform: Platform;
  readonly clock: Clock;
  readonly loop: LoopPort;
  readonly netlink: NetlinkPort;
  readonly monitor: MonitorPort;
  readonly frames: FramePort;
  readonly links: Links;
  readonly receiver: Receiver;
  readonly interfaces: Interfaces;
  readonly effects: Effects;
  readonly rings: KeyRings;
  readonly vhids: Vhids;
  readonly groups: Groups;
  /** The event stream (`carpd events`). */
  readonly events: EventBus;
  readonly health: Health;
  /** Test hook: refuse every address added from now on (or not). */
  refuseAddresses(on: boolean): void;
  /** Closes what was opened. */
  close(): void;
}

/**
 * Opens the platform's handles, reads the links, and builds the shell.
 *
 * @param platform The system (or the simulator).
 * @param log The logger.
 * @param limiter The rate limiter shared by every rate-limited line.
 * @param events Where the shell reports.
 * @param controlSocket The daemon's control socket: its files under /run
 *   (the ledger of added addresses, the key rings) are kept next to it.
 * @returns The shell.
 * @throws {Error} When a handle cannot be opened (everything opened so far
 *   is closed again).
 */
export async function assemble(
  platform: Platform,
  log: Logger,
  limiter: LogRateLimiter,
  events: ShellEvents,
  controlSocket: string,
): Promise<Shell> {
  const opened: { close(): void }[] = [];
  try {
    const netlink = platform.openNetlink();
    opened.push(netlink);
    const monitor = platform.openMonitor();
    opened.push(monitor);
    const frames = platform.openFrames();
    opened.push(frames);
    const links = await Links.load(netlink);
    const ledger = new VipLedger(
      platform.files,
      ledgerPath(controlSocket),
      (error) =>
        log.warning(
          `the ledger of added addresses: ${error}; a VIP left by a crash may stay behind`,
        ),
    );
    const rings = new KeyRings(
      platform.files,
      keyRingsPath(controlSocket),
      (error) =>
        log.warning(
          `the key rings: ${error}; a roll-out window does not outlive a restart`,
        ),
    );
    return compose(platform, log, limiter, events, {
      netlink,
      monitor,
      frames,
      links,
      ledger,
      rings,
    });
  } catch (e) {
    for (const h of opened) h.close();
    throw e;
  }
}

function compose(
  platform: Platform,
  log: Logger,
  limiter: LogRateLimiter,
  events: ShellEvents,
  handles: {
    netlink: NetlinkPort;
    monitor: MonitorPort;
    frames: FramePort;
    links: Links;
    ledger: VipLedger;
    rings: KeyRings;
  },
): Shell {
  const { netlink, monitor, frames, links, ledger, rings } = handles;
  const { clock, loop } = platform;
  let refusing = false;
  const bus = new EventBus(() => clock.wallMs());
  const effects = new Effects({
    events: bus,
    log,
    limiter,
    clock,
    frames,
    spawn: platform.spawn,
    ledger,
    addresses: {
      addVip: (link, vip, label) =>
        refusing
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
  });
  const receiver = new Receiver({
    log,
    limiter,
    clock,
    accept: (iface, family) => interfaces.accept(iface, family),
    vhid: (iface, id) => vhids.get(`${iface}/${id}`),
  });
  const health = new Health({
    log,
    os: {
      now: () => clock.now(),
      after: (ms, fire) => clock.after(ms, fire),
      spawn: platform.spawn,
    },
    vhidKeys: (ids) =>
      vhids.all().filter((r) => ids === null || ids.includes(r.config.id))
        .map((r) => r.key),
    linkUsable: (name) => links.byName(name)?.usable ?? null,
    apply: (key, list) => {
      vhids.get(key)?.setHealthDemotions(list);
      groups.update();
    },
  });
  const interfaces: Interfaces = new Interfaces({
    log,
    clock,
    loop,
    links,
    sockets: platform,
    netlink,
    monitor,
    drain: (iface, family, socket) => receiver.drain(iface, family, socket),
    vhidsOn: (name) => vhids.on(name),
    linkChanged: (name, usable) => health.linkChanged(name, usable),
    fatal: (e) => events.fatal(e),
  });
  const vhids: Vhids = new Vhids({
    log,
    limiter,
    clock,
    frames,
    effects,
    rings,
    interfaces,
    links,
    demotionsOf: (key) => health.demotions(key),
    onTransition: () => {
      groups.update();
      events.transition();
    },
    onTimer: (lateMs, intervalMs) => events.timer(lateMs, intervalMs),
    groups: {
      signal: (key, signal) => groups.signal(key, signal),
      leftMaster: (key) => groups.leftMaster(key),
      preMaster: (key) => groups.preMaster(key),
    },
    joined: (key) => groups.joined(key),
    events: bus,
  });
  const groups: Groups = new Groups({
    log,
    clock,
    spawn: platform.spawn,
    enqueue: (job, after) => effects.enqueue(job, after),
    driver: (key) => vhids.get(key),
    events: bus,
  });
  return {
    platform,
    clock,
    loop,
    netlink,
    monitor,
    frames,
    links,
    receiver,
    interfaces,
    effects,
    rings,
    vhids,
    groups,
    events: bus,
    health,
    refuseAddresses: (on) => refusing = on,
    close(): void {
      interfaces.closeAll();
      netlink.close();
      monitor.close();
      frames.close();
      loop.close();
    },
  };
}
