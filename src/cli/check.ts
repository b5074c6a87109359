/**
 * `carpd check`: validate a config and say what it holds, without touching
 * the network.
 * @module
 */

import { formatMetricsAddress, request, type Status } from "../control/mod.ts";
import { formatIpv4 } from "../net/mod.ts";
import {
  type Config,
  ConfigError,
  EXIT_CONFIG,
  looseSecretFiles,
} from "../config/mod.ts";
import { loadConfig } from "../config/load/mod.ts";
import { profileWarnings } from "./profile_warnings.ts";

/**
 * The status of the daemon listening on `socket`, or `null` when none
 * answers (within a second: a check must not hang on a stuck daemon).
 *
 * @param socket The control socket.
 * @returns Its status, or `null`.
 */
export async function runningStatus(socket: string): Promise<Status | null> {
  try {
    const reply = await request(socket, { command: "status" }, 1000);
    // A daemon of another version may lack fields: read them defensively.
    return reply.ok ? reply.result as Status : null;
  } catch {
    return null;
  }
}

/**
 * Validates `path`; prints a summary or every problem, and warnings about
 * timers faster than the running daemon has been able to keep.
 *
 * @param path The config file.
 * @param out Where lines go.
 * @param running Asks the running daemon for its status.
 * @returns The exit code: 0, or 78 for a bad config.
 */
export async function runCheck(
  path: string,
  out: (line: string) => void,
  running: (socket: string) => Promise<Status | null> = runningStatus,
): Promise<number> {
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
  const status = await running(config.controlSocket);
  for (const w of profileWarnings(config, status)) out(`  warning: ${w}`);
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
