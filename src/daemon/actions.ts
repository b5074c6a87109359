/**
 * A vhid's actions, executed in the order its state machine gave them,
 * each by the part whose job it is: adverts by its transmit path; VIPs,
 * announcements, scripts and transitions by the executor of effects.
 * A group's pre-master step holds the rest back until it has run; adding
 * the VIPs holds the rest back until they are on; if they cannot
 * go on, what followed them (the advert, the announcement, the up hook) is
 * dropped and the vhid is told, so it never claims MASTER without serving.
 * @module
 */

import type { GroupSignal, VhidAction, VhidEvent } from "../fsm/mod.ts";
import type { Logger } from "../log.ts";
import type { Effects } from "./effects.ts";
import type { EffectTarget } from "./effect_target.ts";
import type { Transmitter } from "./transmit.ts";

/** What the queue works with. */
export interface ActionContext {
  log: Logger;
  effects: Effects;
  transmit: Transmitter;
  /** The vhid as the executor of effects acts for it. */
  target: EffectTarget;
  /** Feeds an event back to the vhid's state machine. */
  feed(event: VhidEvent): void;
  /** Failed attempts to add the VIPs so far (to say when they went on). */
  vipFailures(): number;
  /** A transition, to record and announce. */
  transition(a: Extract<VhidAction, { type: "transition" }>): void;
  /** Tells the other members of the vhid's group. */
  signal(signal: GroupSignal): void;
  /** The group's pre-master step, run or joined. */
  preMaster(): Promise<void>;
}

/** The queue of one vhid. */
export class ActionQueue {
  readonly #ctx: ActionContext;
  #queue: VhidAction[] = [];
  #running = false;
  #waitingForVips = false;

  constructor(ctx: ActionContext) {
    this.#ctx = ctx;
  }

  /** Whether the VIPs are being added (the rest waits). */
  get waitingForVips(): boolean {
    return this.#waitingForVips;
  }

  /**
   * Queues a step's actions and runs what may run.
   *
   * @param actions The actions, in order.
   */
  push(actions: readonly VhidAction[]): void {
    this.#queue.push(...actions);
    this.#run();
  }

  /**
   * The VIPs could not be added: what followed them is dropped, and the
   * vhid gives mastership away.
   *
   * @param detail Why, for the log and status.
   */
  vipsFailed(detail: string): void {
    this.#waitingForVips = false;
    this.#queue.length = 0;
    this.#ctx.log.error(
      `${this.#ctx.target.name}: cannot add its VIPs: ${detail}`,
    );
    this.#ctx.feed({ type: "vips_failed", detail });
  }

  /** Executes queued actions in order; adding VIPs holds the rest back. */
  #run(): void {
    if (this.#running) return;
    this.#running = true;
    try {
      while (this.#queue.length > 0 && !this.#waitingForVips) {
        this.#execute(this.#queue.shift()!);
      }
    } finally {
      this.#running = false;
    }
  }

  #execute(a: VhidAction): void {
    const { effects, target } = this.#ctx;
    switch (a.type) {
      case "send_advert":
        return this.#ctx.transmit.send(a.advert);
      case "add_vips":
        this.#waitingForVips = true;
        return effects.addVips(target, (error) => {
          this.#waitingForVips = false;
          if (error !== null) return this.vipsFailed(error);
          if (this.#ctx.vipFailures() > 0) this.#ctx.feed({ type: "vips_ok" });
          this.#run();
        });
      case "remove_vips":
        return effects.removeVips(target);
      case "garp":
        return effects.announce(target, undefined, a.refresh === true);
      case "run_hook":
        return effects.runScripts(target, a.hook);
      case "transition":
        return this.#ctx.transition(a);
      case "group_signal":
        return this.#ctx.signal(a.signal);
      case "pre_master":
        // What follows (the VIPs) waits; the step never fails the takeover.
        this.#waitingForVips = true;
        return void this.#ctx.preMaster().then(() => {
          this.#waitingForVips = false;
          this.#run();
        });
    }
  }
}
