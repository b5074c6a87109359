/**
 * What `carpd check` says about a profile's timers: one faster than the
 * scheduling allows, or faster than the running daemon has been able to
 * keep on this box (its timer lateness and the gaps between the adverts it
 * heard, from its status).
 * @module
 */

import type { Config } from "../config/mod.ts";
import type { Status } from "../control/mod.ts";
import {
  configuredIntervalMs,
  configuredMasterDownMs,
  GAP_SHARE_WARNING,
  LATE_SHARE_WARNING,
  REALTIME_BELOW_MS,
} from "../daemon/timing/mod.ts";

function ms(x: number): number {
  return Math.round(x * 10) / 10;
}

/**
 * Warnings about a config's timers.
 *
 * @param config The config checked.
 * @param running The status of the daemon running now, or `null`.
 * @returns One line per warning.
 */
export function profileWarnings(
  config: Config,
  running: Status | null,
): string[] {
  const out: string[] = [];
  for (const v of config.vhids) {
    const name = `vhid ${v.id} on ${v.interface}`;
    const interval = configuredIntervalMs(v);
    if (config.scheduling === "normal" && interval < REALTIME_BELOW_MS) {
      out.push(
        `${name} advertises every ${
          ms(interval)
        } ms with scheduling = "normal": on a busy box a normal-priority daemon is held off the CPU for tens of milliseconds; "auto" runs it realtime`,
      );
    }
    if (running === null) continue;
    const seen = running.vhids.find((s) =>
      s.vhid === v.id && s.interface === v.interface
    );
    const late = Math.max(
      running.worstTimerLatenessMs ?? 0,
      seen?.worstTimerLatenessMs ?? 0,
    );
    if (late >= LATE_SHARE_WARNING * interval) {
      out.push(
        `${name} advertises every ${
          ms(interval)
        } ms, but the running daemon's timers have fired up to ${
          ms(late)
        } ms late: faster than this box can keep (lengthen the interval, or find what holds the CPU)`,
      );
    }
    const down = configuredMasterDownMs(v);
    const gap = seen?.worstAdvertGapMs ?? 0;
    if (gap >= GAP_SHARE_WARNING * down) {
      out.push(
        `${name}: peers' adverts have arrived up to ${
          ms(gap)
        } ms apart, against a master-down interval of ${
          ms(down)
        } ms: expect false failovers`,
      );
    }
    const refused = running.scheduling?.error ?? null;
    if (
      interval < REALTIME_BELOW_MS && refused !== null &&
      config.scheduling !== "normal"
    ) {
      out.push(
        `${name} advertises every ${
          ms(interval)
        } ms, but the running daemon cannot run realtime: ${refused}`,
      );
    }
  }
  return [...new Set(out)];
}
