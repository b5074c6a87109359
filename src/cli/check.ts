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
  type VhidConfig,
  vhidsFromText,
} from "../config/mod.ts";
import { groupWarnings, loadConfig } from "../config/load/mod.ts";
import { profileWarnings } from "./profile_warnings.ts";
import { reloadPreview } from "./reload_preview.ts";

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
 * The settings of the vhids of the daemon listening on `socket`, secrets
 * redacted, or `null` when none answers (or it is too old to say).
 *
 * @param socket The control socket.
 * @returns The settings, or `null`.
 */
export async function runningVhids(
  socket: string,
): Promise<VhidConfig[] | null> {
  try {
    const reply = await request(socket, { command: "config" }, 1000);
    if (!reply.ok) return null;
    const text = (reply.result as { vhids?: unknown }).vhids;
    return typeof text === "string" ? vhidsFromText(text) : null;
  } catch {
    return null;
  }
}

/**
 * Validates `path`; prints a summary or every problem, warnings about
 * timers faster than the running daemon has been able to keep, and what a
 * reload of the running daemon would do to each vhid.
 *
 * @param path The config file.
 * @param out Where lines go.
 * @param running Asks the running daemon for its status.
 * @param vhids Asks the running daemon for its vhids' settings.
 * @returns The exit code: 0, or 78 for a bad config.
 */
export async function runCheck(
  path: string,
  out: (line: string) => void,
  running: (socket: string) => Promise<Status | null> = runningStatus,
  vhids: (socket: string) => Promise<VhidConfig[] | null> = runningVhids,
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
  for (const w of groupWarnings(config)) out(`  warning: ${w}`);
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
      ? `VRRPv${v.vrrpVersion} priority ${v.priority} advert_interval ${
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
  const now = status === null ? null : await vhids(config.controlSocket);
  if (status !== null && now !== null) {
    out(`  a reload of the daemon running now (pid ${status.pid}) would do:`);
    const standby = new Set(
      status.vhids.filter((v) => v.standby).map((v) =>
        `${v.interface}/${v.vhid}`
      ),
    );
    for (const line of reloadPreview(now, config, standby)) out(`    ${line}`);
  }
  return 0;
}
