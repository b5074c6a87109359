/**
 * The one place where what the state machines decide touches the box: VIPs
 * added, removed and put back, the segment told (gratuitous ARP, unsolicited
 * neighbour advertisements), up/down scripts and notify hooks queued, and
 * each transition recorded (history, log line). One executor serves every
 * vhid of the box; its hooks (scripts, notify, a group's hooks) run one at
 * a time, in transition order, in the box's one queue.
 * @module
 */

import type { Vip } from "../config/mod.ts";
import { errorMessage } from "../errors.ts";
import {
  type HookJob,
  HookQueue,
  type HookResult,
  type Spawner,
} from "../hooks/mod.ts";
import { type Logger, logLimited, type LogRateLimiter } from "../log.ts";
import type { Clock } from "./clock.ts";
import type { HookKind } from "./counters.ts";
import type { Link } from "./links.ts";
import {
  type AddressControl,
  announceVips,
  findVip,
  type FrameSender,
  linkHasVip,
  vipLabel,
} from "./vip_addresses.ts";
import type { VipLedger } from "./vip_ledger.ts";
import {
  type EffectTarget,
  HISTORY_LENGTH,
  hookOutcome,
  type TransitionRecord,
} from "./effect_target.ts";

import type { EventSink } from "../control/mod.ts";

/** A VIP someone removed is looked at again after this long. */
const RESTORE_DELAY_MS = 20;
/** Refresh frames (`garp_refresh`) an interface sends at most, per second. */
const REFRESH_FRAMES_PER_SECOND = 100;

/** What the executor needs from the daemon. */
export interface EffectsContext {
  log: Logger;
  limiter: LogRateLimiter;
  clock: Clock;
  addresses: AddressControl;
  frames: FrameSender;
  /** How hooks run. */
  spawn: Spawner;
  /** The addresses this daemon added. */
  ledger: VipLedger;
  /** The event stream (`carpd events`). */
  events?: EventSink;
}

/** The executor of effects for the box. */
export class Effects {
  readonly #ctx: EffectsContext;
  readonly #hooks: HookQueue;
  readonly #refreshBudget = new Map<string, { tokens: number; at: number }>();
  readonly #histories = new Map<string, TransitionRecord[]>();

  constructor(ctx: EffectsContext) {
    this.#ctx = ctx;
    this.#hooks = new HookQueue(ctx.log, ctx.spawn);
  }

  /**
   * Adds a vhid's VIPs (when carpd manages them) and says how it went.
   *
   * @param t The vhid.
   * @param done Called once: `null` when they are on (or not carpd's to
   *   add), else why not. Called at once when nothing is to be awaited.
   * @param vips These VIPs (all of the vhid's when not given).
   */
  addVips(
    t: EffectTarget,
    done: (error: string | null) => void,
    vips: readonly Vip[] = t.config.vips,
  ): void {
    const link = t.link;
    if (!t.config.manageVips) return done(null);
    if (link === null) return done(`${t.config.interface} is missing`);
    const label = vipLabel(link.name);
    Promise.allSettled(
      vips.map((vip) =>
        this.#add(link, vip, label).then((added) => {
          if (added) {
            this.#ctx.log.debug(`${t.name}: added ${vip.text} on ${link.name}`);
          }
        })
      ),
    ).then((results) => {
      const failed = results.find((r) => r.status === "rejected");
      done(failed === undefined ? null : errorMessage(failed.reason));
    });
  }

  /**
   * Removes a vhid's VIPs (when carpd manages them and may).
   *
   * @param t The vhid.
   */
  removeVips(t: EffectTarget): void {
    if (!t.config.manageVips || t.keepVips) return;
    const link = t.link;
    if (link === null) return; // they went with the interface
    for (const vip of t.config.vips) {
      this.#remove(link, vip).then(
        (removed) => {
          if (removed) {
            this.#ctx.log.debug(
              `${t.name}: removed ${vip.text} on ${link.name}`,
            );
          }
        },
        (e) => this.#ctx.log.error(`${t.name}: ${errorMessage(e)}`),
      );
    }
  }

  /**
   * Removes every address this daemon added that nothing holds now: VIPs
   * a reload dropped, or that a run before this one left behind (it was
   * killed, or the config changed while it was not running).
   *
   * @param holds Whether a vhid holds an address on an interface now.
   * @param linkOf The interface of a name now, `null` when missing.
   * @returns Resolves when every removal has been answered.
   */
  async sweep(
    holds: (iface: string, vip: Vip) => boolean,
    linkOf: (name: string) => Link | null,
  ): Promise<void> {
    const { ledger, log } = this.#ctx;
    const work: Promise<void>[] = [];
    for (const { interface: name, vip } of ledger.entries()) {
      if (holds(name, vip)) continue;
      const link = linkOf(name);
      if (link === null) {
        ledger.remove(name, vip); // it went with the interface
        continue;
      }
      work.push(
        this.#remove(link, vip).then(
          (removed) => {
            if (!removed) return;
            log.info(
              `removed ${vip.text} from ${name}: carpd added it, and no vhid holds it now`,
            );
          },
          (e) => log.error(`cannot remove ${vip.text}: ${errorMessage(e)}`),
        ),
      );
    }
    await Promise.all(work);
  }

  /** Adds an address, written down first (see `vip_ledger.ts`). */
  async #add(link: Link, vip: Vip, label: string | null): Promise<boolean> {
    const ledger = this.#ctx.ledger;
    const had = ledger.has(link.name, vip);
    ledger.add(link.name, vip);
    const serial = ledger.serial(link.name, vip);
    const added = await this.#ctx.addresses.addVip(link, vip, label);
    // It was there already, and not by our hand: not ours to remove later.
    if (!added && !had) ledger.remove(link.name, vip, serial);
    return added;
  }

  /** Removes an address and strikes it out once it is gone. */
  async #remove(link: Link, vip: Vip): Promise<boolean> {
    const ledger = this.#ctx.ledger;
    const serial = ledger.serial(link.name, vip);
    const removed = await this.#ctx.addresses.removeVip(link, vip);
    if (serial !== null) ledger.remove(link.name, vip, serial);
    return removed;
  }

  /**
   * A reload changed a vhid's VIPs in place. While it is MASTER the new
   * ones go on, are announced and get the up script; the dropped ones get
   * the down script (they come off with the sweep that follows every
   * reload, once no vhid holds them: a VIP moved to another vhid of the
   * box is never taken from under it).
   *
   * @param t The vhid, with its new settings.
   * @param before Its VIPs before the reload.
   * @param master Whether it is MASTER (its VIPs on, or going on).
   * @param failed Called with why, when the new ones cannot go on.
   */
  vipsChanged(
    t: EffectTarget,
    before: readonly Vip[],
    master: boolean,
    failed: (error: string) => void,
  ): void {
    const after = t.config.vips;
    const added = after.filter((v) => !before.some((b) => sameVip(b, v)));
    const dropped = before.filter((b) => !after.some((v) => sameVip(b, v)));
    if (added.length + dropped.length > 0) {
      this.#ctx.log.info(
        `${t.name}: VIPs changed in place${
          added.length > 0
            ? `, ${added.map((v) => v.text).join(", ")} added`
            : ""
        }${
          dropped.length > 0
            ? `, ${dropped.map((v) => v.text).join(", ")} dropped`
            : ""
        }`,
      );
    }
    if (!master) return;
    if (dropped.length > 0) this.runScripts(t, "down", dropped);
    if (added.length === 0) return;
    this.addVips(t, (error) => {
      if (error !== null) return failed(error);
      this.announce(t, added);
      this.runScripts(t, "up", added);
    }, added);
  }

  /**
   * Puts back a VIP someone removed while the vhid is MASTER, and tells
   * the segment; after a moment, as an interface being deleted removes its
   * addresses just before it goes.
   *
   * @param t The vhid.
   * @param vip The VIP.
   * @param wanted Whether the vhid still wants it then (still MASTER).
   * @param failed Called with why, when it cannot go back on.
   */
  restoreVip(
    t: EffectTarget,
    vip: Vip,
    wanted: () => boolean,
    failed: (error: string) => void,
  ): void {
    if (!t.config.manageVips) return;
    this.#ctx.clock.after(RESTORE_DELAY_MS, () => {
      const link = t.link;
      if (!wanted() || link === null || linkHasVip(link, vip)) return;
      t.counters.vipsRestored++;
      this.#ctx.log.warning(
        `${t.name}: ${vip.text} was removed from ${link.name} while MASTER; putting it back`,
      );
      this.#add(link, vip, vipLabel(link.name)).then(
        () => this.announce(t),
        (e) => failed(errorMessage(e)),
      );
    });
  }

  /**
   * Tells the segment the VIPs are here: one gratuitous ARP per IPv4 VIP,
   * one unsolicited neighbour advertisement per IPv6 VIP.
   *
   * @param t The vhid.
   * @param vips These VIPs (all of the vhid's when not given).
   * @param refresh A periodic refresh (`garp_refresh`): rate-limited per
   *   interface, so many vhids refreshing together never flood it.
   */
  announce(
    t: EffectTarget,
    vips: readonly Vip[] = t.config.vips,
    refresh = false,
  ): void {
    const link = t.link;
    if (link === null) return;
    if (refresh && !this.#refreshAllowed(link.name, vips.length)) return;
    const r = announceVips(this.#ctx.frames, link, vips);
    t.counters.garpsSent += r.sent;
    for (const { vip, error } of r.failures) {
      logLimited(
        this.#ctx.log,
        this.#ctx.limiter,
        `${t.name} garp`,
        this.#ctx.clock.now(),
        "warning",
        `${t.name}: ${
          vip.family === 4 ? "gratuitous ARP" : "neighbour advertisement"
        } for ${vip.text} not sent: ${error.message}`,
      );
    }
  }

  /** Whether `frames` refresh frames may leave on an interface now. */
  #refreshAllowed(iface: string, frames: number): boolean {
    const now = this.#ctx.clock.now();
    const b = this.#refreshBudget.get(iface) ??
      { tokens: REFRESH_FRAMES_PER_SECOND, at: now };
    b.tokens = Math.min(
      REFRESH_FRAMES_PER_SECOND,
      b.tokens + (now - b.at) * REFRESH_FRAMES_PER_SECOND / 1000,
    );
    b.at = now;
    this.#refreshBudget.set(iface, b);
    if (b.tokens < frames) return false;
    b.tokens -= frames;
    return true;
  }

  /**
   * Queues the up or down script, once per VIP, as ucarp calls it:
   * `script <interface> <vip> [xparam]`.
   *
   * @param t The vhid.
   * @param hook Which.
   * @param vips For these VIPs (all of the vhid's when not given).
   */
  runScripts(
    t: EffectTarget,
    hook: "up" | "down",
    vips: readonly Vip[] = t.config.vips,
  ): void {
    const c = t.config;
    const script = hook === "up" ? c.upScript : c.downScript;
    if (script === null) return;
    for (const vip of vips) {
      const argv = [script, c.interface, vip.text];
      if (c.xparam !== null) argv.push(c.xparam);
      this.#queue(t, hook, {
        argv,
        timeoutMs: c.scriptTimeoutMs,
        label: `${t.name} ${hook} script`,
      });
    }
  }

  /**
   * Records a transition: the history, the log line, the notify hook.
   *
   * @param t The vhid.
   * @param from The state announced before.
   * @param to The new state.
   * @param why The reason, in words.
   */
  transition(t: EffectTarget, from: string, to: string, why: string): void {
    const history = this.#histories.get(t.key) ?? [];
    this.#histories.set(t.key, history);
    history.push({
      at: new Date(this.#ctx.clock.wallMs()).toISOString(),
      from,
      to,
      reason: why,
    });
    if (history.length > HISTORY_LENGTH) history.shift();
    this.#ctx.events?.publish({
      type: "transition",
      interface: t.config.interface,
      vhid: t.config.id,
      from,
      to,
      reason: why,
    });
    const line = `${t.name}: ${from} -> ${to} (${why})`;
    if (to === "FAULT") this.#ctx.log.warning(line);
    else this.#ctx.log.info(line);
    const c = t.config;
    if (c.notify === null) return;
    this.#queue(t, "notify", {
      argv: [
        ...c.notify,
        String(c.id),
        from,
        to,
        c.interface,
        c.vips.map((v) => v.text).join(","),
      ],
      timeoutMs: c.scriptTimeoutMs,
      label: `${t.name} notify`,
    });
  }

  /**
   * A vhid's last state changes, oldest first.
   *
   * @param key Its key.
   * @returns The records.
   */
  history(key: string): readonly TransitionRecord[] {
    return this.#histories.get(key) ?? [];
  }

  /**
   * Forgets a vhid that stopped for good (its queued hooks still run).
   *
   * @param key Its key.
   */
  forget(key: string): void {
    this.#histories.delete(key);
  }

  /**
   * Resolves when the box's queued hooks have finished (or timed out).
   *
   * @returns A promise.
   */
  hooksIdle(): Promise<void> {
    return this.#hooks.idle();
  }

  /**
   * Queues a hook in the box's queue (a group's hooks).
   *
   * @param job The command.
   * @param after It (and what is queued behind it) starts once this settled.
   * @returns Its result.
   */
  enqueue(job: HookJob, after?: Promise<void>): Promise<HookResult> {
    return this.#hooks.enqueue(job, after);
  }

  /** Queues a vhid's hook in the box's queue and counts how it ends. */
  #queue(t: EffectTarget, kind: HookKind, job: HookJob): void {
    this.#hooks.enqueue(job).then((r) => {
      const n = t.counters.hooks[kind];
      n.runs++;
      if (r.error !== null || r.timedOut || r.code !== 0) n.failures++;
      this.#ctx.events?.publish({
        type: "hook",
        hook: kind,
        interface: t.config.interface,
        vhid: t.config.id,
        ...hookOutcome(r),
      });
    });
  }
}

/** The same address with the same prefix length. */
function sameVip(a: Vip, b: Vip): boolean {
  return a.prefix === b.prefix && findVip([a], b.address) !== undefined;
}
