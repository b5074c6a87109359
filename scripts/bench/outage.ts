/**
 * How long a failover takes, seen from outside: the client's longest ping
 * gap around an event on the master (a cable cut, a SIGTERM, a standby),
 * and the time from a failing health check to the backup holding the VIP.
 * @module
 */

import {
  eventually,
  type Lab,
  PingStream,
  sleep,
} from "../../test/integration/lab.ts";
import { type Impl, type Options, pair, VIP } from "./daemons.ts";

/** How {@linkcode pingGap} times an event. */
export interface GapOptions {
  /** The event, for the error when no pings flow before it ("the cut"). */
  before: string;
  /** Seconds between pings (PingStream's default, 10 ms, unless told). */
  pingEveryS?: number;
  /** Waits for the moment of the event; not counted. */
  ready?: () => Promise<void>;
  /** How often to look for host 2 holding the VIP, in ms. */
  pollMs: number;
  /** How long host 2 may take to hold the VIP, in ms (15 s unless told). */
  timeoutMs?: number;
  /** How long the pings go on once it does, in ms (1.5 s unless told). */
  settleMs?: number;
}

/**
 * The client pings `vip`; `event` happens on the master; the longest gap
 * between replies from just before the event until host 2 holds the VIP
 * and a while after.
 *
 * @param lab A lab of two hosts, host 1 the master.
 * @param vip The address pinged.
 * @param event What happens to the master.
 * @param o How the event is timed.
 * @returns The outage, in ms (to within one ping interval).
 * @throws When no pings come back before the event.
 */
export async function pingGap(
  lab: Lab,
  vip: string,
  event: () => unknown,
  o: GapOptions,
): Promise<number> {
  const ping = new PingStream(lab, vip, o.pingEveryS);
  if (!(await eventually(() => ping.flowing(), 5000, 50))) {
    throw new Error(`no pings before ${o.before}`);
  }
  await o.ready?.();
  const t0 = Date.now();
  await event();
  await eventually(() => lab.has(2, vip), o.timeoutMs ?? 15_000, o.pollMs);
  await sleep(o.settleMs ?? 1500);
  await ping.stop();
  return ping.gapSince(t0 - 50);
}

/**
 * Waits until the client sees the master's next advert, so every daemon's
 * cable is cut at the same phase of its advert cycle: right after an advert,
 * the worst case, a full master-down interval. (Cutting at a random phase
 * would add up to one advert interval of noise to every figure.)
 */
async function afterNextAdvert(lab: Lab, ipv6 = false): Promise<void> {
  const mac = (await lab.exec(lab.host(1), [
    "cat",
    "/sys/class/net/eth0/address",
  ])).trim();
  const dump = lab.spawn("tcpdump", [
    ...[
      "ip",
      "netns",
      "exec",
      lab.client,
      "tcpdump",
      "-l",
      "-n",
      "-c",
      "1",
      "-i",
      "eth0",
    ],
    `${ipv6 ? "ip6" : "ip"} proto 112 and ether src ${mac}`,
  ]);
  await dump.exit(5000);
}

/**
 * A cable cut on the master right after one of its adverts.
 *
 * @param lab A lab of two hosts, host 1 the master.
 * @param vip The address pinged.
 * @param ipv6 Whether the adverts go over IPv6.
 * @param pingEveryS Seconds between pings.
 * @returns The client's longest ping gap, in ms.
 */
export function cableCut(
  lab: Lab,
  vip: string,
  ipv6 = false,
  pingEveryS = 0.01,
): Promise<number> {
  return pingGap(lab, vip, () => lab.cut(1), {
    before: "the cut",
    pingEveryS,
    ready: () => afterNextAdvert(lab, ipv6),
    pollMs: 10,
  });
}

/**
 * A planned stop of the master.
 *
 * @param lab A lab of two hosts, host 1 the master.
 * @param vip The address pinged.
 * @param stop Stops the master (SIGTERM).
 * @returns The client's longest ping gap, in ms.
 */
export function stopMaster(
  lab: Lab,
  vip: string,
  stop: () => unknown,
): Promise<number> {
  return pingGap(lab, vip, stop, { before: "the stop", pollMs: 20 });
}

/**
 * The health check on the master starts failing.
 *
 * @param impl Which implementation.
 * @param lab A lab of two hosts.
 * @param o What the run is made of (besides the check).
 * @returns The ms from the failure until the backup holds the VIP.
 * @throws When the backup never takes over.
 */
export async function healthFailover(
  impl: Impl,
  lab: Lab,
  o: Options = {},
): Promise<number> {
  const flag = await lab.file("service-ok", "");
  await pair(impl, lab, { ...o, checkFile: flag });
  const t0 = performance.now();
  await Deno.remove(flag);
  if (!(await eventually(() => lab.has(2, VIP), 15_000, 10))) {
    throw new Error("the backup never took over");
  }
  return Math.round(performance.now() - t0);
}
