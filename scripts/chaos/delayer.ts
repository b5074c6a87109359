/**
 * The delay fault's machinery: `delay_relay.ts` in the switch's namespace,
 * carrying adverts from box to box late while the bridge drops them
 * (`Group.setSwitch` with `delay`).
 * @module
 */

import { Proc } from "../../test/integration/lab.ts";
import type { Group } from "./group.ts";

const RELAY = new URL("./delay_relay.ts", import.meta.url).pathname;

/** The delayers of every box. */
export class Delayer {
  readonly #group: Group;
  #procs: Proc[] = [];

  constructor(group: Group) {
    this.#group = group;
  }

  /**
   * Starts carrying adverts `ms` late, plus or minus `jitterMs`.
   *
   * @throws {Error} When the relay does not come up within 15 s.
   */
  async start(ms: number, jitterMs: number): Promise<void> {
    await this.stop();
    const ports = Array.from(
      { length: this.#group.boxes },
      (_, b) => `h${b + 1}`,
    );
    this.#procs.push(
      new Proc("delay relay", [
        "ip",
        "netns",
        "exec",
        this.#group.switchNs,
        Deno.execPath(),
        "run",
        "-A",
        "--cached-only",
        RELAY,
        String(Math.round(ms)),
        String(Math.round(jitterMs)),
        ...ports,
      ]),
    );
    for (const p of this.#procs) {
      if ((await p.waitFor(/^ready$/, 15_000)) === null) {
        throw new Error(`${p.label} did not start: ${p.output}`);
      }
    }
  }

  /** Lets every held advert go and stops. */
  async stop(): Promise<void> {
    const procs = this.#procs;
    this.#procs = [];
    for (const p of procs) p.signal("SIGTERM");
    await Promise.all(procs.map((p) => p.exit(3000)));
  }
}
