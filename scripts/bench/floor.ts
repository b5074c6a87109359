/**
 * The machine's own floor under the BFD-class profile: how late a C program
 * at carpd's realtime priority wakes up (cyclictest), idle or loaded.
 * @module
 */

import { busyLoops } from "./load.ts";

/** The BFD-class profile's margin: master-down 23.4 ms less one 3.9 ms interval. */
export const BFD_MARGIN_US = 19_531;

/** What {@linkcode wakeUpFloor} found. */
export interface Floor {
  /** The latest wake-up, in µs. */
  maxUs: number;
  /** Wake-ups later than {@linkcode BFD_MARGIN_US}. */
  overMargin: number;
  /** Wake-ups in all. */
  wakeUps: number;
}

/**
 * The machine's own floor: how late a C program at carpd's realtime
 * priority wakes (cyclictest, every 3.9 ms like the BFD-class master), idle
 * or with both cores saturated, and how often later than the profile's
 * margin (each such wake-up of a master is a false failover).
 *
 * @param seconds How long cyclictest runs.
 * @param loaded Whether busy loops saturate both cores meanwhile.
 * @returns The worst wake-up and how many were over the margin.
 */
export async function wakeUpFloor(
  seconds: number,
  loaded: boolean,
): Promise<Floor> {
  const busy = loaded ? busyLoops() : [];
  try {
    const out = await new Deno.Command("cyclictest", {
      args: [
        "-q",
        "-m",
        "-p",
        "2",
        "-i",
        "3906",
        "-D",
        String(seconds),
        "-h",
        "100000",
      ],
      stdout: "piped",
      stderr: "null",
    }).output();
    const text = new TextDecoder().decode(out.stdout);
    let overMargin = 0;
    let wakeUps = 0;
    for (const line of text.split("\n")) {
      const m = /^(\d+) (\d+)$/.exec(line);
      if (m === null) continue;
      wakeUps += Number(m[2]);
      if (Number(m[1]) >= BFD_MARGIN_US) overMargin += Number(m[2]);
    }
    const overflows = Number(
      /# Histogram Overflows: (\d+)/.exec(text)?.[1] ?? 0,
    );
    return {
      maxUs: Number(/# Max Latencies: (\d+)/.exec(text)?.[1] ?? NaN),
      overMargin: overMargin + overflows,
      wakeUps: wakeUps + overflows,
    };
  } finally {
    for (const b of busy) {
      b.kill("SIGKILL");
      await b.status;
    }
  }
}
