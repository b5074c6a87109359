/**
 * The 64-bit advert counter (CARP's replay counter; VRRP sends none): it
 * wraps, and only ever moves forward.
 * @module
 */

/** The counter's bits. */
export const COUNTER_MASK = (1n << 64n) - 1n;

/**
 * The counter after one more.
 *
 * @param counter A counter.
 * @returns The next one (64 bits, wrapping).
 */
export function nextCounter(counter: bigint): bigint {
  return (counter + 1n) & COUNTER_MASK;
}
