/**
 * A vrrp_instance block into carpd's model: reads each keyword, then settles
 * the VIPs, version, preemption, authentication, advert source, GARP,
 * notify scripts, trackers and priority.
 * @module
 */

import { parseIpv4, parseIpv6 } from "../../net/mod.ts";
import { convertSource, convertVips } from "./addresses.ts";
import {
  arg,
  blockOf,
  errorAt,
  extraWords,
  intArg,
  nameArg,
  noBlock,
  noteAt,
  secondsArg,
} from "./arguments.ts";
import { convertAuth } from "./authentication.ts";
import { convertGarp } from "./garp.ts";
import { INSTANCE_REFUSED, INSTANCE_SCALARS } from "./keywords.ts";
import { KA_ADVERT_INT, KA_PRIORITY, KA_VRRP_VERSION } from "./limits.ts";
import type { Conversion, Instance } from "./model.ts";
import { convertHooks, type Hook } from "./notify_hooks.ts";
import type { KaNode } from "./parser.ts";
import { notePriority } from "./protocol_keys.ts";
import { commandArgv } from "./scripts.ts";
import { trackInterfaces, trackScripts } from "./trackers.ts";

/**
 * Reads a vrrp_instance block and adds it to the conversion's instances.
 *
 * @param c The conversion (its scripts read before).
 * @param n The vrrp_instance statement.
 * @throws {ImportError} A name given twice, no interface, VRID or VIP, a bad
 *   value.
 */
export function convertInstance(c: Conversion, n: KaNode): void {
  const name = nameArg(c.notes, n);
  const dup = c.instanceNames.get(name);
  if (dup !== undefined) {
    throw errorAt(
      n,
      `vrrp_instance ${name} is defined twice (first at line ${dup.line} of ${dup.file})`,
    );
  }
  c.instanceNames.set(name, n);
  const set = new Map<string, KaNode>();
  const once = (key: string, st: KaNode): void => {
    const before = set.get(key);
    if (before !== undefined) {
      noteAt(
        c.notes,
        st,
        `${
          st.words[0]
        } (vrrp_instance ${name}): given again; this one counts, not line ${before.line}`,
      );
    }
    set.set(key, st);
  };
  let iface: KaNode | null = null;
  let id: number | null = null;
  let state: KaNode | null = null;
  let nopreempt: KaNode | null = null;
  let version: { v: 2 | 3; node: KaNode } | null = null;
  const vipLines: KaNode[] = [];
  let vipBlock: KaNode | null = null;
  const auth: KaNode[] = [];
  const scriptUses: KaNode[] = [];
  const ifaceUses: KaNode[] = [];
  const hooks = new Map<string, Hook>();
  const inst: Instance = {
    name,
    node: n,
    id: 0,
    iface: "",
    vips: [],
    family: 4,
    priority: KA_PRIORITY,
    priorityNode: null,
    stateNode: null,
    raise: 0,
    advertInt: KA_ADVERT_INT,
    advertNode: null,
    version: KA_VRRP_VERSION,
    versionWhy: "",
    authPass: null,
    authWhy: "",
    preempt: true,
    source: null,
    peers: [],
    group: null,
    garpCount: null,
    garpInterval: null,
    downTimerAdverts: null,
    preemptDelay: null,
    garpRefresh: null,
    ignoreLinkState: false,
    upScript: null,
    downScript: null,
    upWhy: "",
    downWhy: "",
    notify: null,
    weights: [],
  };
  let peerBlock: KaNode | null = null;
  let garpRepeat: KaNode | null = null;
  let garpDelay: KaNode | null = null;
  const where = `vrrp_instance ${name}`;
  for (const st of blockOf(n)) {
    const kw = st.words[0]!;
    if (INSTANCE_SCALARS.has(kw)) noBlock(st);
    switch (kw) {
      case "state": {
        once(kw, st);
        const v = arg(st, 1);
        if (v !== "MASTER" && v !== "BACKUP") {
          throw errorAt(st, `state: "${v}" is not MASTER or BACKUP`);
        }
        state = v === "MASTER" ? st : null;
        if (v === "MASTER") {
          noteAt(
            c.notes,
            st,
            `state MASTER (${where}): not carried over: carpd starts every vhid as BACKUP and the election makes it MASTER once the master-down time passes without a better advert`,
          );
        }
        break;
      }
      case "interface":
        once(kw, st);
        iface = st;
        inst.iface = arg(st, 1);
        extraWords(c.notes, st, 2);
        break;
      case "virtual_router_id":
        once(kw, st);
        id = intArg(st, 1, 1, 255);
        break;
      case "priority":
        once(kw, st);
        inst.priority = intArg(st, 1, 1, 255);
        inst.priorityNode = st;
        break;
      case "advert_int":
        once(kw, st);
        inst.advertInt = secondsArg(st, 1, 0, 255, true);
        inst.advertNode = st;
        break;
      case "version": {
        once(kw, st);
        const v = intArg(st, 1, 2, 3) as 2 | 3;
        version = { v, node: st };
        if (c.protocol === "carp") {
          noteAt(
            c.notes,
            st,
            `version ${v} (${where}): VRRP only; the vhid speaks CARP`,
          );
        }
        break;
      }
      case "nopreempt":
      case "no_preempt":
        nopreempt = st;
        break;
      case "preempt":
        // keepalived's default, kept for compatibility.
        break;
      case "virtual_ipaddress":
        vipBlock ??= st;
        vipLines.push(...blockOf(st));
        break;
      case "authentication":
        once(kw, st);
        auth.splice(0, auth.length, ...blockOf(st));
        break;
      case "track_script":
        scriptUses.push(...blockOf(st));
        break;
      case "track_interface":
        ifaceUses.push(...blockOf(st));
        break;
      case "unicast_src_ip":
      case "mcast_src_ip":
        once("source", st);
        inst.source = { addr: arg(st, 1), kw };
        extraWords(c.notes, st, 2);
        break;
      case "unicast_peer":
        peerBlock = st;
        for (const p of blockOf(st)) {
          const addr = p.words[0]!;
          if (parseIpv4(addr) === null && parseIpv6(addr) === null) {
            throw errorAt(
              p,
              `unicast_peer: "${addr}" is not an IP address`,
            );
          }
          inst.peers.push(addr);
          if (p.words.length > 1) {
            noteAt(
              c.notes,
              p,
              `${
                p.words.slice(1).join(" ")
              } (unicast_peer ${addr}): not carried over: carpd checks no TTL range (it takes adverts with TTL/hop limit 255 only)`,
            );
          }
        }
        break;
      case "mcast_dst_ip": {
        once(kw, st);
        const addr = arg(st, 1);
        const a = parseIpv4(addr);
        if (a !== null && a >>> 28 === 0xe) {
          inst.group = { addr, why: "mcast_dst_ip" };
        } else {
          noteAt(
            c.notes,
            st,
            `mcast_dst_ip ${addr} (${where}): not carried over: carpd takes another IPv4 multicast group only (IPv6 adverts go to ff02::12)`,
          );
        }
        break;
      }
      case "garp_master_repeat":
        once(kw, st);
        garpRepeat = st;
        break;
      case "garp_master_delay":
        once(kw, st);
        garpDelay = st;
        break;
      case "preempt_delay":
      case "garp_master_refresh":
      case "garp_master_refresh_repeat":
        once(kw, st);
        convertTimingKnob(c, inst, st);
        break;
      case "down_timer_adverts": {
        once(kw, st);
        const d = intArg(st, 1, 1, 100);
        if (c.protocol === "carp") inst.downTimerAdverts = d;
        else if (d !== 3) {
          noteAt(
            c.notes,
            st,
            `down_timer_adverts ${d} (${where}): not carried over: carpd's VRRP backups wait the RFC's 3 advert intervals (plus skew)`,
          );
        }
        break;
      }
      case "dont_track_primary":
        inst.ignoreLinkState = true;
        break;
      case "notify_master":
      case "notify_backup":
      case "notify_fault":
      case "notify": {
        once(kw, st);
        const argv = commandArgv(c.notes, st, where, true);
        if (argv === null) {
          noteAt(c.notes, st, `${kw} (${where}): empty; not carried over`);
        } else hooks.set(kw, { argv, node: st });
        break;
      }
      case "native_ipv6":
        noteAt(
          c.notes,
          st,
          `native_ipv6 (${where}): deprecated in keepalived and not needed: the VIPs set the address family`,
        );
        break;
      default: {
        const why = INSTANCE_REFUSED.get(kw) ??
          "not a vrrp_instance keyword this importer knows; not carried over";
        noteAt(c.notes, st, `${st.words.join(" ")} (${where}): ${why}`);
      }
    }
  }
  if (iface === null) {
    throw errorAt(n, `${where} has no interface; carpd needs one`);
  }
  if (id === null) {
    throw errorAt(n, `${where} has no virtual_router_id`);
  }
  inst.id = id;
  inst.stateNode = state;
  if (state !== null && inst.priorityNode === null) inst.priority = 255;
  convertVips(c, inst, vipLines, vipBlock ?? n);
  // Version: the instance's, the global one, 2; IPv6 is always 3.
  if (inst.family === 6) {
    inst.version = 3;
    inst.versionWhy = "IPv6: keepalived always uses 3";
    const asked = version?.v ?? c.globals.version;
    if (asked === 2 && c.protocol === "vrrp") {
      noteAt(
        c.notes,
        version?.node ?? n,
        `version 2 (${where}): IPv6 instances always speak VRRPv3, so vrrp_version = 3`,
      );
    }
  } else if (version !== null) {
    inst.version = version.v;
  } else if (c.globals.version !== null) {
    inst.version = c.globals.version as 2 | 3;
    inst.versionWhy = "global_defs vrrp_version";
  } else inst.versionWhy = "keepalived's default";
  if (nopreempt !== null) {
    if (state !== null || inst.priority === 255) {
      noteAt(
        c.notes,
        nopreempt,
        `nopreempt (${where}): keepalived ignores it with ${
          state !== null ? "state MASTER" : "priority 255"
        }, so preempt stays true`,
      );
    } else inst.preempt = false;
  }
  convertAuth(c, inst, auth);
  convertSource(c, inst);
  if (peerBlock !== null && inst.peers.length === 0) {
    noteAt(
      c.notes,
      peerBlock,
      `unicast_peer (${where}): empty, so keepalived 2.2.7 falls back to multicast; carried over as multicast`,
    );
  }
  if (
    inst.group === null && inst.family === 4 && c.globals.group4 !== null
  ) {
    inst.group = {
      addr: c.globals.group4,
      why: "global_defs vrrp_mcast_group4",
    };
  }
  convertGarp(c, inst, garpRepeat, garpDelay);
  if (inst.garpRefresh === null && c.globals.garpRefresh !== null) {
    inst.garpRefresh = {
      value: c.globals.garpRefresh,
      why: "global_defs vrrp_garp_master_refresh",
    };
  }
  convertHooks(c, inst, hooks);
  trackScripts(c, inst, scriptUses);
  trackInterfaces(c, inst, ifaceUses);
  notePriority(c, inst);
  c.instances.push(inst);
}

/** preempt_delay, garp_master_refresh and its _repeat, with their notes. */
function convertTimingKnob(c: Conversion, inst: Instance, st: KaNode): void {
  const kw = st.words[0]!;
  const where = `vrrp_instance ${inst.name}`;
  if (kw === "preempt_delay") {
    const s = secondsArg(st, 1, 0, 1000);
    inst.preemptDelay = { value: s, why: "preempt_delay" };
    noteAt(
      c.notes,
      st,
      `preempt_delay ${s} (${where}): preempt_delay = ${s}; carpd waits only before taking over from a live, less preferred master, never at start or when no master is heard (keepalived also delays at start)`,
    );
  } else if (kw === "garp_master_refresh") {
    const s = secondsArg(st, 1, 0, 86400);
    if (s > 0) {
      inst.garpRefresh = { value: s, why: "garp_master_refresh" };
    }
  } else {
    noteAt(
      c.notes,
      st,
      `garp_master_refresh_repeat (${where}): not carried over: carpd's garp_refresh sends one gratuitous ARP (neighbour advertisement) per VIP each time`,
    );
  }
}
