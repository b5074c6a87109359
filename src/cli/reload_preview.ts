/**
 * What a reload would do to each vhid of a running daemon (for `carpd
 * check -c NEW`): kept, updated in place (and whether a roll-out window
 * opens, for what), restarted (and why), started, stopped. Pure: the
 * running settings come from the daemon, secrets redacted, and the new
 * ones are redacted the same way.
 * @module
 */

import {
  type Config,
  planReload,
  redactSecrets,
  type VhidConfig,
} from "../config/mod.ts";
import { identityChanges, identityOf } from "../wire/mod.ts";

/** Settings whose change restarts a vhid, in words. */
const RESTARTS: [string, (v: VhidConfig) => unknown][] = [
  ["protocol", (v) => v.protocol],
  ["address families", (v) => [...new Set(v.vips.map((x) => x.family))].sort()],
  ["mode", (v) => v.mode],
  ["group", (v) => v.group],
  ["peers", (v) => [v.peers, v.peers6.map((p) => [...p])]],
  ["source", (v) => v.source],
  ["manage_vips", (v) => v.manageVips],
];

/**
 * One line per vhid of either config.
 *
 * @param running The running vhids' settings, secrets redacted.
 * @param next The new config.
 * @param inStandby Keys of running vhids in standby.
 * @returns The lines.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseConfig } from "../config/load/mod.ts";
 * import { redactSecrets } from "../config/mod.ts";
 * import { reloadPreview } from "./reload_preview.ts";
 * const load = (pw: string) =>
 *   parseConfig(
 *     `[[vhid]]\nid = 1\ninterface = "eth0"\nvips = ["10.0.0.1"]\npassword = "${pw}"\n`,
 *     "carp.toml",
 *     () => new Uint8Array(),
 *   );
 * const running = load("a").vhids.map(redactSecrets);
 * assert.deepEqual(reloadPreview(running, load("b"), new Set()), [
 *   "vhid 1 on eth0: updated in place; a roll-out window opens for 600 s (password)",
 * ]);
 * ```
 */
export function reloadPreview(
  running: readonly VhidConfig[],
  next: Config,
  inStandby: ReadonlySet<string>,
): string[] {
  const wanted = next.vhids.map(redactSecrets);
  const before = new Map(running.map((v) => [`${v.interface}/${v.id}`, v]));
  return planReload(running, wanted, inStandby).map((p) => {
    const [iface, id] = p.key.split("/");
    const name = `vhid ${id} on ${iface}`;
    const old = before.get(p.key);
    const now = p.config;
    switch (p.change) {
      case "keep":
        return `${name}: kept`;
      case "start":
        return `${name}: started`;
      case "stop":
        return `${name}: stopped (its VIPs released)`;
      case "restart": {
        const why = RESTARTS.filter(([, f]) =>
          JSON.stringify(f(old!)) !== JSON.stringify(f(now!))
        ).map(([w]) => w);
        return `${name}: restarted (${why.join(", ") || "identity"} changed)${
          p.standby ? ", in standby again" : ""
        }`;
      }
      case "update": {
        const changes = identityChanges(identityOf(old!), identityOf(now!));
        if (changes.length === 0) return `${name}: updated in place`;
        const ms = now!.rolloutWindowMs;
        return `${name}: updated in place; ${
          ms > 0
            ? `a roll-out window opens for ${ms / 1000} s`
            : "switched at once (rollout_window = 0)"
        } (${changes.join(", ")})`;
      }
    }
  });
}
