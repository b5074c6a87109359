/**
 * The graceful stop's drain, once every vhid has been told to stop: make
 * before break (MASTERs that bowed out keep their VIPs until a successor
 * took over, bounded), leftovers swept, the loop stopped, checks and hooks
 * awaited within their timeouts, address removals still in flight waited
 * for, then everything closed.
 * @module
 */

import type { Shell } from "./assemble.ts";
import { sleep } from "./clock.ts";
import type { VhidDriver } from "./driver.ts";

/** Longest wait for address removals still in flight at exit. */
const NETLINK_DRAIN_MS = 2000;

/**
 * Stops what is left of the shell after its vhids were told to stop.
 *
 * @param shell The shell.
 * @param graceful Not after a fatal error: the loop may still be trusted
 *   to hear successors, so bowed-out MASTERs wait for them.
 * @param removeLeftovers Sweeps what carpd added that nothing keeps.
 * @returns Resolves when everything is closed.
 */
export async function stopShell(
  shell: Shell,
  graceful: boolean,
  removeLeftovers: (stopping: boolean) => Promise<void>,
): Promise<void> {
  const clock = shell.clock;
  const checks = shell.health.stop();
  const drivers = shell.vhids.all();
  for (const r of drivers) r.stop();
  const limit =
    Math.max(1000, ...drivers.map((r) => r.config.scriptTimeoutMs)) + 1000;
  if (graceful) {
    await Promise.race([
      Promise.all(drivers.map((r) => r.released())),
      sleep(clock, releaseWaitMs(drivers, clock.now()) + 500),
    ]);
  }
  for (const r of drivers) r.release();
  // What a stopped vhid keeps on purpose stays; everything else carpd
  // added goes, a reload's leftovers included.
  await Promise.race([removeLeftovers(true), sleep(clock, NETLINK_DRAIN_MS)]);
  shell.loop.stop();
  await Promise.race([
    Promise.all([checks, shell.effects.hooksIdle()]),
    sleep(clock, limit),
  ]);
  const until = clock.now() + NETLINK_DRAIN_MS;
  while (shell.netlink.waiting > 0 && clock.now() < until) {
    await sleep(clock, 10);
  }
  shell.events.closeAll();
  shell.close();
}

/** The longest any stopping vhid holds its VIPs for a successor. */
function releaseWaitMs(drivers: readonly VhidDriver[], now: number): number {
  return Math.max(0, ...drivers.map((r) => (r.state.releaseAt ?? now) - now));
}
