/**
 * The firewall pair of `test/integration/firewall_pair_test.ts` with carpd
 * (one group, conntrackd driven by carpd) and with keepalived (a
 * `vrrp_sync_group` whose notify scripts run Debian's `primary-backup.sh`),
 * side by side: per event, the longest gap of a 10 ms ping through the
 * VIPs, the TCP stream's longest stall, how long the VIPs were on
 * different boxes (sampled every 20 ms) and the stream's packets the
 * firewalls dropped; medians of up to 3 runs (1 with --quick). ucarp has
 * no groups and is not run.
 * @module
 */

import { sleep } from "../../test/integration/lab.ts";
import type { Proc } from "../../test/integration/lab.ts";
import {
  type Firewall,
  FirewallPair,
  longestGap,
  pingReplies,
  streamEchoes,
} from "../../test/integration/firewall_lab.ts";

/** The implementations this scenario compares. */
export const FIREWALL_IMPLS = ["carpd", "keepalived"] as const;
/** One of them. */
export type FirewallImpl = (typeof FIREWALL_IMPLS)[number];

/** One event's figures. */
export interface FirewallFigures {
  pingGapMs: number;
  stallMs: number;
  splitMs: number;
  dropped: number;
}

/**
 * The ping and the stream send every 10 ms: a gap is known to that much,
 * so it is reported in whole ticks (a 21 ms and a 22 ms gap are the same
 * one late reply).
 */
const TICK_MS = 10;

function ticks(ms: number): number {
  return Math.round(ms / TICK_MS) * TICK_MS;
}

/** The events, in the order they run. */
export const FIREWALL_EVENTS = [
  "inside cable cut",
  "cable back (takeback)",
  "kill -9 and restart",
  "standby",
  "resume (takeback)",
] as const;

/** Figures per event; `null` where the implementation has no such command. */
export type FirewallRun = Record<
  (typeof FIREWALL_EVENTS)[number],
  FirewallFigures | null
>;

/**
 * Runs the pair with one implementation through every event.
 *
 * @param impl carpd or keepalived.
 * @returns The figures.
 */
export async function firewallRun(impl: FirewallImpl): Promise<FirewallRun> {
  const pair = await FirewallPair.up("t-bfw");
  try {
    await pair.conntrackd("a");
    await pair.conntrackd("b");
    const start = (fw: Firewall): Promise<Proc> =>
      impl === "carpd" ? pair.carpd(fw) : pair.keepalived(fw);
    const daemon = { a: await start("a"), b: await start("b") };
    await pair.soleMaster("a", 15_000);
    await pair.server();
    pair.sample(20);
    const stream = await pair.stream();
    const ping = pair.ping();
    await sleep(2000);
    const out = {} as FirewallRun;
    const event = async (
      name: (typeof FIREWALL_EVENTS)[number],
      to: Firewall,
      act: () => Promise<void>,
    ): Promise<void> => {
      const drops = await dropped(pair);
      const from = Date.now();
      await act();
      await pair.soleMaster(to, 15_000).catch(() => {});
      await sleep(3000);
      const end = Date.now();
      out[name] = {
        pingGapMs: ticks(longestGap(pingReplies(ping.lines), from, end)),
        stallMs: ticks(longestGap(streamEchoes(stream.lines), from, end)),
        splitMs: pair.splitMs(from, end),
        dropped: await dropped(pair) - drops,
      };
    };
    await event("inside cable cut", "b", () => pair.cable("a", "in", false));
    await event(
      "cable back (takeback)",
      "a",
      () => pair.cable("a", "in", true),
    );
    await event("kill -9 and restart", "a", async () => {
      daemon.a.signal("SIGKILL");
      await daemon.a.exit(3000);
      await pair.holdsBoth("b", 10_000);
      daemon.a = await start("a");
    });
    if (impl === "carpd") {
      await event(
        "standby",
        "b",
        () => pair.ctl("a", "standby").then(() => {}),
      );
      await event(
        "resume (takeback)",
        "a",
        () => pair.ctl("a", "resume").then(() => {}),
      );
    } else {
      out.standby = null;
      out["resume (takeback)"] = null;
    }
    return out;
  } finally {
    await pair.down();
  }
}

/**
 * Each figure's median over several runs.
 *
 * @param runs The runs (at least one).
 * @returns One run of medians.
 */
export function firewallMedians(runs: readonly FirewallRun[]): FirewallRun {
  const out = {} as FirewallRun;
  for (const e of FIREWALL_EVENTS) {
    const figures = runs.map((r) => r[e]).filter((f) => f !== null);
    if (figures.length === 0) {
      out[e] = null;
      continue;
    }
    const med = (k: keyof FirewallFigures): number => {
      const xs = figures.map((f) => f[k]).sort((a, b) => a - b);
      const m = xs.length >> 1;
      return xs.length % 2 ? xs[m]! : (xs[m - 1]! + xs[m]!) / 2;
    };
    out[e] = {
      pingGapMs: med("pingGapMs"),
      stallMs: med("stallMs"),
      splitMs: med("splitMs"),
      dropped: med("dropped"),
    };
  }
  return out;
}

async function dropped(pair: FirewallPair): Promise<number> {
  return await pair.streamDrops("a") + await pair.streamDrops("b");
}

/**
 * The report's lines: per event, each figure for carpd and keepalived.
 *
 * @param runs Each implementation's figures.
 * @returns The lines.
 */
export function firewallLines(
  runs: Record<FirewallImpl, FirewallRun | null>,
): string[] {
  const out = [
    "firewall pair (inside, outside, sync; nftables SNAT; conntrackd): carpd | keepalived; gaps in 10 ms ticks (the ping and the stream send every 10 ms)",
  ];
  const cell = (
    impl: FirewallImpl,
    e: (typeof FIREWALL_EVENTS)[number],
    k: keyof FirewallFigures,
  ): string => {
    const f = runs[impl]?.[e];
    return f === null || f === undefined ? "n/a" : String(f[k]);
  };
  for (const e of FIREWALL_EVENTS) {
    const part = (
      k: keyof FirewallFigures,
      label: string,
      unit: string,
    ): string =>
      `${label} ${cell("carpd", e, k)} | ${cell("keepalived", e, k)}${unit}`;
    out.push(
      `  ${e}: ${part("pingGapMs", "ping gap", " ms")}; ${
        part("stallMs", "TCP stall", " ms")
      }; ${part("splitMs", "VIPs split", " ms")}; ${
        part("dropped", "stream packets dropped", "")
      }`,
    );
  }
  return out;
}
