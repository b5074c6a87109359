/**
 * How a vhid moves between states within one step of its state machine
 * (`machine.ts`): into MASTER (VIPs, advert, announcement, hooks; a gated
 * member of a group advertises first and waits for its group's pre-master
 * step), into BACKUP, FAULT and INIT, the bow-out and the release of what
 * it holds back after one, claims, and the signals a group member sends.
 * The step's events decide; these moves keep the order of the actions
 * each transition takes.
 * @module
 */

import { nextCounter } from "./counter.ts";
import type { ElectionAdvert, PeerAddress } from "./election.ts";
import type { GroupSignal, VhidAction } from "./events.ts";
import {
  advertIntervalMs,
  FAULT_KINDS,
  FAULT_REASONS,
  type FaultKind,
  hasFaults,
  masterDownMs,
  type StateName,
  type TransitionReason,
  type VhidState,
} from "./state.ts";

/** A step's private, writable copy of the state. */
export type Draft = { -readonly [K in keyof VhidState]: VhidState[K] };

/** One step in progress: a private copy of the state and the actions so far. */
export class Moves {
  /** The state as the step has it so far. */
  readonly s: Draft;
  /** The actions so far, in order. */
  readonly actions: VhidAction[] = [];
  /** The step's time. */
  protected readonly now: number;

  /**
   * A step starting from `s` at `now`.
   *
   * @param s The vhid.
   * @param now The current time.
   */
  constructor(s: VhidState, now: number) {
    this.s = { ...s };
    this.now = now;
  }

  /** The vhid's election. */
  protected get election(): VhidState["config"]["election"] {
    return this.s.config.election;
  }

  /** Tells the group's other members (grouped vhids only). */
  protected signal(signal: GroupSignal): void {
    if (this.s.config.grouped) {
      this.actions.push({ type: "group_signal", signal });
    }
  }

  /** Claims mastership: our advert now, MASTER unless a better one comes. */
  protected claim(windowMs: number, takeover: TransitionReason): void {
    this.advertise();
    this.set({
      claiming: true,
      masterDownAt: this.now + windowMs,
      takeover,
    });
  }

  /** A fault starts (or its detail changes): FAULT, giving up mastership. */
  protected raise(kind: FaultKind, detail: string): void {
    const s = this.s;
    this.set({ faults: { ...s.faults, [kind]: detail } });
    if (s.state === "INIT" || s.state === "FAULT") return;
    if (s.state === "MASTER") {
      // With VIPs that would not go on or a failing check, the link still
      // works: tell the backups at once. Otherwise nothing would reach them.
      if (kind === "vips" || kind === "check") this.sendBowOut();
      this.leaveMaster();
    }
    this.toFault(kind);
  }

  /** A fault ends; the last one to end sends the vhid back to BACKUP. */
  protected clear(kind: FaultKind): void {
    const s = this.s;
    if (s.faults[kind] === undefined) return;
    const faults = { ...s.faults };
    delete faults[kind];
    this.set({ faults, ...(kind === "vips" ? { vipRetryAt: null } : {}) });
    if (s.state === "FAULT" && !hasFaults(faults)) {
      this.toBackup(FAULT_REASONS[kind].cleared);
    }
  }

  protected firstFault(): FaultKind {
    return FAULT_KINDS.find((k) => this.s.faults[k] !== undefined)!;
  }

  protected toFault(kind: FaultKind): void {
    const from = this.s.state;
    const held = this.s.releaseAt !== null;
    this.release(); // a vhid in FAULT holds nothing
    this.enter("FAULT", FAULT_REASONS[kind].raised, this.s.faults[kind]);
    if (from === "INIT" && !held) {
      this.actions.push({ type: "remove_vips" });
      if (!this.s.config.neutral) {
        this.actions.push({ type: "run_hook", hook: "down" });
      }
    }
  }

  /** A BACKUP follows this master: a fresh master-down, from its interval. */
  protected follow(
    source: PeerAddress,
    a: ElectionAdvert,
    adoptIntervalCs: number | undefined,
  ): void {
    this.heard(source, a);
    if (adoptIntervalCs !== undefined) {
      this.set({ activeIntervalCs: adoptIntervalCs });
    }
    this.set({
      claiming: false,
      masterDownAt: this.now + masterDownMs(this.s),
      takeover: "master down",
    });
  }

  protected heard(source: PeerAddress, advert: ElectionAdvert): void {
    this.set({ heardMaster: { source, advert, at: this.now } });
  }

  protected toMaster(reason: TransitionReason): void {
    // The VIPs first: if they cannot be added, the shell drops what follows
    // (the advert, ARP, announcement and up hook) and reports vips_failed.
    // Then the advert, so other backups stop waiting, then the ARP that
    // moves the clients, then the announcement (log, notify).
    // VIPs still held after a bow-out simply stay.
    // A gated vhid (its group has a pre-master step) advertises first, so
    // no third box claims while the step runs, and adds the VIPs after it.
    this.set({ releaseAt: null });
    const gated = this.s.config.gated === true;
    if (gated) {
      this.advertise();
      this.actions.push({ type: "pre_master" });
    }
    this.actions.push({ type: "add_vips" });
    this.enter("MASTER", reason);
    const announce = this.actions.pop()!;
    if (!gated) this.advertise();
    this.startGarps();
    this.actions.push(announce);
    this.actions.push({ type: "run_hook", hook: "up" });
    const refresh = this.s.config.garpRefreshMs ?? 0;
    this.set({
      masterDownAt: null,
      advertAt: this.now + advertIntervalMs(this.s),
      heardMaster: null,
      activeIntervalCs: null,
      garpRefreshAt: refresh > 0 ? this.now + refresh : null,
    });
  }

  protected toBackup(reason: TransitionReason): void {
    const from = this.s.state;
    this.enter("BACKUP", reason);
    if (from === "INIT" || from === "FAULT") {
      // Whatever a crash or an admin left behind is not ours while BACKUP.
      this.set({ releaseAt: null, activeIntervalCs: null });
      this.actions.push({ type: "remove_vips" });
      if (!(from === "INIT" && this.s.config.neutral)) {
        this.actions.push({ type: "run_hook", hook: "down" });
      }
    }
    this.set({
      masterDownAt: this.now + masterDownMs(this.s),
      takeover: "master down",
    });
  }

  /**
   * Sends the bow-out so backups take over at once, then leaves, keeping
   * the VIPs until a successor has taken them (or until this vhid would
   * take over again itself: then they never go).
   */
  protected bowOut(to: "BACKUP" | "INIT", reason: TransitionReason): void {
    this.sendBowOut();
    if (to === "BACKUP") this.toBackup(reason);
    else this.enter("INIT", reason);
    this.set({
      releaseAt: this.now + this.election.releaseHoldMs(this.s),
    });
  }

  /** Removes VIPs held back after a bow-out, and runs the down hook. */
  protected release(): void {
    if (this.s.releaseAt === null) return;
    this.set({ releaseAt: null });
    this.leaveMaster();
  }

  /** Actions common to every way out of MASTER. */
  protected leaveMaster(): void {
    this.actions.push({ type: "remove_vips" });
    this.actions.push({ type: "run_hook", hook: "down" });
  }

  protected enter(
    to: StateName,
    reason: TransitionReason,
    detail?: string,
  ): void {
    const from = this.s.state;
    this.actions.push({
      type: "transition",
      from,
      to,
      reason,
      ...(detail === undefined ? {} : { detail }),
    });
    this.set({
      state: to,
      advertAt: null,
      masterDownAt: null,
      claiming: false,
      garpAt: null,
      garpsLeft: 0,
      garpRefreshAt: null,
      preemptAt: null,
    });
  }

  protected startGarps(): void {
    this.actions.push({ type: "garp" });
    const left = this.s.config.garpCount - 1;
    this.set({
      garpsLeft: left,
      garpAt: left > 0 ? this.now + this.s.config.garpIntervalMs : null,
    });
  }

  /** The advert of the vhid as it stands. */
  protected advertise(): void {
    this.send(this.election.advert(this.s));
  }

  /** The advert that says this master is leaving. */
  protected sendBowOut(): void {
    this.send(this.election.bowOut(this.s));
  }

  protected send(advert: ElectionAdvert): void {
    this.actions.push({ type: "send_advert", advert });
    this.set({ counter: nextCounter(this.s.counter) });
  }

  protected set(patch: Partial<VhidState>): void {
    Object.assign(this.s, patch);
  }
}
