/**
 * The keepalived importer's self-check: carpd's own config check run on the
 * converted carp.toml, its first problem blamed on the keepalived line the
 * table came from.
 * @module
 */

import { ConfigError } from "../../config/mod.ts";
import { parseConfig } from "../../config/load/mod.ts";
import { ImportError } from "../mod.ts";
import type { Converted } from "./model.ts";

/**
 * Checks the rendered carp.toml as `carpd check` would (no file is read).
 *
 * @param conv The converted config the TOML was rendered from.
 * @param toml The rendered TOML.
 * @throws {ImportError} At the instance, vrrp_script or track_interface line
 *   of the first table carpd refuses (the main file's line 1 when none is
 *   named), with every problem.
 */
export function selfCheck(conv: Converted, toml: string): void {
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
      ? conv.vhids[i]?.instance.node
      : m?.[1] === "check"
      ? conv.checks[i]?.node
      : conv.tracks[i]?.node;
    throw new ImportError(
      node?.file ?? conv.path,
      node?.line ?? 1,
      `carpd cannot take the converted config: ${e.problems.join("; ")}`,
    );
  }
}
