/**
 * The running vhids, by `interface/id`: each a driver built on its
 * interface's port, told its demotions, started and stopped.
 * @module
 */

import type { VhidConfig, Vip } from "../config/mod.ts";
import { vhidKey } from "../config/mod.ts";
import type { Demotion } from "../health/mod.ts";
import { type DriverContext, VhidDriver } from "./driver.ts";
import type { Interfaces } from "./interfaces.ts";
import type { Links } from "./links.ts";
import { findVip } from "./vip_addresses.ts";

/** What the vhids need from the daemon. */
export interface VhidsContext
  extends Omit<DriverContext, "onReceiveRulesChanged"> {
  interfaces: Interfaces;
  links: Links;
  /** The demotions health applies to a vhid now. */
  demotionsOf: (key: string) => Demotion[];
  /** A vhid is about to start: tell it its group. */
  joined: (key: string) => void;
}

/** The running vhids. */
export class Vhids {
  readonly #ctx: VhidsContext;
  readonly #byKey = new Map<string, VhidDriver>();

  constructor(ctx: VhidsContext) {
    this.#ctx = ctx;
  }

  /** Every vhid. */
  all(): VhidDriver[] {
    return [...this.#byKey.values()];
  }

  /** The vhid of a key, if running. */
  get(key: string): VhidDriver | undefined {
    return this.#byKey.get(key);
  }

  /** The vhids on one interface. */
  on(iface: string): VhidDriver[] {
    return this.all().filter((r) => r.config.interface === iface);
  }

  /**
   * Makes sure a vhid's interface has a port with what it needs; may
   * throw (setsockopt), so a reload calls it before changing anything.
   *
   * @param v The vhid.
   */
  prepare(v: VhidConfig): void {
    this.#ctx.interfaces.prepare(
      v.interface,
      v.group,
      new Set(v.vips.map((x) => x.family)),
    );
  }

  /**
   * Starts a vhid (after {@linkcode prepare}).
   *
   * @param v Its config.
   * @param standby Start in standby (carried over a restart).
   * @returns The driver.
   */
  start(v: VhidConfig, standby: boolean): VhidDriver {
    const ctx = this.#ctx;
    const port = ctx.interfaces.portOf(v.interface);
    const driver = new VhidDriver(v, {
      ...ctx,
      onReceiveRulesChanged: () => ctx.interfaces.invalidate(v.interface),
    });
    this.#byKey.set(vhidKey(v), driver);
    ctx.interfaces.invalidate(v.interface);
    driver.attach(port, ctx.links.byName(v.interface));
    ctx.joined(driver.key);
    if (standby) driver.standby();
    driver.setHealthDemotions(ctx.demotionsOf(driver.key));
    driver.start();
    const timers = v.protocol === "carp"
      ? `advbase ${v.advbase} advskew ${v.advskew}`
      : `priority ${v.priority} advert_interval ${v.advertIntervalCs / 100} s`;
    ctx.log.info(
      `${driver.name} on ${v.interface}: ${
        v.vips.map((x) => x.text).join(", ")
      } from ${sourcesText(driver)}, ${timers}${
        v.preempt ? " preempt" : ""
      }, ${v.mode}`,
    );
    return driver;
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
    this.#ctx.effects.forget(key);
    this.#ctx.interfaces.invalidate(r.config.interface);
  }

  /**
   * Forgets the key ring of a vhid the config no longer has.
   *
   * @param key Its key.
   */
  forgetKeys(key: string): void {
    this.#ctx.rings.forget(key);
  }

  /**
   * Whether a vhid holds an address on an interface now: carpd manages its
   * VIPs, the address is one of them, and it is MASTER or holding them for
   * a successor after a bow-out.
   *
   * @param iface The interface's name.
   * @param vip The address (with its prefix length).
   * @param stopping At the stop: held only by a vhid that keeps its VIPs
   *   when carpd stops (`release_vips_on_exit = false`).
   * @returns Whether a vhid holds it.
   */
  holds(iface: string, vip: Vip, stopping = false): boolean {
    return this.on(iface).some((r) => {
      const c = r.config;
      if (!c.manageVips) return false;
      const mine = findVip(c.vips, vip.address);
      if (mine === undefined || mine.prefix !== vip.prefix) return false;
      if (stopping) return !c.releaseVipsOnExit;
      return r.state.state === "MASTER" || r.state.releaseAt !== null;
    });
  }

  /**
   * Applies `f` to every vhid, or to those of one id.
   *
   * @param vhid An id, or all.
   * @param f What to do.
   * @param keys Only among these (a group's members), when given.
   * @returns How many vhids it applied to.
   */
  each(
    vhid: number | undefined,
    f: (r: VhidDriver) => void,
    keys?: readonly string[],
  ): number {
    let n = 0;
    for (const r of this.#byKey.values()) {
      if (keys !== undefined && !keys.includes(r.key)) continue;
      if (vhid === undefined || r.config.id === vhid) {
        f(r);
        n++;
      }
    }
    return n;
  }
}

/** The vhid's source addresses, one per family it has VIPs of. */
function sourcesText(driver: VhidDriver): string {
  const sources = [driver.iface.sourceText(4), driver.iface.sourceText(6)]
    .filter((a) => a !== null);
  return sources.length === 0 ? "no address yet" : sources.join(" and ");
}
