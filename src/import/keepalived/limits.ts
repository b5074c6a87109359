/**
 * The numbers a keepalived conversion works with: keepalived's defaults,
 * carp.toml's limits, and bringing a value within them.
 * @module
 */

// keepalived's defaults (keepalived.conf(5), 2.2.7).

/** A vrrp_instance's priority when it sets none. */
export const KA_PRIORITY = 100;
/** A vrrp_instance's advert_int when it sets none, in seconds. */
export const KA_ADVERT_INT = 1;
/** The VRRP version when neither the instance nor global_defs sets one. */
export const KA_VRRP_VERSION = 2;
/** A vrrp_script's interval when it sets none, in seconds. */
export const KA_SCRIPT_INTERVAL = 1;
/** A vrrp_script's fall and rise when it sets none. */
export const KA_FALL_RISE = 1;

// carp.toml limits (src/config/load/schema.ts).

/** A [[check]]'s interval, in seconds: lowest and highest. */
export const CHECK_INTERVAL = [0.1, 86400] as const;
/** A [[check]]'s timeout, in seconds: lowest and highest. */
export const CHECK_TIMEOUT = [0.1, 3600] as const;
/** A [[vhid]]'s garp_interval, in seconds: lowest and highest. */
export const GARP_INTERVAL = [0.01, 60] as const;
/** The bytes of a VRRPv2 simple-text password. */
export const VRRP2_PASS_BYTES = 8;
/** advbase x deadratio must stay below this many seconds (CARP). */
export const BOW_OUT_SECONDS = 256;

/**
 * A number brought within bounds.
 *
 * @param x The number.
 * @param min The lowest it may be.
 * @param max The highest it may be.
 * @returns `x`, or the bound it is past.
 */
export function clamp(x: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, x));
}

/**
 * carp.toml's garp_interval for keepalived's garp_master_delay.
 *
 * @param delay The delay, in seconds (0: none).
 * @returns The interval carp.toml takes closest to it.
 */
export function garpInterval(delay: number): number {
  return delay === 0 ? GARP_INTERVAL[0] : clamp(delay, ...GARP_INTERVAL);
}
