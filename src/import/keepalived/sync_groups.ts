/**
 * vrrp_sync_group to carpd's `[[group]]`: its members (by instance, later
 * named `interface/id`), its generic `notify` as the group's notify, and
 * notify scripts that run Debian's `primary-backup.sh` as `conntrackd =
 * true` (carpd drives conntrackd itself, with the commit awaited before
 * the VIPs). Other notify_master/backup/fault scripts are noted: carpd's
 * group notify is one command that gets the name, old and new state.
 * @module
 */

import { tomlString } from "../mod.ts";
import { blockOf, nameArg, noteAt } from "./arguments.ts";
import type { Conversion, Instance, SyncGroup } from "./model.ts";
import type { KaNode } from "./parser.ts";
import { commandArgv } from "./scripts.ts";

/** Debian's conntrackd notify script, by its name. */
const PRIMARY_BACKUP = /(^|\/)primary-backup\.sh$/;

/**
 * Reads a vrrp_sync_group.
 *
 * @param c The conversion.
 * @param n The statement.
 */
export function readSyncGroup(c: Conversion, n: KaNode): void {
  const name = nameArg(c.notes, n);
  const where = `vrrp_sync_group ${name}`;
  const g: SyncGroup = {
    name,
    members: [],
    notify: null,
    conntrackd: false,
    node: n,
  };
  let weights = false;
  const scripts: { kw: string; argv: string[]; node: KaNode }[] = [];
  for (const s of blockOf(n)) {
    const kw = s.words[0]!;
    if (kw === "group") {
      for (const m of blockOf(s)) g.members.push(...m.words);
    } else if (kw === "sync_group_tracking_weight") weights = true;
    else if (
      kw === "notify" || kw === "notify_master" || kw === "notify_backup" ||
      kw === "notify_fault"
    ) {
      const argv = commandArgv(c.notes, s, where, true);
      if (argv !== null) scripts.push({ kw, argv, node: s });
    } else {
      noteAt(
        c.notes,
        s,
        `${s.words.join(" ")} (${where}): not carried over${
          kw.startsWith("track_") ? "; track in each member instance" : ""
        }`,
      );
    }
  }
  for (const s of scripts) {
    if (PRIMARY_BACKUP.test(s.argv[0]!)) {
      if (g.conntrackd) continue; // noted at its first line
      g.conntrackd = true;
      noteAt(
        c.notes,
        s.node,
        `${s.kw} (${where}): runs Debian's primary-backup.sh, so conntrackd = true: carpd calls conntrackd itself (-c before the VIPs, then -f -R -B; -t -n on BACKUP; -t on FAULT); if the script names another config, write conntrackd = ["/usr/sbin/conntrackd", "-C", "<its config>"]`,
      );
    } else if (s.kw === "notify") {
      g.notify = s.argv;
      noteAt(
        c.notes,
        s.node,
        `notify (${where}): the group's notify = ${
          tomlString(s.argv[0]!)
        }...; keepalived appended GROUP <name> <state> <priority>, carpd appends <name> <old state> <new state>`,
      );
    } else {
      noteAt(
        c.notes,
        s.node,
        `${s.kw} (${where}): not carried over: carpd's group notify is one command, run with the group's name, old and new state (MASTER, BACKUP, FAULT) appended; call ${
          tomlString(s.argv[0]!)
        } from it`,
      );
    }
  }
  for (const m of g.members) c.synced.set(m, { group: name, weights });
  c.syncGroups.push(g);
}

/**
 * The sync groups with their members as `interface/id`, once every
 * instance is read; members that are no instance are noted.
 *
 * @param c The conversion.
 * @returns The groups to render.
 */
export function resolveSyncGroups(
  c: Conversion,
): { group: SyncGroup; members: string[] }[] {
  return c.syncGroups.map((g) => {
    const members = g.members.flatMap((m) => {
      const inst: Instance | undefined = c.instances.find((i) => i.name === m);
      if (inst === undefined) {
        noteAt(
          c.notes,
          g.node,
          `vrrp_sync_group ${g.name}: member ${m} is no vrrp_instance; left out`,
        );
        return [];
      }
      return [`${inst.iface}/${inst.id}`];
    });
    return { group: g, members };
  });
}
