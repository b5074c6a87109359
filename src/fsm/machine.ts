/**
 * The per-vhid state machine: `(state, event, now) -> (state, actions,
 * next deadline)`. Pure: no clock, no sockets, no processes; the daemon
 * executes the actions and calls back at the deadline.
 *
 * This is the lifecycle every protocol shares: INIT, BACKUP, MASTER and
 * FAULT; faults and VIP retries; gratuitous ARPs; standby, demotions and
 * the handover they cause; the bow-out, after which the VIPs stay on until
 * a successor has had time to announce itself (make before break); stop.
 * What a peer's advert means, the intervals, the rank and the adverts sent
 * are the vhid's {@linkcode Election}'s (`carp_election.ts`,
 * `vrrp_election.ts`), asked through its interface. Differences from ucarp
 * made on purpose, in the lifecycle:
 * - a master re-asserts a worse master with an advert as well as a
 *   gratuitous ARP (RFC 9568), at most once per advert interval;
 * - a change of rank is advertised at once;
 * - stop, standby and step-down send the bow-out advert, so backups take
 *   over at once instead of after master-down;
 * - the counter starts random (chosen by the caller) and only moves forward.
 *
 * The moves between states (and the order of each one's actions) are in
 * `moves.ts`.
 * @module
 */

import { Moves } from "./moves.ts";
import type { ElectionAdvert, PeerAddress } from "./election.ts";
import type { GroupSignal, VhidEvent, VhidStep } from "./events.ts";
import { groupDecision } from "./group.ts";
import {
  advertIntervalMs,
  effectiveRank,
  type ElectionConfig,
  hasFaults,
  masterDownMs,
  nextDeadline,
  REASSERT_PEERS_MAX,
  RELEASE_GRACE_MS,
  type VhidState,
  vipRetryDelayMs,
} from "./state.ts";

/**
 * Feeds one event to a vhid.
 *
 * @param s The vhid.
 * @param event What happened.
 * @param now The current time in milliseconds (any monotonic origin).
 * @returns The new state, the actions to execute in order, and the deadline.
 */
export function step(s: VhidState, event: VhidEvent, now: number): VhidStep {
  const run = new Run(s, now);
  run.handle(event);
  return { state: run.s, actions: run.actions, deadline: nextDeadline(run.s) };
}

/** One step in progress: the events' rules, over the moves between states. */
class Run extends Moves {
  /** Feeds the step its event. */
  handle(event: VhidEvent): void {
    const state = this.s.state;
    switch (event.type) {
      case "start":
        if (state !== "INIT") return;
        if (hasFaults(this.s.faults)) this.toFault(this.firstFault());
        else this.toBackup("start");
        return;
      case "advert":
        return this.#advert(event.source, event.advert);
      case "timer":
        return this.#timer(event.lateMs ?? 0);
      case "demotion":
        return this.#setRank(
          { demotion: Math.max(0, event.amount) },
          event.handover === true,
        );
      case "configure":
        return this.#configure(event.config);
      case "standby":
        // No advert of the new rank first: the bow-out says more.
        this.set({ standby: true });
        if (state === "MASTER") this.bowOut("BACKUP", "standby");
        return;
      case "resume":
        return this.#setRank({ standby: false });
      case "step_down":
        if (state === "MASTER") this.bowOut("BACKUP", "step down");
        return;
      case "link_down":
        return this.raise("link", "link down");
      case "link_up":
        return this.clear("link");
      case "fault":
        return this.raise(event.kind, event.detail);
      case "fault_cleared":
        return this.clear(event.kind);
      case "vips_failed": {
        // Only a MASTER adds VIPs; a late report after it left is moot.
        if (state !== "MASTER") return;
        const failures = this.s.vipFailures + 1;
        const delay = vipRetryDelayMs(failures);
        this.set({ vipFailures: failures });
        this.raise("vips", `${event.detail}; retrying in ${delay / 1000} s`);
        this.set({ vipRetryAt: this.now + delay });
        return;
      }
      case "vips_ok":
        this.set({ vipFailures: 0 });
        return;
      case "stop": {
        if (state === "MASTER") this.bowOut("INIT", "stop");
        else if (state !== "INIT") this.enter("INIT", "stop");
        this.set({ vipRetryAt: null });
        const releaseAt = this.s.releaseAt;
        if (releaseAt !== null) {
          const limit = this.now + this.election.releaseStopMaxMs(this.s);
          this.set({ releaseAt: Math.min(releaseAt, limit) });
        }
        return;
      }
      case "release":
        return this.release();
      case "group":
        return this.#group(event.signal);
    }
  }

  /** Another member of the group took over or preempts (see `group.ts`). */
  #group(signal: GroupSignal): void {
    const d = groupDecision(this.s, signal);
    const why = signal === "preempt" ? "group preemption" : "group takeover";
    switch (d.do) {
      case "claim":
        // Whoever this leg followed is no longer trusted to have left: a
        // live master that answers the claim is followed.
        this.set({ heardMaster: null });
        return this.claim(d.windowMs, why);
      case "wait":
        this.set({
          heardMaster: null,
          masterDownAt: this.now + d.ms,
          takeover: why,
        });
        return;
      case "preempt":
        return this.toMaster(why);
    }
  }

  /** When a preemption decided now may happen (the delay's first start). */
  #preemptAt(): number {
    return this.s.preemptAt ??
      this.now + (this.s.config.preemptDelayMs ?? 0);
  }

  /** A peer's advert: what it means is the election's to say. */
  #advert(source: PeerAddress, a: ElectionAdvert): void {
    const s = this.s;
    if (
      source === s.config.source || s.config.ownAddresses?.includes(source)
    ) {
      return; // our own, looped back
    }
    const election = this.election;
    if (s.releaseAt !== null && !election.isBowOut(a)) {
      // A successor claims: it will hold the VIPs shortly.
      this.set({
        releaseAt: Math.min(s.releaseAt, this.now + RELEASE_GRACE_MS),
      });
    }
    if (s.state === "INIT" || s.state === "FAULT") return;
    this.set({ counter: election.counterAfter(s, a) });
    if (s.state === "MASTER") {
      const d = election.asMaster(s, source, a);
      switch (d.do) {
        case "ignore":
          return;
        case "answer":
          this.advertise();
          this.set({ advertAt: this.now + advertIntervalMs(this.s) });
          return;
        case "reassert":
          return this.#reassert(source);
        case "yield":
          if (d.advertFirst) this.advertise();
          this.leaveMaster();
          this.toBackup("preferred master");
          return this.follow(source, a, d.adoptIntervalCs);
      }
    }
    // BACKUP
    const d = election.asBackup(s, source, a);
    if (d.do !== "preempt" && d.do !== "outlast") {
      this.set({ preemptAt: null });
    }
    switch (d.do) {
      case "ignore":
        return;
      case "follow":
        return this.follow(source, a, d.adoptIntervalCs);
      case "claim":
        this.heard(source, a);
        this.claim(d.windowMs, "master bowing out");
        return this.signal("master_left");
      case "wait":
        this.heard(source, a);
        this.set({
          masterDownAt: this.now + d.ms,
          takeover: "master bowing out",
        });
        return this.signal("master_left");
      case "preempt": {
        const at = this.#preemptAt();
        if (at > this.now) {
          // A live master is serving: follow it until the delay is out.
          this.follow(source, a, undefined);
          this.set({ preemptAt: at });
          return;
        }
        this.heard(source, a);
        this.toMaster("preemption");
        return this.signal("preempt");
      }
      case "outlast":
        this.heard(source, a);
        this.set({
          takeover: "preemption",
          preemptAt: (s.config.preemptDelayMs ?? 0) > 0
            ? this.#preemptAt()
            : null,
        });
        return;
    }
  }

  /**
   * A worse master is about: advert and gratuitous ARPs now, so it yields
   * and the clients come back. Each claimant is answered at once (two
   * inside one interval, as in a preemption race, each get theirs: a
   * double master lasts a round trip), each at most once per interval.
   */
  #reassert(source: PeerAddress): void {
    const interval = advertIntervalMs(this.s);
    const last = this.s.reassertedAt.get(source) ?? -Infinity;
    if (this.now - last < interval) return;
    const kept = [...this.s.reassertedAt].filter(([, at]) =>
      this.now - at < interval
    ).slice(-REASSERT_PEERS_MAX + 1);
    this.set({ reassertedAt: new Map([...kept, [source, this.now]]) });
    this.advertise();
    this.set({ advertAt: this.now + advertIntervalMs(this.s) });
    this.startGarps();
  }

  #timer(lateMs: number): void {
    const now = this.now;
    const s = this.s;
    if (s.vipRetryAt !== null && now >= s.vipRetryAt) {
      this.clear("vips");
      return;
    }
    if (s.state === "BACKUP" && s.preemptAt !== null && now >= s.preemptAt) {
      // The delay is out: preempt the master if it is still a live, less
      // preferred one (a silent one is master-down's to handle; VRRP
      // outlasting one takes over when its own timer runs out).
      const heard = s.heardMaster;
      const live = heard !== null && now - heard.at < masterDownMs(s);
      const outlasting = s.takeover === "preemption";
      this.set({ preemptAt: null });
      if (
        !outlasting && live &&
        !this.election.prefers(s, heard.source, heard.advert)
      ) {
        this.toMaster("preemption");
        return this.signal("preempt");
      }
    }
    if (
      s.state === "BACKUP" && s.masterDownAt !== null && now >= s.masterDownAt
    ) {
      if (
        s.takeover === "preemption" && s.preemptAt !== null &&
        now < s.preemptAt && s.heardMaster !== null &&
        now - s.heardMaster.at < masterDownMs(s)
      ) {
        // VRRP outlasting a live, less preferred master: its delay first.
        this.set({ masterDownAt: s.preemptAt });
        return;
      }
      const masterInterval = this.election.followedIntervalMs(s);
      if (
        masterInterval !== null && lateMs > masterInterval &&
        s.stallGraceUntil !== s.masterDownAt
      ) {
        const until = now + 2 * masterInterval;
        this.set({ masterDownAt: until, stallGraceUntil: until });
        return;
      }
      this.toMaster(s.takeover);
      // The master went silent here: the group's other legs elect now.
      if (s.takeover === "master down") this.signal("master_left");
      if (s.takeover === "preemption") this.signal("preempt");
      return;
    }
    if (s.releaseAt !== null && now >= s.releaseAt) this.release();
    if (s.state === "MASTER" && s.advertAt !== null && now >= s.advertAt) {
      this.advertise();
      // On the cadence, so a late timer does not push every later advert
      // back; after a stall of a whole interval, from now.
      const interval = advertIntervalMs(this.s);
      const next = s.advertAt + interval;
      this.set({ advertAt: next > now ? next : now + interval });
    }
    const refresh = this.s.config.garpRefreshMs ?? 0;
    if (this.s.garpRefreshAt !== null && now >= this.s.garpRefreshAt) {
      this.actions.push({ type: "garp", refresh: true });
      this.set({ garpRefreshAt: now + refresh });
    }
    if (this.s.garpAt !== null && now >= this.s.garpAt) {
      this.actions.push({ type: "garp" });
      const left = this.s.garpsLeft - 1;
      this.set({
        garpsLeft: left,
        garpAt: left > 0 ? now + this.s.config.garpIntervalMs : null,
      });
    }
  }

  /**
   * New settings on a reload: kept state; a new interval or rank is
   * advertised at once.
   */
  #configure(config: ElectionConfig): void {
    const before = advertIntervalMs(this.s);
    const rank = effectiveRank(this.s);
    this.set({ config });
    const changed = advertIntervalMs(this.s) !== before ||
      effectiveRank(this.s) !== rank;
    if (this.s.state === "MASTER" && changed) {
      this.advertise();
      this.set({ advertAt: this.now + advertIntervalMs(this.s) });
    }
  }

  #setRank(
    patch: Partial<Pick<VhidState, "demotion" | "standby">>,
    handover = false,
  ): void {
    const before = effectiveRank(this.s);
    const wasDemoted = this.s.demotion > 0;
    this.set(patch);
    const after = effectiveRank(this.s);
    if (
      handover && !wasDemoted && after > before && this.s.state === "MASTER"
    ) {
      // Bow out once, so any backup takes over; come back if none does.
      // A MASTER already demoted keeps serving: when every box is failing,
      // one of them still does.
      this.bowOut("BACKUP", "demoted");
      this.set({
        masterDownAt: this.now + this.election.handoverWindowMs(this.s),
        takeover: "no successor",
      });
      return;
    }
    if (after !== before && this.s.state === "MASTER") {
      // Advertise the new rank now: preempting backups decide at once.
      this.advertise();
      this.set({ advertAt: this.now + advertIntervalMs(this.s) });
    }
  }
}
