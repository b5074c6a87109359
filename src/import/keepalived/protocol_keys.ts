/**
 * What a vrrp_instance's priority, advert interval and password become in
 * the protocol the vhids speak: VRRP's priority and advert_interval, or
 * CARP's advskew, advbase and password.
 * @module
 */

import { noteAt } from "./arguments.ts";
import { BOW_OUT_SECONDS, clamp } from "./limits.ts";
import type {
  CarpKeys,
  Conversion,
  Instance,
  Vhid,
  VrrpKeys,
} from "./model.ts";

/**
 * Notes what becomes of priority 255 (keepalived's address owner) and of a
 * priority raised past the protocol's top by inverted weights.
 *
 * @param c The conversion.
 * @param inst The instance, its trackers read.
 */
export function notePriority(c: Conversion, inst: Instance): void {
  const where = `vrrp_instance ${inst.name}`;
  const at = inst.priorityNode ?? inst.stateNode ?? inst.node;
  const set = inst.priorityNode === null
    ? "state MASTER without a priority means 255"
    : "priority 255";
  if (inst.priority === 255) {
    const weights = inst.weights.length === 0
      ? ""
      : `; keepalived never moved the owner's priority by tracker weights, carpd applies them (${
        inst.weights.join(", ")
      })`;
    noteAt(
      c.notes,
      at,
      c.protocol === "vrrp"
        ? `${set} (${where}): the address owner's; carpd is never the owner, so priority = 254 (it wins the election but waits for it)${weights}`
        : `${set} (${where}): advskew = 0, the most preferred; CARP has no address owner, so it waits for the election${weights}`,
    );
  }
  const cap = c.protocol === "vrrp" ? 254 : 255;
  const base = Math.min(inst.priority, cap);
  if (inst.raise > 0 && base + inst.raise > cap) {
    noteAt(
      c.notes,
      at,
      `priority ${base} + ${inst.raise} from inverted positive weights (${where}) is above ${cap}: capped at ${cap}, so the first demotions count less than in keepalived`,
    );
  }
}

/**
 * Every instance with its protocol's keys, noting advert intervals the
 * protocol cannot hold and CARP passwords made up.
 *
 * @param c The conversion, every instance read.
 * @returns The vhids, in the order of the instances.
 */
export function vhidKeys(c: Conversion): Vhid[] {
  return c.instances.map((instance) => ({
    instance,
    keys: c.protocol === "carp" ? carpKeys(c, instance) : vrrpKeys(c, instance),
  }));
}

function vrrpKeys(c: Conversion, v: Instance): VrrpKeys {
  const base = Math.min(v.priority, 254);
  const priority = Math.min(base + v.raise, 254);
  const why = [
    v.priority === 255
      ? "keepalived 255: carpd is never the address owner"
      : "",
    v.raise > 0 ? `${base} + ${v.raise} from inverted positive weights` : "",
  ].filter((s) => s !== "").join("; ");
  const cs = v.version === 2
    ? clamp(Math.round(v.advertInt), 1, 255) * 100
    : clamp(Math.round(v.advertInt * 100), 1, 4095);
  const interval = cs / 100;
  if (interval !== v.advertInt && v.advertNode !== null) {
    noteAt(
      c.notes,
      v.advertNode,
      `advert_int ${
        v.advertNode.words[1]
      } (vrrp_instance ${v.name}): advert_interval = ${interval}; VRRPv${v.version} ${
        v.version === 2
          ? "counts in whole seconds"
          : "counts in 0.01 s up to 40.95 s"
      } (keepalived rounds the same way)`,
    );
  }
  return {
    protocol: "vrrp",
    priority: { value: priority, why },
    advertInterval: {
      value: interval,
      why: interval !== v.advertInt ? `advert_int ${v.advertInt}, rounded` : "",
    },
  };
}

function carpKeys(c: Conversion, v: Instance): CarpKeys {
  let password: CarpKeys["password"];
  if (v.authPass !== null) password = { value: v.authPass, why: v.authWhy };
  else {
    const pw = derivedPassword(v.name, v.id);
    password = {
      value: pw,
      why: "derived from the name and VRID: replace on every box",
    };
    noteAt(
      c.notes,
      v.node,
      `vrrp_instance ${v.name}: CARP needs a password and there is no auth_pass, so password = "${pw}", derived from the instance name and VRID (the same on every box importing this file); replace it with a secret of up to 19 bytes, the same on every box`,
    );
  }
  const deadratio = v.downTimerAdverts ?? 3;
  let advbase = clamp(Math.ceil(v.advertInt), 1, 255);
  let why = advbase !== v.advertInt
    ? `advert_int ${v.advertInt}, rounded up`
    : "";
  let lowered = false;
  if (advbase * deadratio >= BOW_OUT_SECONDS) {
    advbase = Math.floor((BOW_OUT_SECONDS - 1) / deadratio);
    why =
      `advert_int ${v.advertInt}, lowered: advbase x deadratio must stay below ${BOW_OUT_SECONDS} s`;
    lowered = true;
  }
  if (advbase !== v.advertInt && v.advertNode !== null) {
    noteAt(
      c.notes,
      v.advertNode,
      `advert_int ${
        v.advertNode.words[1]
      } (vrrp_instance ${v.name}): advbase = ${advbase}; ${
        lowered
          ? `advbase x deadratio must stay below ${BOW_OUT_SECONDS} s`
          : "CARP counts in whole seconds"
      }`,
    );
  }
  const p = Math.min(v.priority + v.raise, 255);
  return {
    protocol: "carp",
    password,
    advbase: { value: advbase, why },
    advskew: {
      value: 255 - p,
      why: `255 - priority ${p}${
        v.raise > 0
          ? ` (${v.priority} + ${v.raise} from inverted positive weights)`
          : ""
      }: lower advskew wins`,
    },
  };
}

/**
 * A stand-in CARP password, the same for the same name and VRID on every box:
 * FNV-1a (32 bits) of `name/vrid`, in hex, after "replace-me-".
 */
function derivedPassword(name: string, vrid: number): string {
  let h = 0x811c9dc5;
  for (const b of new TextEncoder().encode(`${name}/${vrid}`)) {
    h = Math.imul(h ^ b, 0x01000193) >>> 0;
  }
  return `replace-me-${h.toString(16).padStart(8, "0")}`;
}
