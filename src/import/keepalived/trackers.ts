/**
 * A vrrp_instance's track_script and track_interface entries in carpd's
 * model: each becomes a `[[check]]` or `[[track_interface]]` that faults or
 * demotes its vhids (positive weights inverted); entries alike are shared.
 * @module
 */

import { errorAt, intArg, noBlock, noteAt } from "./arguments.ts";
import { type Conversion, type Instance, trackedVhids } from "./model.ts";
import type { KaNode } from "./parser.ts";

/**
 * Carries an instance's track_script entries over as checks.
 *
 * @param c The conversion (its vrrp_scripts read so far).
 * @param inst The instance (its id set).
 * @param uses The lines of its track_script blocks.
 * @throws {ImportError} A bad weight or option.
 */
export function trackScripts(
  c: Conversion,
  inst: Instance,
  uses: KaNode[],
): void {
  const where = `vrrp_instance ${inst.name}`;
  for (const u of uses) {
    noBlock(u);
    const name = u.words[0]!;
    const script = c.scripts.get(name);
    if (script === undefined) {
      const later = c.scriptNodes.get(name);
      noteAt(
        c.notes,
        u,
        later === undefined
          ? `track_script ${name} (${where}): no vrrp_script ${name}, so keepalived ignores it; not carried over`
          : `track_script ${name} (${where}): its vrrp_script comes later (${later.file}:${later.line}) and keepalived 2.2.7 ignores a track_script that comes before it; not carried over (move the vrrp_script up and import again if it should count)`,
      );
      continue;
    }
    if (script.command === null) {
      noteAt(
        c.notes,
        u,
        `track_script ${name} (${where}): vrrp_script ${name} has no script; not carried over`,
      );
      continue;
    }
    const { weight, reverse } = weightOf(u, script.weight, script.reverse);
    script.used = true;
    if (!trackable(c, u, inst, weight, reverse, `track_script ${name}`)) {
      continue;
    }
    const t = tracker(c, inst, u, weight, `track_script ${name}`);
    const same = c.checks.find((k) =>
      k.script === script && k.fault === t.fault &&
      k.demote === t.demote && k.inverted === t.inverted
    );
    if (same !== undefined) {
      same.vhids.push(inst.id);
      same.instances.push(inst);
    } else {
      c.checks.push({
        name,
        script,
        node: script.node,
        vhids: [inst.id],
        instances: [inst],
        ...t,
      });
    }
  }
}

/**
 * Carries an instance's track_interface entries over as tracked interfaces.
 *
 * @param c The conversion.
 * @param inst The instance (its id and interface set).
 * @param uses The lines of its track_interface blocks.
 * @throws {ImportError} A bad weight or option.
 */
export function trackInterfaces(
  c: Conversion,
  inst: Instance,
  uses: KaNode[],
): void {
  for (const u of uses) {
    noBlock(u);
    const name = u.words[0]!;
    const { weight, reverse } = weightOf(u, 0, false);
    const what = `track_interface ${name}`;
    if (!trackable(c, u, inst, weight, reverse, what)) continue;
    if (name === inst.iface && weight === 0) {
      noteAt(
        c.notes,
        u,
        `${what} (vrrp_instance ${inst.name}): not needed: carpd always puts a vhid in FAULT while its own interface is down`,
      );
      continue;
    }
    const t = tracker(c, inst, u, weight, what);
    const same = c.tracks.find((k) =>
      k.name === name && k.fault === t.fault &&
      k.demote === t.demote && k.inverted === t.inverted
    );
    if (same !== undefined) {
      same.vhids.push(inst.id);
      same.instances.push(inst);
    } else {
      c.tracks.push({
        name,
        node: u,
        vhids: [inst.id],
        instances: [inst],
        ...t,
      });
    }
  }
}

/** `NAME [weight W] [reverse|noreverse|no_reverse]`. */
function weightOf(
  u: KaNode,
  weight: number,
  reverse: boolean,
): { weight: number; reverse: boolean } {
  const w = u.words;
  for (let i = 1; i < w.length; i++) {
    const o = w[i]!;
    if (o === "weight") {
      weight = intArg(u, ++i, -253, 253);
    } else if (o === "reverse") reverse = true;
    else if (o === "noreverse" || o === "no_reverse") reverse = false;
    else {
      throw errorAt(
        u,
        `${w[0]}: "${o}" is not weight, reverse or noreverse`,
      );
    }
  }
  return { weight, reverse };
}

/** Whether a tracker is carried over (notes why not). */
function trackable(
  c: Conversion,
  u: KaNode,
  inst: Instance,
  weight: number,
  reverse: boolean,
  what: string,
): boolean {
  const where = `vrrp_instance ${inst.name}`;
  if (reverse) {
    noteAt(
      c.notes,
      u,
      `${what} (${where}): reverse is not carried over: carpd demotes or faults only while a check fails or a link is down`,
    );
    return false;
  }
  const sync = c.synced.get(inst.name);
  if (weight !== 0 && sync !== undefined && !sync.weights) {
    noteAt(
      c.notes,
      u,
      `${what} weight ${weight} (${where}): not carried over: keepalived ignores weighted trackers of a vrrp_sync_group member (${sync.group})`,
    );
    return false;
  }
  return true;
}

/** What a weight makes of a tracker: fault, demote, or raise and demote. */
function tracker(
  c: Conversion,
  inst: Instance,
  u: KaNode,
  weight: number,
  what: string,
): { fault: boolean; demote: number; inverted: boolean } {
  if (weight === 0) return { fault: true, demote: 0, inverted: false };
  inst.weights.push(`${u.words[0]} ${weight > 0 ? "+" : ""}${weight}`);
  if (weight < 0) return { fault: false, demote: -weight, inverted: false };
  inst.raise += weight;
  noteAt(
    c.notes,
    u,
    `${what} weight ${weight} (vrrp_instance ${inst.name}): carpd only demotes, so this is inverted: the priority is raised by ${weight} and the ${
      what.startsWith("track_script") ? "check" : "interface"
    } demotes by ${weight} while ${
      what.startsWith("track_script") ? "failing" : "down"
    } (the same effective priorities)`,
  );
  return { fault: false, demote: weight, inverted: true };
}

/**
 * Names the checks of a vrrp_script tracked with different weights apart,
 * notes trackers whose vhid ids also cover vhids on other interfaces, and
 * puts the checks in the source order of their vrrp_script.
 *
 * @param c The conversion, every instance read.
 */
export function nameChecks(c: Conversion): void {
  for (const s of c.scripts.values()) {
    const mine = c.checks.filter((k) => k.script === s);
    if (mine.length < 2) continue;
    for (const k of mine) {
      k.name = `${s.name}:${
        k.fault ? "fault" : `${k.inverted ? "raise" : "demote"}${k.demote}`
      }`;
    }
    noteAt(
      c.notes,
      s.node,
      `vrrp_script ${s.name}: tracked with different weights, so it becomes ${mine.length} [[check]] tables (${
        mine.map((k) => k.name).join(", ")
      }); carpd runs the command once for each`,
    );
  }
  const byId = new Map<number, Set<string>>();
  for (const i of c.instances) {
    byId.set(i.id, (byId.get(i.id) ?? new Set()).add(i.iface));
  }
  for (const t of [...c.checks, ...c.tracks]) {
    const ifaces = new Set(t.instances.map((i) => i.iface));
    const more = t.vhids.flatMap((id) =>
      [...byId.get(id)!].filter((f) => !ifaces.has(f)).map((f) =>
        `${id} on ${f}`
      )
    );
    if (more.length > 0) {
      noteAt(
        c.notes,
        t.node,
        `${t.name}: carpd names vhids by id only, so vhids = [${
          trackedVhids(t).join(", ")
        }] also covers vhid ${more.join(", ")}`,
      );
    }
  }
  // Script ordering: source order of the vrrp_script, then first use.
  c.checks.sort((a, b) => a.node.order - b.node.order);
}
