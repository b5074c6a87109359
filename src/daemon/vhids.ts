/**
 * The running vhids, by `interface/id`: started on their interface's port,
 * told their demotions, stopped.
 * @module
 */

import type { SyscallError } from "../../ffi/errors.ts";
import { formatIpv4 } from "../carp/mod.ts";
import type { VhidConfig } from "../config/mod.ts";
import { vhidKey } from "../config/reload_plan.ts";
import type { Demotion } from "../health/mod.ts";
import type { Logger, LogRateLimiter } from "../log.ts";
import type { Interfaces } from "./interfaces.ts";
import type { Links } from "./links.ts";
import type { Timers } from "./timers.ts";
import { type AddressControl, VhidRunner } from "./vhid_runner.ts";

/** What the vhids need from the daemon. */
export interface VhidsContext {
  log: Logger;
  limiter: LogRateLimiter;
  addresses: AddressControl;
  frames: {
    send(
      ifindex: number,
      ifname: string,
      ethertype: number,
      destination: Uint8Array,
      payload: Uint8Array,
    ): SyscallError | null;
  };
  interfaces: Interfaces;
  links: Links;
  /** The protocol timers (the receive loop's). */
  timers: Timers;
  /** The demotions health applies to a vhid now. */
  demotionsOf: (key: string) => Demotion[];
  /** Some vhid changed state. */
  onTransition: () => void;
  /** A protocol timer fired this late. */
  onTimer: (lateMs: number, intervalMs: number) => void;
}

/** The running vhids. */
export class Vhids {
  readonly #ctx: VhidsContext;
  readonly #byKey = new Map<string, VhidRunner>();

  constructor(ctx: VhidsContext) {
    this.#ctx = ctx;
  }

  /** Every vhid. */
  all(): VhidRunner[] {
    return [...this.#byKey.values()];
  }

  /** The vhid of a key, if running. */
  get(key: string): VhidRunner | undefined {
    return this.#byKey.get(key);
  }

  /** The vhids on one interface. */
  on(iface: string): VhidRunner[] {
    return this.all().filter((r) => r.config.interface === iface);
  }

  /**
   * Makes sure a vhid's interface has a port with its group joined; may
   * throw (setsockopt), so a reload calls it before changing anything.
   *
   * @param v The vhid.
   */
  prepare(v: VhidConfig): void {
    this.#ctx.interfaces.prepare(
      v.interface,
      v.group,
      v.vips.some((x) => x.family === 6),
    );
  }

  /**
   * Starts a vhid (after {@linkcode prepare}).
   *
   * @param v Its config.
   * @param standby Start in standby (carried over a restart).
   * @returns The runner.
   */
  start(v: VhidConfig, standby: boolean): VhidRunner {
    const ctx = this.#ctx;
    const port = ctx.interfaces.portOf(v.interface);
    const runner = new VhidRunner(v, {
      log: ctx.log,
      limiter: ctx.limiter,
      addresses: ctx.addresses,
      frames: ctx.frames,
      now: () => performance.now(),
      timers: ctx.timers,
      onTransition: ctx.onTransition,
      onTimer: ctx.onTimer,
      onReceiveRulesChanged: () => ctx.interfaces.invalidate(v.interface),
    });
    this.#byKey.set(vhidKey(v), runner);
    ctx.interfaces.invalidate(v.interface);
    runner.attach(port, ctx.links.byName(v.interface));
    if (standby) runner.standby();
    runner.setHealthDemotions(ctx.demotionsOf(runner.key));
    runner.start();
    const src = runner.source === null
      ? "no address yet"
      : formatIpv4(runner.source);
    ctx.log.info(
      `${runner.name} on ${v.interface}: ${
        v.vips.map((x) => x.text).join(", ")
      } from ${src}, ${
        v.protocol === "carp"
          ? `advbase ${v.advbase} advskew ${v.advskew}`
          : `priority ${v.priority} advert_interval ${
            v.advertIntervalCs / 100
          } s`
      }${v.preempt ? " preempt" : ""}, ${v.mode}`,
    );
    return runner;
  }

  /**
   * Stops a vhid (bow-out, VIPs released, down hook) and forgets it.
   *
   * @param key Its key.
   */
  stop(key: string): void {
    const r = this.#byKey.get(key);
    if (r === undefined) return;
    r.stop();
    // Forgotten, it would hear no successor: nothing is held back.
    r.release();
    this.#byKey.delete(key);
    this.#ctx.interfaces.invalidate(r.config.interface);
  }

  /**
   * Applies `f` to every vhid, or to those of one id.
   *
   * @param vhid An id, or all.
   * @param f What to do.
   * @returns How many vhids it applied to.
   */
  each(vhid: number | undefined, f: (r: VhidRunner) => void): number {
    let n = 0;
    for (const r of this.#byKey.values()) {
      if (vhid === undefined || r.config.id === vhid) {
        f(r);
        n++;
      }
    }
    return n;
  }
}
