/**
 * What must hold throughout a campaign, worded as the simulator's
 * invariants (`test/sim/invariants.ts`) so a seed's findings read side by
 * side, with the figures a real network and a noisy 2-core machine allow
 * (`observe.ts` states each one and why). A box is healthy for a vhid when
 * the daemon that runs it there runs (carpd answering its control socket,
 * or ucarp), is not stopped (SIGSTOP), the vhid's link is up and its
 * adverts are not dropped by an injected firewall rule.
 *
 * 1. Once the group has been free of faults for 15 s, each vhid has exactly
 *    one MASTER, the most preferred healthy box; it holds the vhid's VIPs
 *    and no other box holds any of them (wrong for at most 300 ms);
 *    checked at the end, after the faults stop, too (`service.ts`).
 * 2. A box holds a VIP only while its vhid is MASTER or inside its
 *    make-before-break release (500 ms of grace, or up to master-down after
 *    a bow-out); a killed or stopped daemon's box is judged once it runs
 *    again; a box whose carpd stopped gracefully holds none; no box holds
 *    an address no vhid of its config has, 3 s after a config dropped it
 *    or the daemon started (`holdings.ts`).
 * 3. No vhid goes unserved (no healthy box holding its VIP) longer than a
 *    healthy box's master-down plus one advert interval plus 500 ms, nor
 *    longer than 2 s when the box that served it let go while well (a
 *    planned handover) on a calm network (`service.ts`).
 * 4. Two healthy boxes that hear each other never both hold a VIP longer
 *    than 200 ms (a round trip and a sampling period), counted from when
 *    they had been healthy together for an advert interval; with ucarp one
 *    interval and 1 s more (`holdings.ts`).
 * 5. Hooks run one at a time per vhid, in the order of its transitions; no
 *    daemon exits by itself or logs an error no fault explains
 *    (`conduct.ts`).
 * 6. No leaked descriptor, process, address or memory (`resources.ts`).
 * @module
 */

import { Conduct } from "./conduct.ts";
import { HeldOnlyByMasters, NoDoubleHolders } from "./holdings.ts";
import { Reporter, type Violation } from "./observe.ts";
import { Resources } from "./resources.ts";
import type { Sample } from "./sampler.ts";
import { Converged, Served } from "./service.ts";

export type { Violation };

/** Every check, fed the samples in order. */
export class Checker {
  readonly reporter: Reporter;
  readonly held: HeldOnlyByMasters;
  readonly double: NoDoubleHolders;
  readonly served: Served;
  readonly converged: Converged;
  readonly conduct: Conduct;
  readonly resources: Resources;

  /**
   * @param ucarpBox The box that runs ucarp on vhid 1, or `null`.
   * @param onViolation Told of each violation as it is found.
   */
  constructor(ucarpBox: number | null, onViolation: (v: Violation) => void) {
    const r = new Reporter(onViolation);
    this.reporter = r;
    this.held = new HeldOnlyByMasters(r, ucarpBox);
    this.double = new NoDoubleHolders(r, ucarpBox);
    this.served = new Served(r, ucarpBox);
    this.converged = new Converged(r, ucarpBox);
    this.conduct = new Conduct(r);
    this.resources = new Resources(r);
  }

  /** Checks one sample (invariants 1 to 4). */
  sample(s: Sample): void {
    this.held.check(s);
    this.double.check(s);
    this.served.check(s);
    this.converged.check(s);
  }

  /** The campaign ends: episodes still open are reported. */
  finish(): void {
    this.double.finish();
    this.served.finish();
  }

  /** Every violation so far. */
  get violations(): readonly Violation[] {
    return this.reporter.violations;
  }
}
