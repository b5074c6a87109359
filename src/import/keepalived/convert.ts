/**
 * keepalived statements into carpd's model: global_defs and sync groups
 * first (keepalived resolves them wherever they are), then each vrrp_script
 * and vrrp_instance in order; everything else is noted as not carried over.
 * @module
 */

import { parseIpv4 } from "../../net/mod.ts";
import { ImportError } from "../mod.ts";
import {
  arg,
  blockOf,
  boolArg,
  errorAt,
  intArg,
  noBlock,
  noteAt,
  secondsArg,
} from "./arguments.ts";
import { convertInstance } from "./instance.ts";
import { GARP_DIFFERENCE, GLOBAL_DEFS, TOP_LEVEL } from "./keywords.ts";
import { clamp, garpInterval } from "./limits.ts";
import {
  type Conversion,
  type Converted,
  newConversion,
  type Protocol,
} from "./model.ts";
import type { KaNode, OrderedNote } from "./parser.ts";
import { vhidKeys } from "./protocol_keys.ts";
import { convertScript } from "./scripts.ts";
import { nameChecks } from "./trackers.ts";
import { readSyncGroup, resolveSyncGroups } from "./sync_groups.ts";

/**
 * Converts keepalived's statements into vhids, checks and tracked interfaces.
 *
 * @param path The main config file.
 * @param protocol What the vhids speak.
 * @param nodes The top-level statements, includes expanded.
 * @param notes The notes taken while reading the files.
 * @returns The converted config, with every note taken.
 * @throws {ImportError} A value carpd cannot take, a keyword without its
 *   value or block, a name defined twice, or no vrrp_instance at all.
 */
export function convertKeepalived(
  path: string,
  protocol: Protocol,
  nodes: KaNode[],
  notes: readonly OrderedNote[],
): Converted {
  const c = newConversion(path, protocol, notes);
  // keepalived resolves these wherever they are; scripts must come first.
  for (const n of nodes) {
    const kw = n.words[0]!;
    if (kw === "global_defs") globalDefs(c, n);
    else if (kw === "vrrp_sync_group") readSyncGroup(c, n);
    else if (kw === "vrrp_script") {
      const name = n.words[1] ?? "";
      const first = c.scriptNodes.get(name);
      if (first !== undefined) {
        throw errorAt(
          n,
          `vrrp_script ${name} is defined twice (first at line ${first.line} of ${first.file})`,
        );
      }
      c.scriptNodes.set(name, n);
    }
  }
  for (const n of nodes) {
    const kw = n.words[0]!;
    switch (kw) {
      case "global_defs":
      case "vrrp_sync_group":
        break;
      case "vrrp_script":
        convertScript(c, n);
        break;
      case "vrrp_instance":
        convertInstance(c, n);
        break;
      default:
        topLevel(c, n);
    }
  }
  if (c.instances.length === 0) {
    throw new ImportError(
      path,
      1,
      "no vrrp_instance: nothing to convert (carp.toml needs at least one [[vhid]])",
    );
  }
  for (const s of c.scripts.values()) {
    if (!s.used && s.command !== null) {
      noteAt(
        c.notes,
        s.node,
        `vrrp_script ${s.name}: no vrrp_instance tracks it, so keepalived never runs it; not carried over`,
      );
    }
  }
  nameChecks(c);
  const vhids = vhidKeys(c);
  return {
    path,
    protocol,
    vhids,
    checks: c.checks,
    tracks: c.tracks,
    groups: resolveSyncGroups(c),
    notes: c.notes,
  };
}

function topLevel(c: Conversion, n: KaNode): void {
  const kw = n.words[0]!;
  const what = n.words.join(" ");
  const why = TOP_LEVEL.get(kw) ??
    "not a keyword this importer knows; not carried over";
  noteAt(c.notes, n, `${what}: ${why}`);
}

function globalDefs(c: Conversion, n: KaNode): void {
  for (const s of blockOf(n)) {
    const kw = s.words[0]!;
    const g = c.globals;
    switch (kw) {
      case "vrrp_version":
        noBlock(s);
        g.version = intArg(s, 1, 2, 3);
        if (c.protocol === "carp") {
          noteAt(
            c.notes,
            s,
            `vrrp_version ${g.version}: VRRP only; the vhids speak CARP`,
          );
        }
        break;
      case "vrrp_garp_master_repeat":
        noBlock(s);
        g.garpRepeat = intArg(s, 1, 0, 1000);
        noteAt(
          c.notes,
          s,
          `vrrp_garp_master_repeat ${g.garpRepeat}: every vhid gets garp_count = ${
            clamp(g.garpRepeat, 1, 100)
          } unless its instance sets garp_master_repeat; ${GARP_DIFFERENCE}`,
        );
        break;
      case "vrrp_garp_master_refresh": {
        noBlock(s);
        const r = secondsArg(s, 1, 0, 86400);
        g.garpRefresh = r > 0 ? r : null;
        break;
      }
      case "vrrp_garp_master_delay":
        noBlock(s);
        g.garpDelay = secondsArg(s, 1, 0, 86400);
        noteAt(
          c.notes,
          s,
          `vrrp_garp_master_delay ${
            s.words[1]
          }: every vhid gets garp_interval = ${
            garpInterval(g.garpDelay)
          } unless its instance sets garp_master_delay; ${GARP_DIFFERENCE}`,
        );
        break;
      case "vrrp_min_garp":
        noBlock(s);
        g.minGarp = boolArg(s);
        if (g.minGarp) {
          noteAt(
            c.notes,
            s,
            "vrrp_min_garp: every vhid gets garp_count = 1 (one gratuitous ARP or neighbour advertisement, no second burst)",
          );
        }
        break;
      case "vrrp_mcast_group4": {
        noBlock(s);
        const addr = arg(s, 1);
        const a = parseIpv4(addr);
        if (a === null || a >>> 28 !== 0xe) {
          throw errorAt(
            s,
            `vrrp_mcast_group4: "${addr}" is not an IPv4 multicast address`,
          );
        }
        g.group4 = addr;
        break;
      }
      default: {
        const why = GLOBAL_DEFS.get(kw) ??
          "no carpd equivalent; not carried over";
        noteAt(c.notes, s, `global_defs ${s.words.join(" ")}: ${why}`);
      }
    }
  }
}
