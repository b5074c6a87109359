/**
 * `carpd check`: validate a config and say what it holds, without touching
 * the network.
 * @module
 */

import { formatMetricsAddress } from "../control/mod.ts";
import { formatIpv4 } from "../carp/mod.ts";
import {
  type Config,
  ConfigError,
  EXIT_CONFIG,
  loadConfig,
  looseSecretFiles,
} from "../config/mod.ts";

/** Default config path. */
export const DEFAULT_CONFIG = "/etc/carp/carp.toml";

/**
 * Validates `path`; prints a summary or every problem.
 *
 * @param path The config file.
 * @param out Where lines go.
 * @returns The exit code: 0, or 78 for a bad config.
 */
export function runCheck(path: string, out: (line: string) => void): number {
  let config: Config;
  try {
    config = loadConfig(path);
  } catch (e) {
    if (e instanceof ConfigError) {
      out(`${path}: ${e.problems.length} problem(s):`);
      for (const p of e.problems) out(`  ${p}`);
      return EXIT_CONFIG;
    }
    throw e;
  }
  out(`${path}: ok`);
  for (const w of looseSecretFiles(path, config)) out(`  warning: ${w}`);
  if (config.metrics !== null) {
    out(
      `  metrics on http://${formatMetricsAddress(config.metrics)}/metrics`,
    );
  }
  for (const v of config.vhids) {
    const vips = v.vips.map((x) => x.text).join(", ");
    const has4 = v.vips.some((x) => x.family === 4);
    const has6 = v.vips.some((x) => x.family === 6);
    const src = [
      ...(has4
        ? [v.source === null ? "interface address" : formatIpv4(v.source)]
        : []),
      ...(has6 ? ["link-local (IPv6)"] : []),
    ].join(" and ");
    const timers = v.protocol === "vrrp"
      ? `VRRPv3 priority ${v.priority} advert_interval ${
        v.advertIntervalCs / 100
      } s${v.vips[0]?.family === 4 ? ` checksum ${v.vrrpChecksum}` : ""}`
      : `advbase ${v.advbase} advskew ${v.advskew} deadratio ${v.deadratio}`;
    out(
      `  vhid ${v.id} on ${v.interface}: ${vips}; ${timers}${
        v.preempt ? " preempt" : ""
      }; ${v.mode}; source ${src}`,
    );
  }
  for (const c of config.checks) {
    out(
      `  check "${c.name}": every ${c.intervalMs / 1000} s, demote ${c.demote}`,
    );
  }
  for (const t of config.trackInterfaces) {
    out(`  track_interface ${t.name}: demote ${t.demote}`);
  }
  return 0;
}
