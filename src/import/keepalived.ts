/**
 * Converting a keepalived config (`keepalived.conf`, VRRP part) into
 * `carp.toml`: each `vrrp_instance` becomes a `[[vhid]]`, each tracked
 * `vrrp_script` a `[[check]]`, each `track_interface` entry a
 * `[[track_interface]]`. Everything not carried over as it was is reported as
 * a note with its file and line. Pure: files are read through
 * {@link ImportFiles}.
 * @module
 */

import { parseIpv4, parseIpv6 } from "../carp/mod.ts";
import { ConfigError, parseConfig, parseVipText } from "../config/mod.ts";
import {
  type KaNode,
  type OrderedNote,
  readKeepalived,
  splitCommand,
} from "./keepalived_lexer.ts";
import { ImportError, type ImportFiles, type ImportResult } from "./result.ts";
import { tomlString, tomlValue } from "./toml.ts";

/** How {@link importKeepalived} converts. */
export interface KeepalivedImportOptions {
  /**
   * `"vrrp"`: `[[vhid]]` tables speak VRRP, as keepalived does (a group can
   * move one box at a time). `"carp"`: they speak CARP (every box at once).
   */
  protocol: "vrrp" | "carp";
}

/**
 * Converts a keepalived config, with the files it includes, into `carp.toml`.
 *
 * @param path The main config file (e.g. `/etc/keepalived/keepalived.conf`).
 * @param files Reads files and expands `include` globs.
 * @param options The protocol the vhids speak.
 * @returns The TOML (it passes `carpd check`) and, in source order, a note
 *   for everything not carried over as it was.
 * @throws {ImportError} Malformed input (unbalanced braces or quotes, a block
 *   keyword without its block, a bad number or address, an unreadable
 *   include) or a config carpd cannot take (e.g. one VRID twice on one
 *   interface).
 */
export function importKeepalived(
  path: string,
  files: ImportFiles,
  options: KeepalivedImportOptions,
): ImportResult {
  const tree = readKeepalived(path, files, NEEDS_BLOCK);
  const imp = new Importer(path, options.protocol, tree.notes);
  imp.run(tree.nodes);
  const toml = imp.render();
  imp.selfCheck(toml);
  return { toml, notes: imp.sortedNotes() };
}

// keepalived's defaults (keepalived.conf(5), 2.2.7).
const KA_PRIORITY = 100;
const KA_ADVERT_INT = 1;
const KA_VRRP_VERSION = 2;
const KA_SCRIPT_INTERVAL = 1;
const KA_FALL_RISE = 1;

// carp.toml limits (src/config/schema.ts).
const CHECK_INTERVAL = [0.1, 86400] as const;
const CHECK_TIMEOUT = [0.1, 3600] as const;
const GARP_INTERVAL = [0.01, 60] as const;
const VRRP2_PASS_BYTES = 8;
const BOW_OUT_SECONDS = 256;

interface Script {
  name: string;
  node: KaNode;
  /** argv, or null when the block has no usable `script`. */
  command: string[] | null;
  interval: number;
  timeout: number | null;
  fall: number | null;
  rise: number | null;
  weight: number;
  reverse: boolean;
  used: boolean;
}

interface Instance {
  name: string;
  node: KaNode;
  id: number;
  iface: string;
  vips: string[];
  family: 4 | 6;
  /** keepalived's configured priority, 1-255. */
  priority: number;
  priorityNode: KaNode | null;
  /** `state MASTER`, when given. */
  stateNode: KaNode | null;
  /** Added by inverting positive tracker weights. */
  raise: number;
  advertInt: number;
  advertNode: KaNode | null;
  version: 2 | 3;
  versionWhy: string;
  authPass: string | null;
  authWhy: string;
  preempt: boolean;
  source: { addr: string; kw: string } | null;
  peers: string[];
  group: { addr: string; why: string } | null;
  garpCount: { value: number; why: string } | null;
  garpInterval: { value: number; why: string } | null;
  downTimerAdverts: number | null;
  ignoreLinkState: boolean;
  upScript: string | null;
  downScript: string | null;
  upWhy: string;
  downWhy: string;
  notify: string[] | null;
  /** Weighted trackers kept, for the priority-255 note. */
  weights: string[];
}

interface Tracker {
  /** Script or interface name. */
  name: string;
  fault: boolean;
  demote: number;
  /** From a positive weight, inverted. */
  inverted: boolean;
  vhids: number[];
  instances: Instance[];
  node: KaNode;
}

interface Globals {
  version: number | null;
  garpRepeat: number | null;
  garpDelay: number | null;
  minGarp: boolean;
  group4: string | null;
}

interface Hook {
  argv: string[];
  node: KaNode;
}

class Importer {
  readonly #path: string;
  readonly #protocol: "vrrp" | "carp";
  readonly #notes: OrderedNote[];
  readonly #scripts = new Map<string, Script>();
  readonly #scriptNodes = new Map<string, KaNode>();
  readonly #instances: Instance[] = [];
  readonly #instanceNames = new Map<string, KaNode>();
  /** Sync group members, and whether their group keeps tracker weights. */
  readonly #synced = new Map<string, { group: string; weights: boolean }>();
  readonly #checks: (Tracker & { script: Script })[] = [];
  readonly #tracks: Tracker[] = [];
  readonly #globals: Globals = {
    version: null,
    garpRepeat: null,
    garpDelay: null,
    minGarp: false,
    group4: null,
  };

  constructor(path: string, protocol: "vrrp" | "carp", notes: OrderedNote[]) {
    this.#path = path;
    this.#protocol = protocol;
    this.#notes = [...notes];
  }

  run(nodes: KaNode[]): void {
    // keepalived resolves these wherever they are; scripts must come first.
    for (const n of nodes) {
      const kw = n.words[0]!;
      if (kw === "global_defs") this.#globalDefs(n);
      else if (kw === "vrrp_sync_group") this.#syncGroup(n);
      else if (kw === "vrrp_script") {
        const name = n.words[1] ?? "";
        const first = this.#scriptNodes.get(name);
        if (first !== undefined) {
          throw this.#error(
            n,
            `vrrp_script ${name} is defined twice (first at line ${first.line} of ${first.file})`,
          );
        }
        this.#scriptNodes.set(name, n);
      }
    }
    for (const n of nodes) {
      const kw = n.words[0]!;
      switch (kw) {
        case "global_defs":
        case "vrrp_sync_group":
          break;
        case "vrrp_script":
          this.#script(n);
          break;
        case "vrrp_instance":
          this.#instance(n);
          break;
        default:
          this.#top(n);
      }
    }
    if (this.#instances.length === 0) {
      throw new ImportError(
        this.#path,
        1,
        "no vrrp_instance: nothing to convert (carp.toml needs at least one [[vhid]])",
      );
    }
    for (const s of this.#scripts.values()) {
      if (!s.used && s.command !== null) {
        this.#note(
          s.node,
          `vrrp_script ${s.name}: no vrrp_instance tracks it, so keepalived never runs it; not carried over`,
        );
      }
    }
    this.#nameChecks();
  }

  // ---- top level ----

  #top(n: KaNode): void {
    const kw = n.words[0]!;
    const what = n.words.join(" ");
    const why = TOP_LEVEL[kw] ??
      "not a keyword this importer knows; not carried over";
    this.#note(n, `${what}: ${why}`);
  }

  #globalDefs(n: KaNode): void {
    for (const s of this.#block(n)) {
      const kw = s.words[0]!;
      const g = this.#globals;
      switch (kw) {
        case "vrrp_version":
          this.#noBlock(s);
          g.version = this.#int(s, 1, 2, 3);
          if (this.#protocol === "carp") {
            this.#note(
              s,
              `vrrp_version ${g.version}: VRRP only; the vhids speak CARP`,
            );
          }
          break;
        case "vrrp_garp_master_repeat":
          this.#noBlock(s);
          g.garpRepeat = this.#int(s, 1, 0, 1000);
          this.#note(
            s,
            `vrrp_garp_master_repeat ${g.garpRepeat}: every vhid gets garp_count = ${
              clamp(g.garpRepeat, 1, 100)
            } unless its instance sets garp_master_repeat; ${GARP_DIFFERENCE}`,
          );
          break;
        case "vrrp_garp_master_delay":
          this.#noBlock(s);
          g.garpDelay = this.#dec(s, 1, 0, 86400);
          this.#note(
            s,
            `vrrp_garp_master_delay ${
              s.words[1]
            }: every vhid gets garp_interval = ${
              garpInterval(g.garpDelay)
            } unless its instance sets garp_master_delay; ${GARP_DIFFERENCE}`,
          );
          break;
        case "vrrp_min_garp":
          this.#noBlock(s);
          g.minGarp = this.#bool(s);
          if (g.minGarp) {
            this.#note(
              s,
              "vrrp_min_garp: every vhid gets garp_count = 1 (one gratuitous ARP or neighbour advertisement, no second burst)",
            );
          }
          break;
        case "vrrp_mcast_group4": {
          this.#noBlock(s);
          const addr = this.#arg(s, 1);
          const a = parseIpv4(addr);
          if (a === null || a >>> 28 !== 0xe) {
            throw this.#error(
              s,
              `vrrp_mcast_group4: "${addr}" is not an IPv4 multicast address`,
            );
          }
          g.group4 = addr;
          break;
        }
        default: {
          const why = GLOBAL_DEFS[kw] ??
            "no carpd equivalent; not carried over";
          this.#note(s, `global_defs ${s.words.join(" ")}: ${why}`);
        }
      }
    }
  }

  #syncGroup(n: KaNode): void {
    const name = this.#name(n);
    const members: string[] = [];
    let weights = false;
    for (const s of this.#block(n)) {
      const kw = s.words[0]!;
      if (kw === "group") {
        for (const m of this.#block(s)) members.push(...m.words);
      } else if (kw === "sync_group_tracking_weight") weights = true;
      else {
        this.#note(
          s,
          `${
            s.words.join(" ")
          } (vrrp_sync_group ${name}): not carried over: carpd has no sync groups${
            kw.startsWith("track_") ? "; track in each member instance" : ""
          }`,
        );
      }
    }
    for (const m of members) this.#synced.set(m, { group: name, weights });
    this.#note(
      n,
      `vrrp_sync_group ${name}: not carried over: carpd has no sync groups, so ${
        members.join(", ") || "its members"
      } fail over each on its own (track the same checks and interfaces to keep them together)`,
    );
  }

  // ---- vrrp_script ----

  #script(n: KaNode): void {
    const name = this.#name(n);
    const s: Script = {
      name,
      node: n,
      command: null,
      interval: KA_SCRIPT_INTERVAL,
      timeout: null,
      fall: null,
      rise: null,
      weight: 0,
      reverse: false,
      used: false,
    };
    let seen = false;
    for (const st of this.#block(n)) {
      const kw = st.words[0]!;
      this.#noBlock(st);
      switch (kw) {
        case "script": {
          seen = true;
          s.command = this.#command(st, `vrrp_script ${name}`, false);
          break;
        }
        case "interval":
          s.interval = this.#dec(st, 1, 0, 86400 * 365, true);
          this.#range(st, name, s.interval, CHECK_INTERVAL);
          break;
        case "timeout":
          s.timeout = this.#dec(st, 1, 0, 86400 * 365, true);
          this.#range(st, name, s.timeout, CHECK_TIMEOUT);
          break;
        case "fall":
          s.fall = this.#int(st, 1, 1, 1000000);
          this.#range(st, name, s.fall, [1, 100]);
          break;
        case "rise":
          s.rise = this.#int(st, 1, 1, 1000000);
          this.#range(st, name, s.rise, [1, 100]);
          break;
        case "weight":
          s.weight = this.#int(st, 1, -253, 253);
          s.reverse = st.words[2] === "reverse";
          this.#extra(st, s.reverse ? 3 : 2);
          break;
        case "user":
          this.#note(
            st,
            `${
              st.words.join(" ")
            } (vrrp_script ${name}): not carried over: the [[check]] runs as root; add user = ${
              tomlString(st.words[1] ?? "")
            } to it once that user exists on the box (carpd check looks it up)`,
          );
          break;
        case "init_fail":
          this.#note(
            st,
            `init_fail (vrrp_script ${name}): not carried over: carpd's check starts unknown and counts rise or fall from its first runs`,
          );
          break;
        default:
          this.#note(
            st,
            `${
              st.words.join(" ")
            } (vrrp_script ${name}): not a vrrp_script keyword this importer knows; not carried over`,
          );
      }
    }
    if (s.command === null) {
      this.#note(
        n,
        `vrrp_script ${name}: ${
          seen ? "its script is empty" : "no script"
        }, so keepalived drops it and every track_script naming it; not carried over`,
      );
    }
    this.#scripts.set(name, s);
  }

  /** Notes a vrrp_script value carp.toml cannot take as it is. */
  #range(
    st: KaNode,
    name: string,
    x: number,
    [min, max]: readonly [number, number],
  ): void {
    if (x >= min && x <= max) return;
    const key = st.words[0]!;
    this.#note(
      st,
      `${key} ${st.words[1]} (vrrp_script ${name}): ${key} = ${
        clamp(x, min, max)
      }, the nearest carp.toml takes (${min} to ${max})`,
    );
  }

  /** argv of a script or notify line; `null` when it is empty. */
  #command(st: KaNode, where: string, userArgs: boolean): string[] | null {
    const text = this.#arg(st, 1);
    const argv = splitCommand(text);
    if (argv === null) {
      throw this.#error(
        st,
        `${st.words[0]}: a quote in "${text}" is not closed`,
      );
    }
    if (!userArgs) {
      this.#extra(
        st,
        2,
        "keepalived ignores them; quote the command to pass arguments",
      );
    }
    if (argv.length === 0) return null;
    if (argv[0]!.startsWith("<")) {
      this.#note(
        st,
        `${
          st.words[0]
        } (${where}): a shell redirection; carried over as ["/bin/sh", "-c", ${
          tomlString(text)
        }] (keepalived hands it to a shell too)`,
      );
      return ["/bin/sh", "-c", text];
    }
    return argv;
  }

  // ---- vrrp_instance ----

  #instance(n: KaNode): void {
    const name = this.#name(n);
    const dup = this.#instanceNames.get(name);
    if (dup !== undefined) {
      throw this.#error(
        n,
        `vrrp_instance ${name} is defined twice (first at line ${dup.line} of ${dup.file})`,
      );
    }
    this.#instanceNames.set(name, n);
    const set = new Map<string, KaNode>();
    const once = (key: string, st: KaNode): void => {
      const before = set.get(key);
      if (before !== undefined) {
        this.#note(
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
    for (const st of this.#block(n)) {
      const kw = st.words[0]!;
      if (INSTANCE_SCALARS.has(kw)) this.#noBlock(st);
      switch (kw) {
        case "state": {
          once(kw, st);
          const v = this.#arg(st, 1);
          if (v !== "MASTER" && v !== "BACKUP") {
            throw this.#error(st, `state: "${v}" is not MASTER or BACKUP`);
          }
          state = v === "MASTER" ? st : null;
          if (v === "MASTER") {
            this.#note(
              st,
              `state MASTER (${where}): not carried over: carpd starts every vhid as BACKUP and the election makes it MASTER once the master-down time passes without a better advert`,
            );
          }
          break;
        }
        case "interface":
          once(kw, st);
          iface = st;
          inst.iface = this.#arg(st, 1);
          this.#extra(st, 2);
          break;
        case "virtual_router_id":
          once(kw, st);
          id = this.#int(st, 1, 1, 255);
          break;
        case "priority":
          once(kw, st);
          inst.priority = this.#int(st, 1, 1, 255);
          inst.priorityNode = st;
          break;
        case "advert_int":
          once(kw, st);
          inst.advertInt = this.#dec(st, 1, 0, 255, true);
          inst.advertNode = st;
          break;
        case "version": {
          once(kw, st);
          const v = this.#int(st, 1, 2, 3) as 2 | 3;
          version = { v, node: st };
          if (this.#protocol === "carp") {
            this.#note(
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
          vipLines.push(...this.#block(st));
          break;
        case "authentication":
          once(kw, st);
          auth.splice(0, auth.length, ...this.#block(st));
          break;
        case "track_script":
          scriptUses.push(...this.#block(st));
          break;
        case "track_interface":
          ifaceUses.push(...this.#block(st));
          break;
        case "unicast_src_ip":
        case "mcast_src_ip":
          once("source", st);
          inst.source = { addr: this.#arg(st, 1), kw };
          this.#extra(st, 2);
          break;
        case "unicast_peer":
          peerBlock = st;
          for (const p of this.#block(st)) {
            const addr = p.words[0]!;
            if (parseIpv4(addr) === null && parseIpv6(addr) === null) {
              throw this.#error(
                p,
                `unicast_peer: "${addr}" is not an IP address`,
              );
            }
            inst.peers.push(addr);
            if (p.words.length > 1) {
              this.#note(
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
          const addr = this.#arg(st, 1);
          const a = parseIpv4(addr);
          if (a !== null && a >>> 28 === 0xe) {
            inst.group = { addr, why: "mcast_dst_ip" };
          } else {
            this.#note(
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
        case "down_timer_adverts": {
          once(kw, st);
          const d = this.#int(st, 1, 1, 100);
          if (this.#protocol === "carp") inst.downTimerAdverts = d;
          else if (d !== 3) {
            this.#note(
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
          const argv = this.#command(st, where, true);
          if (argv === null) {
            this.#note(st, `${kw} (${where}): empty; not carried over`);
          } else hooks.set(kw, { argv, node: st });
          break;
        }
        case "native_ipv6":
          this.#note(
            st,
            `native_ipv6 (${where}): deprecated in keepalived and not needed: the VIPs set the address family`,
          );
          break;
        default: {
          const why = INSTANCE_REFUSED[kw] ??
            "not a vrrp_instance keyword this importer knows; not carried over";
          this.#note(st, `${st.words.join(" ")} (${where}): ${why}`);
        }
      }
    }
    if (iface === null) {
      throw this.#error(n, `${where} has no interface; carpd needs one`);
    }
    if (id === null) {
      throw this.#error(n, `${where} has no virtual_router_id`);
    }
    inst.id = id;
    inst.stateNode = state;
    if (state !== null && inst.priorityNode === null) inst.priority = 255;
    this.#vips(inst, vipLines, vipBlock ?? n);
    // Version: the instance's, the global one, 2; IPv6 is always 3.
    if (inst.family === 6) {
      inst.version = 3;
      inst.versionWhy = "IPv6: keepalived always uses 3";
      const asked = version?.v ?? this.#globals.version;
      if (asked === 2 && this.#protocol === "vrrp") {
        this.#note(
          version?.node ?? n,
          `version 2 (${where}): IPv6 instances always speak VRRPv3, so vrrp_version = 3`,
        );
      }
    } else if (version !== null) {
      inst.version = version.v;
    } else if (this.#globals.version !== null) {
      inst.version = this.#globals.version as 2 | 3;
      inst.versionWhy = "global_defs vrrp_version";
    } else inst.versionWhy = "keepalived's default";
    if (nopreempt !== null) {
      if (state !== null || inst.priority === 255) {
        this.#note(
          nopreempt,
          `nopreempt (${where}): keepalived ignores it with ${
            state !== null ? "state MASTER" : "priority 255"
          }, so preempt stays true`,
        );
      } else inst.preempt = false;
    }
    this.#auth(inst, auth);
    this.#source(inst);
    if (peerBlock !== null && inst.peers.length === 0) {
      this.#note(
        peerBlock,
        `unicast_peer (${where}): empty, so keepalived 2.2.7 falls back to multicast; carried over as multicast`,
      );
    }
    if (
      inst.group === null && inst.family === 4 && this.#globals.group4 !== null
    ) {
      inst.group = {
        addr: this.#globals.group4,
        why: "global_defs vrrp_mcast_group4",
      };
    }
    this.#garp(inst, garpRepeat, garpDelay);
    this.#hooks(inst, hooks);
    this.#trackScripts(inst, scriptUses);
    this.#trackInterfaces(inst, ifaceUses);
    this.#priority(inst);
    this.#instances.push(inst);
  }

  #vips(inst: Instance, lines: KaNode[], at: KaNode): void {
    const where = `vrrp_instance ${inst.name}`;
    let family: 4 | 6 | null = null;
    for (const st of lines) {
      this.#noBlock(st);
      const addr = st.words[0]!;
      const vip = parseVipText(addr);
      if (vip === null) {
        throw this.#error(
          st,
          `virtual_ipaddress: "${addr}" is not an IP address with an optional /prefix`,
        );
      }
      family ??= vip.family;
      if (vip.family !== family) {
        this.#note(
          st,
          `${addr} (${where}): not carried over: keepalived ignores a VIP of another address family than the first (use a separate instance)`,
        );
        continue;
      }
      inst.vips.push(addr);
      const opts = st.words.slice(1);
      for (let i = 0; i < opts.length; i++) {
        const o = opts[i]!;
        const value = VIP_VALUE_OPTIONS.has(o) ? opts[++i] : undefined;
        if (VIP_VALUE_OPTIONS.has(o) && value === undefined) {
          throw this.#error(
            st,
            `virtual_ipaddress ${addr}: ${o} needs a value`,
          );
        }
        const text = value === undefined ? o : `${o} ${value}`;
        if (o === "dev") {
          if (value !== inst.iface) {
            this.#note(
              st,
              `${addr} dev ${value} (${where}): carpd adds every VIP on the vhid's interface, ${inst.iface}`,
            );
          }
        } else if (o === "label") {
          this.#note(
            st,
            `${addr} label ${value} (${where}): not carried over: carpd labels the IPv4 VIPs it adds ${inst.iface}:carp`,
          );
        } else if (o === "scope") {
          if (value !== "global") {
            this.#note(
              st,
              `${addr} scope ${value} (${where}): not carried over: carpd adds VIPs with the kernel's default (global) scope`,
            );
          }
        } else {
          this.#note(
            st,
            `${addr} ${text} (${where}): not carried over: carpd adds the address with its prefix only`,
          );
        }
      }
    }
    if (inst.vips.length === 0) {
      throw this.#error(
        at,
        `${where} has no virtual_ipaddress; carpd needs at least one VIP`,
      );
    }
    inst.family = family ?? 4;
  }

  #auth(inst: Instance, lines: KaNode[]): void {
    const where = `vrrp_instance ${inst.name}`;
    let type: KaNode | null = null;
    let pass: KaNode | null = null;
    for (const st of lines) {
      this.#noBlock(st);
      const kw = st.words[0]!;
      if (kw === "auth_type") type = st;
      else if (kw === "auth_pass") pass = st;
      else {
        this.#note(
          st,
          `${
            st.words.join(" ")
          } (${where}): not an authentication keyword; not carried over`,
        );
      }
    }
    if (type === null) {
      if (pass !== null) {
        this.#note(
          pass,
          `auth_pass (${where}): no auth_type, so keepalived authenticates nothing; not carried over`,
        );
      }
      return;
    }
    const t = this.#arg(type, 1);
    if (t === "AH") {
      this.#note(
        type,
        `auth_type AH (${where}): not carried over: carpd has no IPsec AH`,
      );
      return;
    }
    if (t !== "PASS") {
      throw this.#error(type, `auth_type: "${t}" is not PASS or AH`);
    }
    if (pass === null || this.#arg(pass, 1) === "") {
      this.#note(
        type,
        `auth_type PASS (${where}): no auth_pass; not carried over`,
      );
      return;
    }
    const full = this.#arg(pass, 1);
    const value = firstBytes(full, VRRP2_PASS_BYTES);
    const cut = value === full
      ? ""
      : ` (keepalived uses only its first ${VRRP2_PASS_BYTES} bytes, "${value}")`;
    if (this.#protocol === "carp") {
      inst.authPass = value;
      inst.authWhy = "auth_pass";
      this.#note(
        pass,
        `auth_pass (${where}): the CARP password${cut}; CARP signs adverts with it (HMAC-SHA1), so a longer one (up to 19 bytes) on every box is better`,
      );
    } else if (inst.version === 2) {
      inst.authPass = value;
      inst.authWhy = "auth_type PASS";
      this.#note(
        pass,
        `auth_pass (${where}): carried over as auth_pass${cut}; it travels in clear text in every advert, so it is no protection`,
      );
    } else {
      this.#note(
        type,
        `authentication (${where}): not carried over: VRRPv3 has no authentication (keepalived ignores it too)`,
      );
    }
  }

  #source(inst: Instance): void {
    const s = inst.source;
    if (s === null) return;
    const where = `vrrp_instance ${inst.name}`;
    if (parseIpv4(s.addr) !== null && inst.family === 4) return;
    inst.source = null;
    if (parseIpv6(s.addr) === null && parseIpv4(s.addr) === null) {
      throw this.#error(
        this.#instanceLine(inst, s.kw),
        `${s.kw}: "${s.addr}" is not an IP address`,
      );
    }
    this.#note(
      this.#instanceLine(inst, s.kw),
      `${s.kw} ${s.addr} (${where}): not carried over: ${
        inst.family === 6
          ? "carpd sends IPv6 adverts from the interface's link-local address"
          : "not an IPv4 address"
      }`,
    );
  }

  #instanceLine(inst: Instance, kw: string): KaNode {
    return this.#block(inst.node).filter((s) => s.words[0] === kw).at(-1) ??
      inst.node;
  }

  #garp(inst: Instance, repeat: KaNode | null, delay: KaNode | null): void {
    const where = `vrrp_instance ${inst.name}`;
    const g = this.#globals;
    if (repeat !== null) {
      const r = this.#int(repeat, 1, 0, 1000);
      inst.garpCount = { value: clamp(r, 1, 100), why: "garp_master_repeat" };
      this.#note(
        repeat,
        `garp_master_repeat ${r} (${where}): garp_count = ${inst.garpCount.value}; ${GARP_DIFFERENCE}`,
      );
    } else if (g.garpRepeat !== null) {
      inst.garpCount = {
        value: clamp(g.garpRepeat, 1, 100),
        why: "global_defs vrrp_garp_master_repeat",
      };
    } else if (g.minGarp) {
      inst.garpCount = { value: 1, why: "global_defs vrrp_min_garp" };
    }
    if (delay !== null) {
      const d = this.#dec(delay, 1, 0, 86400);
      inst.garpInterval = { value: garpInterval(d), why: "garp_master_delay" };
      this.#note(
        delay,
        `garp_master_delay ${
          delay.words[1]
        } (${where}): garp_interval = ${inst.garpInterval.value}; ${GARP_DIFFERENCE}`,
      );
    } else if (g.garpDelay !== null && !g.minGarp) {
      inst.garpInterval = {
        value: garpInterval(g.garpDelay),
        why: "global_defs vrrp_garp_master_delay",
      };
    }
  }

  #hooks(inst: Instance, hooks: Map<string, Hook>): void {
    const where = `vrrp_instance ${inst.name}`;
    const user = (h: Hook): string =>
      h.node.words.length > 2
        ? `; it runs as carpd's user (root), not ${
          h.node.words.slice(2).join(":")
        }`
        : "";
    const dropped = (h: Hook): string =>
      h.argv.length > 1
        ? `, so its arguments (${h.argv.slice(1).join(" ")}) are dropped`
        : "";
    const master = hooks.get("notify_master");
    if (master !== undefined) {
      inst.upScript = master.argv[0]!;
      inst.upWhy = "notify_master";
      this.#note(
        master.node,
        `notify_master (${where}): up_script = ${
          tomlString(inst.upScript)
        }; keepalived ran "${
          master.argv.join(" ")
        }" once, adding no arguments, carpd runs "${inst.upScript} <iface> <vip>" once per VIP on becoming MASTER${
          dropped(master)
        }${user(master)}`,
      );
    }
    const backup = hooks.get("notify_backup");
    const fault = hooks.get("notify_fault");
    const down = backup ?? fault;
    if (down !== undefined) {
      const kw = down.node.words[0]!;
      inst.downScript = down.argv[0]!;
      inst.downWhy = kw;
      this.#note(
        down.node,
        `${kw} (${where}): down_script = ${
          tomlString(inst.downScript)
        }; keepalived ran "${down.argv.join(" ")}" once on entering ${
          kw === "notify_backup" ? "BACKUP" : "FAULT"
        }, adding no arguments, carpd runs "${inst.downScript} <iface> <vip>" once per VIP at start and on leaving MASTER (for BACKUP or FAULT)${
          dropped(down)
        }${user(down)}`,
      );
    }
    if (backup !== undefined && fault !== undefined) {
      this.#note(
        fault.node,
        `notify_fault (${where}): not carried over: carpd has no FAULT-only hook; down_script (from notify_backup) also runs on leaving MASTER for FAULT, and notify gets the new state`,
      );
    }
    const notify = hooks.get("notify");
    if (notify !== undefined) {
      inst.notify = notify.argv;
      this.#note(
        notify.node,
        `notify (${where}): carried over as notify; keepalived appended INSTANCE <name> <state> <priority>, carpd appends <vhid> <old state> <new state> <iface> <vips, comma-separated>${
          user(notify)
        }`,
      );
    }
  }

  #trackScripts(inst: Instance, uses: KaNode[]): void {
    const where = `vrrp_instance ${inst.name}`;
    for (const u of uses) {
      this.#noBlock(u);
      const name = u.words[0]!;
      const script = this.#scripts.get(name);
      if (script === undefined) {
        const later = this.#scriptNodes.get(name);
        this.#note(
          u,
          later === undefined
            ? `track_script ${name} (${where}): no vrrp_script ${name}, so keepalived ignores it; not carried over`
            : `track_script ${name} (${where}): its vrrp_script comes later (${later.file}:${later.line}) and keepalived 2.2.7 ignores a track_script that comes before it; not carried over (move the vrrp_script up and import again if it should count)`,
        );
        continue;
      }
      if (script.command === null) {
        this.#note(
          u,
          `track_script ${name} (${where}): vrrp_script ${name} has no script; not carried over`,
        );
        continue;
      }
      const { weight, reverse } = this.#weight(
        u,
        script.weight,
        script.reverse,
      );
      script.used = true;
      if (!this.#trackable(u, inst, weight, reverse, `track_script ${name}`)) {
        continue;
      }
      const t = this.#tracker(inst, u, weight, `track_script ${name}`);
      const same = this.#checks.find((c) =>
        c.script === script && c.fault === t.fault &&
        c.demote === t.demote && c.inverted === t.inverted
      );
      if (same !== undefined) {
        same.vhids.push(inst.id);
        same.instances.push(inst);
      } else {
        this.#checks.push({
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

  #trackInterfaces(inst: Instance, uses: KaNode[]): void {
    for (const u of uses) {
      this.#noBlock(u);
      const name = u.words[0]!;
      const { weight, reverse } = this.#weight(u, 0, false);
      const what = `track_interface ${name}`;
      if (!this.#trackable(u, inst, weight, reverse, what)) continue;
      if (name === inst.iface && weight === 0) {
        this.#note(
          u,
          `${what} (vrrp_instance ${inst.name}): not needed: carpd always puts a vhid in FAULT while its own interface is down`,
        );
        continue;
      }
      const t = this.#tracker(inst, u, weight, what);
      const same = this.#tracks.find((c) =>
        c.name === name && c.fault === t.fault &&
        c.demote === t.demote && c.inverted === t.inverted
      );
      if (same !== undefined) {
        same.vhids.push(inst.id);
        same.instances.push(inst);
      } else {
        this.#tracks.push({
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
  #weight(
    u: KaNode,
    weight: number,
    reverse: boolean,
  ): { weight: number; reverse: boolean } {
    const w = u.words;
    for (let i = 1; i < w.length; i++) {
      const o = w[i]!;
      if (o === "weight") {
        weight = this.#int(u, ++i, -253, 253);
      } else if (o === "reverse") reverse = true;
      else if (o === "noreverse" || o === "no_reverse") reverse = false;
      else {
        throw this.#error(
          u,
          `${w[0]}: "${o}" is not weight, reverse or noreverse`,
        );
      }
    }
    return { weight, reverse };
  }

  /** Whether a tracker is carried over (notes why not). */
  #trackable(
    u: KaNode,
    inst: Instance,
    weight: number,
    reverse: boolean,
    what: string,
  ): boolean {
    const where = `vrrp_instance ${inst.name}`;
    if (reverse) {
      this.#note(
        u,
        `${what} (${where}): reverse is not carried over: carpd demotes or faults only while a check fails or a link is down`,
      );
      return false;
    }
    const sync = this.#synced.get(inst.name);
    if (weight !== 0 && sync !== undefined && !sync.weights) {
      this.#note(
        u,
        `${what} weight ${weight} (${where}): not carried over: keepalived ignores weighted trackers of a vrrp_sync_group member (${sync.group})`,
      );
      return false;
    }
    return true;
  }

  #tracker(
    inst: Instance,
    u: KaNode,
    weight: number,
    what: string,
  ): { fault: boolean; demote: number; inverted: boolean } {
    if (weight === 0) return { fault: true, demote: 0, inverted: false };
    inst.weights.push(`${u.words[0]} ${weight > 0 ? "+" : ""}${weight}`);
    if (weight < 0) return { fault: false, demote: -weight, inverted: false };
    inst.raise += weight;
    this.#note(
      u,
      `${what} weight ${weight} (vrrp_instance ${inst.name}): carpd only demotes, so this is inverted: the priority is raised by ${weight} and the ${
        what.startsWith("track_script") ? "check" : "interface"
      } demotes by ${weight} while ${
        what.startsWith("track_script") ? "failing" : "down"
      } (the same effective priorities)`,
    );
    return { fault: false, demote: weight, inverted: true };
  }

  #priority(inst: Instance): void {
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
      this.#note(
        at,
        this.#protocol === "vrrp"
          ? `${set} (${where}): the address owner's; carpd is never the owner, so priority = 254 (it wins the election but waits for it)${weights}`
          : `${set} (${where}): advskew = 0, the most preferred; CARP has no address owner, so it waits for the election${weights}`,
      );
    }
    const cap = this.#protocol === "vrrp" ? 254 : 255;
    const base = Math.min(inst.priority, cap);
    if (inst.raise > 0 && base + inst.raise > cap) {
      this.#note(
        at,
        `priority ${base} + ${inst.raise} from inverted positive weights (${where}) is above ${cap}: capped at ${cap}, so the first demotions count less than in keepalived`,
      );
    }
  }

  // ---- checks ----

  #nameChecks(): void {
    for (const s of this.#scripts.values()) {
      const mine = this.#checks.filter((c) => c.script === s);
      if (mine.length < 2) continue;
      for (const c of mine) {
        c.name = `${s.name}:${
          c.fault ? "fault" : `${c.inverted ? "raise" : "demote"}${c.demote}`
        }`;
      }
      this.#note(
        s.node,
        `vrrp_script ${s.name}: tracked with different weights, so it becomes ${mine.length} [[check]] tables (${
          mine.map((c) => c.name).join(", ")
        }); carpd runs the command once for each`,
      );
    }
    const byId = new Map<number, Set<string>>();
    for (const i of this.#instances) {
      byId.set(i.id, (byId.get(i.id) ?? new Set()).add(i.iface));
    }
    for (const t of [...this.#checks, ...this.#tracks]) {
      const ifaces = new Set(t.instances.map((i) => i.iface));
      const more = t.vhids.flatMap((id) =>
        [...byId.get(id)!].filter((f) => !ifaces.has(f)).map((f) =>
          `${id} on ${f}`
        )
      );
      if (more.length > 0) {
        this.#note(
          t.node,
          `${t.name}: carpd names vhids by id only, so vhids = [${
            unique(t.vhids).join(", ")
          }] also covers vhid ${more.join(", ")}`,
        );
      }
    }
    // Script ordering: source order of the vrrp_script, then first use.
    this.#checks.sort((a, b) => a.node.order - b.node.order);
  }

  // ---- output ----

  render(): string {
    const out: string[] = [];
    const carp = this.#protocol === "carp";
    out.push(
      `# carp.toml converted from the keepalived config ${this.#path}`,
      `# (protocol = "${this.#protocol}"). Read the importer's notes before use, then`,
      "# validate with: carpd check -c /etc/carp/carp.toml",
    );
    if (carp) {
      out.push(
        "# CARP does not talk to keepalived: switch every box of a group at once.",
      );
    }
    out.push("", "[daemon]", 'log_level = "info"');
    for (const v of this.#instances) {
      out.push(
        "",
        `# vrrp_instance ${v.name} (${v.node.file}:${v.node.line})`,
        "[[vhid]]",
      );
      const kv = (
        k: string,
        value: Parameters<typeof tomlValue>[0],
        comment = "",
      ): void => {
        out.push(line(`${k} = ${tomlValue(value)}`, comment));
      };
      if (!carp) {
        kv("protocol", "vrrp");
        kv("vrrp_version", v.version, v.versionWhy);
      }
      kv("id", v.id);
      kv("interface", v.iface);
      kv("vips", v.vips);
      if (carp) this.#carpKeys(v, kv);
      else this.#vrrpKeys(v, kv);
      if (v.source !== null) kv("source", v.source.addr, v.source.kw);
      if (v.peers.length > 0) {
        kv("mode", "unicast", "unicast_peer");
        kv("peers", v.peers);
      }
      if (v.group !== null) kv("group", v.group.addr, v.group.why);
      if (v.garpCount !== null) {
        kv("garp_count", v.garpCount.value, v.garpCount.why);
      }
      if (v.garpInterval !== null) {
        kv("garp_interval", v.garpInterval.value, v.garpInterval.why);
      }
      if (v.ignoreLinkState) {
        kv("ignore_link_state", true, "dont_track_primary");
      }
      if (v.upScript !== null) {
        kv("up_script", v.upScript, `${v.upWhy}; run as: script <iface> <vip>`);
      }
      if (v.downScript !== null) {
        kv(
          "down_script",
          v.downScript,
          `${v.downWhy}; run as: script <iface> <vip>`,
        );
      }
      if (v.notify !== null) {
        kv(
          "notify",
          v.notify,
          "gets <vhid> <old> <new> <iface> <vips> appended",
        );
      }
    }
    for (const c of this.#checks) {
      const s = c.script;
      out.push(
        "",
        `# vrrp_script ${s.name} (${s.node.file}:${s.node.line})`,
        "[[check]]",
      );
      out.push(line(`name = ${tomlString(c.name)}`));
      out.push(line(`command = ${tomlValue(s.command!)}`));
      const interval = clamp(s.interval, ...CHECK_INTERVAL);
      out.push(
        line(
          `interval = ${interval}`,
          s.interval === interval ? "" : `interval ${s.interval}, out of range`,
        ),
      );
      const timeout = clamp(s.timeout ?? s.interval, ...CHECK_TIMEOUT);
      out.push(
        line(
          `timeout = ${timeout}`,
          s.timeout === null
            ? "keepalived's default: the interval"
            : s.timeout === timeout
            ? ""
            : `timeout ${s.timeout}, out of range`,
        ),
      );
      out.push(
        line(
          `fall = ${clamp(s.fall ?? KA_FALL_RISE, 1, 100)}`,
          s.fall === null
            ? "keepalived's default"
            : s.fall > 100
            ? `fall ${s.fall}, capped`
            : "",
        ),
      );
      out.push(
        line(
          `rise = ${clamp(s.rise ?? KA_FALL_RISE, 1, 100)}`,
          s.rise === null
            ? "keepalived's default"
            : s.rise > 100
            ? `rise ${s.rise}, capped`
            : "",
        ),
      );
      this.#trackerKeys(c, out, "failing");
    }
    for (const t of this.#tracks) {
      out.push(
        "",
        `# track_interface ${t.name} (${t.node.file}:${t.node.line})`,
        "[[track_interface]]",
      );
      out.push(line(`name = ${tomlString(t.name)}`));
      this.#trackerKeys(t, out, "down");
    }
    return out.join("\n") + "\n";
  }

  #trackerKeys(t: Tracker, out: string[], state: string): void {
    if (t.fault) {
      out.push(
        line(
          "fault = true",
          `weight 0: its vhids may not be MASTER while ${state}`,
        ),
      );
    } else {
      out.push(
        line(
          `demote = ${t.demote}`,
          t.inverted
            ? `weight +${t.demote}, inverted (see the priority)`
            : `weight -${t.demote}`,
        ),
      );
    }
    out.push(line(`vhids = ${tomlValue(unique(t.vhids))}`));
  }

  #vrrpKeys(
    v: Instance,
    kv: (
      k: string,
      value: Parameters<typeof tomlValue>[0],
      comment?: string,
    ) => void,
  ): void {
    const base = Math.min(v.priority, 254);
    const priority = Math.min(base + v.raise, 254);
    const why = [
      v.priority === 255
        ? "keepalived 255: carpd is never the address owner"
        : "",
      v.raise > 0 ? `${base} + ${v.raise} from inverted positive weights` : "",
    ].filter((s) => s !== "").join("; ");
    kv("priority", priority, why);
    const cs = v.version === 2
      ? clamp(Math.round(v.advertInt), 1, 255) * 100
      : clamp(Math.round(v.advertInt * 100), 1, 4095);
    const interval = cs / 100;
    if (interval !== v.advertInt && v.advertNode !== null) {
      this.#note(
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
    kv(
      "advert_interval",
      interval,
      interval !== v.advertInt ? `advert_int ${v.advertInt}, rounded` : "",
    );
    if (v.authPass !== null) {
      kv("auth_pass", v.authPass, `${v.authWhy}: clear text, no protection`);
    }
    if (!v.preempt) kv("preempt", false, "nopreempt");
  }

  #carpKeys(
    v: Instance,
    kv: (
      k: string,
      value: Parameters<typeof tomlValue>[0],
      comment?: string,
    ) => void,
  ): void {
    if (v.authPass !== null) kv("password", v.authPass, v.authWhy);
    else {
      const pw = derivedPassword(v.name, v.id);
      kv(
        "password",
        pw,
        "derived from the name and VRID: replace on every box",
      );
      this.#note(
        v.node,
        `vrrp_instance ${v.name}: CARP needs a password and there is no auth_pass, so password = "${pw}", derived from the instance name and VRID (the same on every box importing this file); replace it with a secret of up to 19 bytes, the same on every box`,
      );
    }
    const deadratio = v.downTimerAdverts ?? 3;
    let advbase = clamp(Math.ceil(v.advertInt), 1, 255);
    let why = advbase !== v.advertInt
      ? `advert_int ${v.advertInt}, rounded up`
      : "";
    if (advbase * deadratio >= BOW_OUT_SECONDS) {
      advbase = Math.floor((BOW_OUT_SECONDS - 1) / deadratio);
      why =
        `advert_int ${v.advertInt}, lowered: advbase x deadratio must stay below ${BOW_OUT_SECONDS} s`;
    }
    if (advbase !== v.advertInt && v.advertNode !== null) {
      this.#note(
        v.advertNode,
        `advert_int ${
          v.advertNode.words[1]
        } (vrrp_instance ${v.name}): advbase = ${advbase}; ${
          why.includes("lowered")
            ? `advbase x deadratio must stay below ${BOW_OUT_SECONDS} s`
            : "CARP counts in whole seconds"
        }`,
      );
    }
    kv("advbase", advbase, why);
    const p = Math.min(v.priority + v.raise, 255);
    kv(
      "advskew",
      255 - p,
      `255 - priority ${p}${
        v.raise > 0
          ? ` (${v.priority} + ${v.raise} from inverted positive weights)`
          : ""
      }: lower advskew wins`,
    );
    if (v.downTimerAdverts !== null) {
      kv("deadratio", deadratio, "down_timer_adverts");
    }
    kv("preempt", v.preempt, v.preempt ? "keepalived's default" : "nopreempt");
  }

  /** Runs carpd's own config check on the result. */
  selfCheck(toml: string): void {
    try {
      parseConfig(toml, "carp.toml", (p) => {
        throw new Deno.errors.NotFound(p);
      });
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      const first = e.problems[0] ?? "";
      const m = /^(vhid|check|track_interface)\[(\d+)\]/.exec(first);
      const i = Number(m?.[2] ?? -1);
      const node = m?.[1] === "vhid"
        ? this.#instances[i]?.node
        : m?.[1] === "check"
        ? this.#checks[i]?.node
        : this.#tracks[i]?.node;
      throw new ImportError(
        node?.file ?? this.#path,
        node?.line ?? 1,
        `carpd cannot take the converted config: ${e.problems.join("; ")}`,
      );
    }
  }

  sortedNotes(): { file: string; line: number; text: string }[] {
    return this.#notes
      .map((n, i) => ({ n, i }))
      .sort((a, b) => a.n.order - b.n.order || a.i - b.i)
      .map(({ n }) => ({ file: n.file, line: n.line, text: n.text }));
  }

  // ---- helpers ----

  #note(n: KaNode, text: string): void {
    this.#notes.push({ file: n.file, line: n.line, order: n.order, text });
  }

  #error(n: KaNode, what: string): ImportError {
    return new ImportError(n.file, n.line, what);
  }

  #name(n: KaNode): string {
    const name = n.words[1];
    if (name === undefined || name === "") {
      throw this.#error(n, `${n.words[0]} needs a name`);
    }
    this.#extra(n, 2);
    return name;
  }

  #block(n: KaNode): KaNode[] {
    if (n.block === null) {
      throw this.#error(n, `${n.words[0]} needs a { ... } block`);
    }
    return n.block;
  }

  #noBlock(n: KaNode): void {
    if (n.block !== null) {
      throw this.#error(n, `${n.words[0]} takes no { ... } block`);
    }
  }

  #arg(n: KaNode, i: number): string {
    const v = n.words[i];
    if (v === undefined) throw this.#error(n, `${n.words[0]} needs a value`);
    return v;
  }

  /** Notes words after the first `n` (keyword included). */
  #extra(n: KaNode, count: number, why = "keepalived ignores them"): void {
    if (n.words.length > count) {
      this.#note(
        n,
        `${n.words[0]}: the words after "${n.words[count - 1]}" (${
          n.words.slice(count).join(" ")
        }) are not carried over; ${why}`,
      );
    }
  }

  #int(n: KaNode, i: number, min: number, max: number): number {
    const v = this.#arg(n, i);
    const x = Number(v);
    if (!/^[-+]?\d+$/.test(v) || x < min || x > max) {
      throw this.#error(
        n,
        `${n.words[0]}: "${v}" is not an integer from ${min} to ${max}`,
      );
    }
    return x;
  }

  #dec(
    n: KaNode,
    i: number,
    min: number,
    max: number,
    positive = false,
  ): number {
    const v = this.#arg(n, i);
    const x = Number(v);
    if (
      !/^(\d+(\.\d*)?|\.\d+)$/.test(v) || x < min || x > max ||
      (positive && x === 0)
    ) {
      throw this.#error(
        n,
        `${n.words[0]}: "${v}" is not a number of seconds from ${
          positive ? "above " : ""
        }${min} to ${max}`,
      );
    }
    return x;
  }

  #bool(n: KaNode): boolean {
    const v = n.words[1];
    if (v === undefined) return true;
    if (/^(on|true|yes)$/i.test(v)) return true;
    if (/^(off|false|no)$/i.test(v)) return false;
    throw this.#error(
      n,
      `${n.words[0]}: "${v}" is not on, off, true, false, yes or no`,
    );
  }
}

const GARP_DIFFERENCE =
  "keepalived sends garp_master_repeat gratuitous ARPs (or neighbour advertisements) at once and as many again garp_master_delay later, carpd sends garp_count of them garp_interval apart";

/** Keywords that always take a block. */
const NEEDS_BLOCK: ReadonlySet<string> = new Set([
  "global_defs",
  "vrrp_script",
  "vrrp_instance",
  "vrrp_sync_group",
  "group",
  "virtual_ipaddress",
  "virtual_ipaddress_excluded",
  "authentication",
  "track_script",
  "track_interface",
  "unicast_peer",
  "virtual_server",
  "notification_email",
]);

/** vrrp_instance keywords this importer reads that take no block. */
const INSTANCE_SCALARS = new Set([
  "state",
  "interface",
  "virtual_router_id",
  "priority",
  "advert_int",
  "version",
  "nopreempt",
  "no_preempt",
  "preempt",
  "unicast_src_ip",
  "mcast_src_ip",
  "mcast_dst_ip",
  "garp_master_repeat",
  "garp_master_delay",
  "down_timer_adverts",
  "dont_track_primary",
  "notify_master",
  "notify_backup",
  "notify_fault",
  "notify",
  "native_ipv6",
]);

/** virtual_ipaddress options that take a value. */
const VIP_VALUE_OPTIONS = new Set([
  "brd",
  "broadcast",
  "dev",
  "scope",
  "label",
  "peer",
  "preferred_lft",
  "track_group",
]);

const NO_VMAC =
  "not carried over: carpd has no virtual MAC; the new master moves the VIPs with gratuitous ARP and unsolicited neighbour advertisements from the interface's own MAC";
const NO_TRACKER =
  "not carried over: carpd has no such tracker; a [[check]] running a command can do the same";
const NO_GARP_EXTRA =
  "not carried over: carpd sends gratuitous ARPs only on becoming MASTER and when re-asserting (garp_count, garp_interval)";

/** vrrp_instance keywords carpd has no key for, and why. */
const INSTANCE_REFUSED: Record<string, string> = {
  "virtual_ipaddress_excluded":
    "not carried over: carpd has no excluded VIPs (every VIP is advertised); add them to vips on every box, or let up_script/down_script add them",
  "virtual_routes":
    "not carried over: carpd moves no routes; add them in up_script/down_script",
  "virtual_rules":
    "not carried over: carpd moves no policy rules; add them in up_script/down_script",
  "use_vmac": NO_VMAC,
  "vmac_xmit_base": NO_VMAC,
  "use_vmac_addr": NO_VMAC,
  "use_ipvlan": NO_VMAC,
  "preempt_delay":
    "not carried over: carpd has no preempt delay; it preempts as soon as the election allows",
  "smtp_alert": "not carried over: carpd sends no e-mail; use notify instead",
  "track_file": NO_TRACKER,
  "track_process": NO_TRACKER,
  "track_bfd": NO_TRACKER,
  "track_src_ip": NO_TRACKER,
  "notify_stop": "not carried over: carpd has no hook for stopping",
  "notify_deleted": "not carried over: carpd has no hook for deleted instances",
  "notify_master_rx_lower_pri":
    "not carried over: carpd has no hook for a lower-priority advert heard as master",
  "notify_priority_changes":
    "not carried over: carpd has no notify FIFO; priorities show in carpd status",
  "garp_master_refresh": NO_GARP_EXTRA,
  "garp_master_refresh_repeat": NO_GARP_EXTRA,
  "garp_lower_prio_delay": NO_GARP_EXTRA,
  "garp_lower_prio_repeat": NO_GARP_EXTRA,
  "garp_extra_if": NO_GARP_EXTRA,
  "unicast_ttl":
    "not carried over: carpd sends adverts with TTL/hop limit 255 and takes no others",
  "check_unicast_src": "not carried over: carpd has no such option",
  "unicast_fault_no_peer":
    'not needed: carpd refuses mode = "unicast" without peers',
  "lower_prio_no_advert":
    "not carried over: a carpd master always answers a lower-priority advert with its own (RFC 9568)",
  "higher_prio_send_advert": "not carried over: carpd has no such option",
  accept: "not needed: carpd's VIPs always accept traffic",
  "no_accept":
    "not carried over: carpd installs no drop rule, so its VIPs accept traffic",
  "strict_mode": "not carried over: carpd has no strict mode",
  "skip_check_adv_addr": "not carried over: carpd has no such option",
  "promote_secondaries":
    "not carried over: set it with sysctl (net.ipv4.conf.<iface>.promote_secondaries)",
  "old_unicast_checksum":
    "not needed: carpd accepts keepalived 1.3's unicast checksum too",
  "timer_expired_backup": "not carried over: carpd has no such option",
  "kernel_rx_buf_size": "not carried over: carpd has no such option",
  "linkbeat_use_polling":
    "not carried over: carpd follows link state from rtnetlink events",
  vrf: "not carried over: carpd has no VRF support",
  debug: "not carried over: set [daemon] log_level instead",
};

/** Top-level keywords, and why they are not carried over. */
const LVS =
  "LVS (IPVS) is not carpd's: it only moves addresses; keep keepalived's checker or ipvsadm for it";
const TOP_LEVEL: Record<string, string> = {
  "virtual_server": `not carried over: ${LVS}`,
  "virtual_server_group": `not carried over: ${LVS}`,
  "static_ipaddress":
    "not carried over: carpd manages VIPs only; configure static addresses in the system's network config",
  "static_routes":
    "not carried over: carpd manages VIPs only; configure static routes in the system's network config",
  "static_rules":
    "not carried over: carpd manages VIPs only; configure static rules in the system's network config",
  "garp_group": NO_GARP_EXTRA,
  "linkbeat_interfaces":
    "not carried over: carpd follows link state from rtnetlink events",
  "interface_up_down_delays": "not carried over: carpd has no link debouncing",
  "track_file": NO_TRACKER,
  "vrrp_track_file": NO_TRACKER,
  "vrrp_track_process": NO_TRACKER,
  "bfd_instance": NO_TRACKER,
  "track_group": "not carried over: carpd has no track groups",
};

/** global_defs keywords, and what carpd makes of them. */
const NO_MAIL = "not carried over: carpd sends no e-mail; use notify instead";
const GLOBAL_DEFS: Record<string, string> = {
  "router_id": "not needed: carpd has no router id",
  "enable_script_security":
    "not needed: carpd runs [[check]] commands without a shell, as root unless the check sets user",
  "script_user":
    'not carried over: [[check]] tables run as root unless they set user = "NAME"; add it once that user exists on the box',
  "notification_email": NO_MAIL,
  "notification_email_from": NO_MAIL,
  "smtp_server": NO_MAIL,
  "smtp_connect_timeout": NO_MAIL,
  "smtp_helo_name": NO_MAIL,
  "smtp_alert": NO_MAIL,
  "smtp_alert_vrrp": NO_MAIL,
  "smtp_alert_checker": NO_MAIL,
  "vrrp_mcast_group6":
    "not carried over: carpd sends IPv6 adverts to ff02::12 only",
  "vrrp_strict": "not carried over: carpd has no strict mode",
  "vrrp_skip_check_adv_addr": "not carried over: carpd has no such option",
  "vrrp_check_unicast_src": "not carried over: carpd has no such option",
  "vrrp_garp_interval": NO_GARP_EXTRA,
  "vrrp_gna_interval": NO_GARP_EXTRA,
  "vrrp_garp_master_refresh": NO_GARP_EXTRA,
  "vrrp_garp_master_refresh_repeat": NO_GARP_EXTRA,
  "vrrp_garp_lower_prio_delay": NO_GARP_EXTRA,
  "vrrp_garp_lower_prio_repeat": NO_GARP_EXTRA,
  "vrrp_garp_extra_if": NO_GARP_EXTRA,
  "vrrp_lower_prio_no_advert":
    "not carried over: a carpd master always answers a lower-priority advert with its own (RFC 9568)",
  "vrrp_down_timer_adverts":
    "not carried over: set deadratio (CARP) per vhid; carpd's VRRP backups wait the RFC's 3 advert intervals",
  "notify_fifo": "not carried over: carpd has no notify FIFO; use notify",
  "vrrp_notify_fifo": "not carried over: carpd has no notify FIFO; use notify",
  "notify_fifo_script":
    "not carried over: carpd has no notify FIFO; use notify",
  "vrrp_notify_fifo_script":
    "not carried over: carpd has no notify FIFO; use notify",
  "enable_dbus":
    "not carried over: carpd's status is on its control socket (carpd status)",
  "enable_snmp_vrrp":
    "not carried over: carpd serves Prometheus metrics instead ([daemon] metrics)",
  "enable_snmp_keepalived":
    "not carried over: carpd serves Prometheus metrics instead ([daemon] metrics)",
  "enable_traps":
    "not carried over: carpd serves Prometheus metrics instead ([daemon] metrics)",
};

function line(kv: string, comment = ""): string {
  return comment === "" ? kv : `${kv.padEnd(38)}  # ${comment}`;
}

function clamp(x: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, x));
}

function unique(xs: number[]): number[] {
  return [...new Set(xs)];
}

function garpInterval(delay: number): number {
  return delay === 0 ? GARP_INTERVAL[0] : clamp(delay, ...GARP_INTERVAL);
}

/** The longest prefix of `s` of at most `max` UTF-8 bytes. */
function firstBytes(s: string, max: number): string {
  let out = "";
  let bytes = 0;
  for (const ch of s) {
    const n = new TextEncoder().encode(ch).length;
    if (bytes + n > max) break;
    out += ch;
    bytes += n;
  }
  return out;
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
