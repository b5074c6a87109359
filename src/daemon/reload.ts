/**
 * Carries out a reload plan (`src/config/reload_plan.ts`) atomically: first
 * everything that can fail (sockets for new interfaces, group
 * memberships), and only if all of it worked, the changes themselves. A
 * reload that cannot be carried out whole changes nothing.
 * @module
 */

import type { Groups } from "./groups.ts";
import type { Config } from "../config/mod.ts";
import { errorMessage } from "../errors.ts";
import { planReload } from "../config/mod.ts";
import type { Interfaces } from "./interfaces.ts";
import type { Vhids } from "./vhids.ts";

/** What a reload did. */
export type ReloadOutcome =
  | { ok: true; started: number; updated: number }
  | { ok: false; error: string };

/**
 * Brings the running vhids in line with a new config.
 *
 * @param next The new config.
 * @param vhids The running vhids.
 * @param interfaces Their interfaces.
 * @param groups The box's groups (members join and leave).
 * @returns What it did, or why it did nothing.
 */
export function applyReload(
  next: Config,
  vhids: Vhids,
  interfaces: Interfaces,
  groups: Groups,
): ReloadOutcome {
  const running = vhids.all();
  const plan = planReload(
    running.map((r) => r.config),
    next.vhids,
    new Set(running.filter((r) => r.state.standby).map((r) => r.key)),
  );
  const fresh: string[] = [];
  try {
    for (const p of plan) {
      if (p.change !== "start" && p.change !== "restart") continue;
      const name = p.config!.interface;
      if (!interfaces.has(name)) {
        fresh.push(name);
        const port = interfaces.portOf(name);
        if (port.error !== null) throw new Error(port.error);
      }
      vhids.prepare(p.config!);
    }
  } catch (e) {
    for (const name of fresh) interfaces.drop(name);
    return { ok: false, error: errorMessage(e) };
  }
  let started = 0;
  let updated = 0;
  // Members join and leave their groups before anything starts or stops.
  groups.configure(next.groups);
  for (const p of plan) {
    switch (p.change) {
      case "keep":
        break;
      case "update":
        vhids.get(p.key)!.reconfigure(p.config!);
        updated++;
        break;
      case "stop":
        vhids.stop(p.key);
        vhids.forgetKeys(p.key);
        break;
      case "restart":
        vhids.stop(p.key);
        vhids.start(p.config!, p.standby);
        started++;
        break;
      case "start":
        vhids.start(p.config!, false);
        started++;
        break;
    }
  }
  groups.update();
  interfaces.prune();
  interfaces.invalidateAll();
  return { ok: true, started, updated };
}
