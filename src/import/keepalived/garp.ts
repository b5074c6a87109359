/**
 * A vrrp_instance's gratuitous ARP settings in carpd's model: its own
 * garp_master_repeat and garp_master_delay, or those of global_defs.
 * @module
 */

import { intArg, noteAt, secondsArg } from "./arguments.ts";
import { GARP_DIFFERENCE } from "./keywords.ts";
import { clamp, garpInterval } from "./limits.ts";
import type { Conversion, Instance } from "./model.ts";
import type { KaNode } from "./parser.ts";

/**
 * Sets an instance's garp_count and garp_interval.
 *
 * @param c The conversion (global_defs read).
 * @param inst The instance.
 * @param repeat Its garp_master_repeat line, if any.
 * @param delay Its garp_master_delay line, if any.
 * @throws {ImportError} A value out of range.
 */
export function convertGarp(
  c: Conversion,
  inst: Instance,
  repeat: KaNode | null,
  delay: KaNode | null,
): void {
  const where = `vrrp_instance ${inst.name}`;
  const g = c.globals;
  if (repeat !== null) {
    const r = intArg(repeat, 1, 0, 1000);
    inst.garpCount = { value: clamp(r, 1, 100), why: "garp_master_repeat" };
    noteAt(
      c.notes,
      repeat,
      `garp_master_repeat ${r} (${where}): garp_count = ${inst.garpCount.value}; ${GARP_DIFFERENCE}`,
    );
  } else if (g.garpRepeat !== null) {
    inst.garpCount = {
      value: clamp(g.garpRepeat, 1, 100),
      why: "global_defs vrrp_garp_master_repeat",
    };
  } else if (g.minGarp) {
    inst.garpCount = { value: 1, why: "global_defs vrrp_min_garp" };
  }
  if (delay !== null) {
    const d = secondsArg(delay, 1, 0, 86400);
    inst.garpInterval = { value: garpInterval(d), why: "garp_master_delay" };
    noteAt(
      c.notes,
      delay,
      `garp_master_delay ${
        delay.words[1]
      } (${where}): garp_interval = ${inst.garpInterval.value}; ${GARP_DIFFERENCE}`,
    );
  } else if (g.garpDelay !== null && !g.minGarp) {
    inst.garpInterval = {
      value: garpInterval(g.garpDelay),
      why: "global_defs vrrp_garp_master_delay",
    };
  }
}
