/**
 * A vhid's takeover, run once when it is built and thrown away: the state
 * machine's way to MASTER, an advert of each family encoded, a gratuitous
 * ARP and a neighbour advertisement built. V8 compiles a function on its
 * first call, and a backup's first call is its takeover, when every
 * millisecond counts.
 * @module
 */

import type { VhidConfig } from "../config/mod.ts";
import { initialState, step } from "../fsm/mod.ts";
import { gratuitousArp, unsolicitedNa } from "../net/mod.ts";
import { type AdvertEncoder, warmUpEncoder } from "../wire/mod.ts";
import { electionConfig } from "./timing/mod.ts";

/**
 * Runs a vhid's takeover code once.
 *
 * @param config The vhid.
 * @param encoder Its advert encoder.
 */
export function warmUp(config: VhidConfig, encoder: AdvertEncoder): void {
  let s = initialState(electionConfig(config, 1, ["fe80::1"]), 0n);
  s = step(s, { type: "start" }, 0).state;
  const r = step(s, { type: "timer" }, s.masterDownAt ?? 0);
  step(r.state, { type: "timer" }, r.deadline ?? 0);
  const families = new Set(config.vips.map((v) => v.family));
  warmUpEncoder(encoder, s.config.election.advert(s), families);
  for (const vip of config.vips) {
    if (vip.family === 4) gratuitousArp(new Uint8Array(6), vip.address);
    else unsolicitedNa(vip.address, new Uint8Array(6));
    break;
  }
}
