/**
 * A vrrp_instance's notify scripts in carpd's model: notify_master becomes
 * up_script, notify_backup (or notify_fault) down_script, notify notify.
 * @module
 */

import { tomlString } from "../mod.ts";
import { noteAt } from "./arguments.ts";
import type { Conversion, Instance } from "./model.ts";
import type { KaNode } from "./parser.ts";

/** A notify line: its command and where it is. */
export interface Hook {
  /** The command. */
  argv: string[];
  /** The notify line. */
  node: KaNode;
}

/**
 * Sets an instance's up_script, down_script and notify, noting how carpd
 * runs them differently.
 *
 * @param c The conversion.
 * @param inst The instance.
 * @param hooks Its notify lines by keyword (`notify_master`, ...).
 */
export function convertHooks(
  c: Conversion,
  inst: Instance,
  hooks: Map<string, Hook>,
): void {
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
    noteAt(
      c.notes,
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
    noteAt(
      c.notes,
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
    noteAt(
      c.notes,
      fault.node,
      `notify_fault (${where}): not carried over: carpd has no FAULT-only hook; down_script (from notify_backup) also runs on leaving MASTER for FAULT, and notify gets the new state`,
    );
  }
  const notify = hooks.get("notify");
  if (notify !== undefined) {
    inst.notify = notify.argv;
    noteAt(
      c.notes,
      notify.node,
      `notify (${where}): carried over as notify; keepalived appended INSTANCE <name> <state> <priority>, carpd appends <vhid> <old state> <new state> <iface> <vips, comma-separated>${
        user(notify)
      }`,
    );
  }
}
