/**
 * What one vhid makes of its peers' adverts before its state machine does:
 * its protocol's admission (replay, checksum dialects), the peers it has
 * heard and the warnings they give (a VRRP address list that differs, a
 * demotion that moves nothing), the keys they come under during and after
 * a roll-out (`vhid_keys.ts`), and its timing record (the worst gap
 * between a peer's adverts, the worst lateness of its own timers). The
 * driver feeds what passes to the state machine.
 * @module
 */

import type { VhidConfig } from "../config/mod.ts";
import {
  type Admission,
  masterDownMs,
  type PeerAddress,
  PeerBook,
  type PeerRecord,
  type Refusal,
  type VhidState,
} from "../fsm/mod.ts";
import { formatPeer } from "../net/mod.ts";
import type { AnyDropReason, HeardAdvert } from "../wire/mod.ts";
import type { VhidCounters } from "./counters.ts";
import { admissionKey, admissionOf, Timeliness } from "./timing/mod.ts";
import { vipKey } from "./vip_addresses.ts";
import type { VhidKeys } from "./vhid_keys.ts";

/** A vhid's hearing. */
export class Hearing {
  /** Its worst timer lateness and advert gap. */
  readonly timeliness: Timeliness = new Timeliness();
  readonly #peers = new PeerBook();
  readonly #counters: VhidCounters;
  readonly #warn: (line: string) => void;
  #admission: Admission;
  #admissionKey: string;
  /** The VIPs as text, as a VRRP peer's list is compared with them. */
  #vipTexts: readonly string[];

  /** Which keys peers use, and the roll-out window. */
  readonly #keys: VhidKeys;

  /**
   * @param config The vhid's settings.
   * @param counters Its counters.
   * @param warn Logs a warning about the vhid.
   * @param keys Its keys.
   */
  constructor(
    config: VhidConfig,
    counters: VhidCounters,
    warn: (line: string) => void,
    keys: VhidKeys,
  ) {
    this.#counters = counters;
    this.#warn = warn;
    this.#keys = keys;
    this.#admission = admissionOf(config);
    this.#admissionKey = admissionKey(config);
    this.#vipTexts = config.vips.map((v) => formatPeer(vipKey(v)));
  }

  /**
   * New settings: a new admission when what it depends on changed (the
   * replay window starts afresh only then).
   *
   * @param config The vhid's settings.
   */
  configure(config: VhidConfig): void {
    this.#vipTexts = config.vips.map((v) => formatPeer(vipKey(v)));
    const key = admissionKey(config);
    if (key === this.#admissionKey) return;
    this.#admission = admissionOf(config);
    this.#admissionKey = key;
  }

  /**
   * An authenticated advert for the vhid.
   *
   * @param heard What the wire made of it.
   * @param arrivedAt When it arrived.
   * @param state The vhid's state now.
   * @returns `null` when it goes on to the state machine, `copy` for the
   *   second copy of an advert sent under two keys, else why it was
   *   refused.
   */
  heard(
    heard: HeardAdvert,
    arrivedAt: number,
    state: VhidState,
  ): Refusal | "copy" | null {
    const c = this.#counters;
    const intervalMs = state.config.election.peerIntervalMs(heard.advert);
    const keyed = this.#keys.judge(heard, arrivedAt, intervalMs);
    if (keyed === "copy") return "copy";
    if (keyed === "old_key") {
      c.drops.old_key++;
      this.#keys.refusedOld(heard.source, arrivedAt, intervalMs);
      return "old_key";
    }
    const refused = this.#admission.admit(
      heard.source,
      heard.advert,
      heard.dialect,
    );
    if (refused !== null) {
      c.drops[refused]++;
      return refused;
    }
    c.advertsReceived++;
    const news = this.#peers.heard(
      state.config.election,
      heard.source,
      formatPeer(heard.source),
      heard,
      // During a roll-out, a VRRP list is compared with the VIPs of the
      // key it came under.
      this.#keys.listFor(heard),
      arrivedAt,
    );
    if (news.gapMs !== null) {
      const warning = this.timeliness.advertHeard(
        news.gapMs,
        news.intervalMs,
        masterDownMs(state),
      );
      if (warning !== null) this.#warn(warning);
    }
    if (news.listDiffers) c.vipListMismatches++;
    if (news.listWarning !== null) this.#warn(news.listWarning);
    return null;
  }

  /**
   * Counts a dropped packet that named the vhid.
   *
   * @param drop Why, who sent it, and (CARP) the counter it claimed.
   * @param arrivedAt When it arrived.
   * @param intervalMs The vhid's advert interval.
   * @returns The reason it counts under (a copy under a key this box does
   *   not have is `other_key`), or its promise (see `vhid_keys.ts`).
   */
  dropped(
    drop: { reason: AnyDropReason; source?: PeerAddress; counter?: bigint },
    arrivedAt: number,
    intervalMs: number,
  ): AnyDropReason | Promise<AnyDropReason> {
    const reason = this.#keys.dropped(
      drop.reason,
      drop.source,
      drop.counter,
      arrivedAt,
      intervalMs,
    );
    const drops = this.#counters.drops;
    if (typeof reason === "string") drops[reason]++;
    else void reason.then((r) => drops[r]++);
    return reason;
  }

  /**
   * Warns (once per situation) when a health demotion leaves a peer no
   * reason to take over.
   *
   * @param state The vhid's state now.
   * @param healthDemoted Whether checks or tracked interfaces demote it.
   */
  checkDemotion(state: VhidState, healthDemoted: boolean): void {
    const warning = this.#peers.checkDemotion(state, healthDemoted, formatPeer);
    if (warning !== null) this.#warn(warning);
  }

  /**
   * A protocol timer fired (or was found overdue) this late.
   *
   * @param lateMs How late.
   * @param intervalMs The vhid's advert interval now.
   */
  timerLate(lateMs: number, intervalMs: number): void {
    const warning = this.timeliness.timerFired(lateMs, intervalMs);
    if (warning !== null) this.#warn(warning);
  }

  /**
   * The peers heard in the last ten minutes.
   *
   * @param now The time.
   * @returns Each with what it advertised.
   */
  peers(now: number): [PeerAddress, PeerRecord][] {
    return this.#peers.entries(now);
  }

  /** The standing warnings about peers and timing. */
  warnings(): string[] {
    return [...this.#peers.warnings(), ...this.timeliness.warnings()];
  }
}
