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

/**
 * The first counter of a vhid: milliseconds since the epoch in the high 44
 * bits and 20 random bits below. It is unpredictable, and a restarted daemon
 * starts above every counter it sent before (it sends far fewer than 2^20
 * adverts per millisecond), so peers with replay protection keep accepting
 * it.
 *
 * @param wallMs Wall-clock milliseconds.
 * @param random32 32 random bits.
 * @returns The counter.
 */
export function initialCounter(wallMs: number, random32: number): bigint {
  return (BigInt(Math.floor(wallMs)) << 20n) | BigInt(random32 & 0xfffff);
}
