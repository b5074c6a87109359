/**
 * The bench's namespace lab: built under one name, `t-bench`, whatever file
 * the bench is started from, and always torn down with every ucarp it
 * started (ucarp daemonizes, outside the lab's own processes).
 * @module
 */

import { Lab } from "../../test/integration/lab.ts";

/** The bench's lab name (its namespaces are t-bench-h1, t-bench-cl...). */
const LAB_NAME = "t-bench";

/** Kills every ucarp of the lab (they daemonize with -B, outside any Proc). */
async function stopUcarps(): Promise<void> {
  await new Deno.Command("pkill", {
    args: ["-f", "ucarp -i eth0 -s 10.213.0."],
  }).output();
}

/**
 * Runs `body` on a fresh lab, then tears the lab down whatever happened.
 *
 * @param hosts How many hosts besides the client.
 * @param body What to do with the lab.
 * @returns What `body` resolves to.
 */
export async function withLab<T>(
  hosts: number,
  body: (lab: Lab) => Promise<T>,
): Promise<T> {
  const lab = await Lab.up(hosts, LAB_NAME);
  try {
    return await body(lab);
  } finally {
    await stopUcarps();
    await lab.down();
  }
}
