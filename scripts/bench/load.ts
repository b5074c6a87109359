/**
 * Load on the machine while the bench measures: busy loops on both cores
 * and a neighbour flooding the lab with bad packets.
 * @module
 */

import type { Lab } from "../../test/integration/lab.ts";
import { VIP } from "./daemons.ts";

const INJECT = new URL("../../test/integration/inject.ts", import.meta.url)
  .pathname;

/**
 * Two shell busy loops at normal priority: both cores saturated.
 *
 * @returns The loops, to kill when done.
 */
export function busyLoops(): Deno.ChildProcess[] {
  return [1, 2].map(() =>
    new Deno.Command("sh", {
      args: ["-c", "while :; do :; done"],
      stdout: "null",
      stderr: "null",
    }).spawn()
  );
}

/**
 * Both cores saturated by busy loops and the lab's client flooding 10,000
 * bad packets a second, for `seconds`.
 *
 * @param lab The lab.
 * @param seconds How long the flood lasts at most.
 * @returns A function that stops it all.
 */
export function loadMachine(lab: Lab, seconds: number): () => void {
  const busy = busyLoops();
  const procs = [lab.spawn("flood", [
    "ip",
    "netns",
    "exec",
    lab.client,
    Deno.execPath(),
    "run",
    "-A",
    "--no-prompt",
    INJECT,
    "garbage",
    JSON.stringify({
      source: "10.213.0.100",
      vhid: 1,
      password: "s3cret",
      vip: VIP,
      floodSeconds: seconds,
      floodPps: 10_000,
    }),
  ])];
  return () => {
    procs.forEach((p) => p.signal("SIGKILL"));
    busy.forEach((b) => b.kill("SIGKILL"));
  };
}
