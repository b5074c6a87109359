/**
 * The shape of `carpd status --json`, and its human rendering.
 * @module
 */

import type { VhidCounters } from "../daemon/counters.ts";
import type { Demotion } from "../health/demotions.ts";
import type { CheckStatus, TrackStatus } from "../health/health.ts";

/** One vhid in the status. */
export interface VhidStatus {
  vhid: number;
  interface: string;
  vips: string[];
  state: string;
  advbase: number;
  advskew: { configured: number; effective: number };
  demotions: Demotion[];
  standby: boolean;
  /** The master as seen from here (ourselves when MASTER), or `null`. */
  master: string | null;
  source: string;
  secondsSinceTransition: number;
  counters: VhidCounters;
}

/** The whole status. */
export interface Status {
  version: string;
  pid: number;
  uptimeSeconds: number;
  vhids: VhidStatus[];
  checks: CheckStatus[];
  trackedInterfaces: TrackStatus[];
  /** Drops of packets for no vhid of ours, by interface. */
  interfaceDrops: Record<string, Record<string, number>>;
}

/**
 * Renders a status for people.
 *
 * @param s The status.
 * @returns Lines of text.
 */
export function formatStatus(s: Status): string[] {
  const out: string[] = [
    `carpd ${s.version}, pid ${s.pid}, up ${Math.round(s.uptimeSeconds)} s`,
  ];
  for (const v of s.vhids) {
    const skew = v.advskew.configured === v.advskew.effective
      ? `advskew ${v.advskew.effective}`
      : `advskew ${v.advskew.effective} (configured ${v.advskew.configured})`;
    out.push(
      `vhid ${v.vhid} on ${v.interface}: ${v.state}${
        v.standby ? " (standby)" : ""
      }, ${skew}, ` +
        `master ${v.master ?? "unknown"}, for ${
          Math.round(v.secondsSinceTransition)
        } s`,
    );
    out.push(`  vips ${v.vips.join(", ")}; from ${v.source}`);
    for (const d of v.demotions) {
      out.push(`  demoted +${d.advskew}: ${d.reason}`);
    }
    const c = v.counters;
    const drops = Object.entries(c.drops).filter(([, n]) =>
      n > 0
    ).map(([r, n]) => `${r}=${n}`).join(" ") ||
      "none";
    out.push(
      `  adverts sent ${c.advertsSent}, received ${c.advertsReceived}, transitions ${c.transitions}, drops ${drops}`,
    );
  }
  for (const c of s.checks) {
    const last = c.lastSignal !== null
      ? `by ${c.lastSignal}`
      : `${c.lastCode ?? "none"}`;
    out.push(
      `check ${c.name}: ${
        c.up ? "passing" : `failing (demotes ${c.demote})`
      }, runs ${c.runs}, failures ${c.failures}, timeouts ${c.timeouts}, last exit ${last} in ${c.lastDurationMs} ms`,
    );
    if (c.hint !== null) out.push(`  looks broken: ${c.hint}`);
  }
  for (const t of s.trackedInterfaces) {
    out.push(
      `track_interface ${t.name}: ${
        t.up ? "up" : `down (demotes ${t.demote})`
      }`,
    );
  }
  return out;
}
