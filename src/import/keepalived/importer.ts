/**
 * Converting a keepalived config (`keepalived.conf`, VRRP part) into
 * `carp.toml`: each `vrrp_instance` becomes a `[[vhid]]`, each tracked
 * `vrrp_script` a `[[check]]`, each `track_interface` entry a
 * `[[track_interface]]`. Everything not carried over as it was is reported as
 * a note with its file and line. Pure: files are read through
 * {@link ImportFiles}.
 * @module
 */

import { type ImportFiles, type ImportResult, sortedNotes } from "../mod.ts";
import { convertKeepalived } from "./convert.ts";
import { NEEDS_BLOCK } from "./keywords.ts";
import type { Protocol } from "./model.ts";
import { readKeepalived } from "./reader.ts";
import { renderToml } from "./render.ts";
import { selfCheck } from "./self_check.ts";

/** How {@link importKeepalived} converts. */
export interface KeepalivedImportOptions {
  /**
   * `"vrrp"`: `[[vhid]]` tables speak VRRP, as keepalived does (a group can
   * move one box at a time). `"carp"`: they speak CARP (every box at once).
   */
  protocol: Protocol;
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
  const conv = convertKeepalived(
    path,
    options.protocol,
    tree.nodes,
    tree.notes,
  );
  const toml = renderToml(conv);
  selfCheck(conv, toml);
  return {
    toml,
    notes: sortedNotes(conv.notes, (a, b) => a.order - b.order),
  };
}
