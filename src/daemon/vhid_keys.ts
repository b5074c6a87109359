/**
 * One vhid's keys at run time: its key ring (`src/wire/rollout.ts`) begun
 * from what the daemon kept under `/run`, rolled over when a reload changes
 * its password or VIP list, kept again after each change, and the end of
 * its window on the clock (then its adverts go out under the key in force
 * alone, and a master still heard only under an earlier key is named in a
 * warning); and which key each peer's adverts come under
 * (`src/fsm/key_usage.ts`): copies of one advert, adverts under a key whose
 * window closed, copies under a key this box does not have.
 * @module
 */

import type { VhidConfig } from "../config/mod.ts";
import {
  COPY_WITHIN_MS,
  KeyUsage,
  type KeyVerdict,
  type PeerAddress,
} from "../fsm/mod.ts";
import { formatPeer } from "../net/mod.ts";
import {
  type AdvertIdentity,
  type AnyDropReason,
  checkedUnder,
  type HeardAdvert,
  identityChanges,
  identityOf,
  type KeyRing,
  rollOver,
  sentUnder,
  windowOpen,
} from "../wire/mod.ts";
import type { Cancel, Clock } from "./clock.ts";
import type { KeyRings } from "./key_rings.ts";
import { vipKey } from "./vip_addresses.ts";

/** What a vhid's keys need. */
export interface KeysContext {
  clock: Clock;
  rings: KeyRings;
  /** `vhid 3`, for messages. */
  name: string;
  log: { info(line: string): void; warning(line: string): void };
  /** The identities to send under changed (a window closed). */
  changed(): void;
}

/** A vhid's keys. */
export class VhidKeys {
  readonly #ctx: KeysContext;
  readonly #key: string;
  readonly #usage = new KeyUsage();
  /** A failed authentication per sender, waiting for the copy it may be. */
  readonly #pending = new Map<
    PeerAddress,
    {
      counter: bigint | null;
      reason: AnyDropReason;
      decide: (r: AnyDropReason) => void;
    }
  >();
  /** Senders named by {@linkcode refusedOld} since the keys last changed. */
  readonly #warned = new Set<string>();
  #ring: KeyRing;
  /** Each checked identity's VIPs as a VRRP advert lists them, sorted. */
  #lists: string[][] = [];
  #end: Cancel | null = null;
  /** When the window opened (daemon clock), to look back at the end. */
  #openedAt: number;

  /**
   * The ring the vhid starts with: a window still open from before a
   * restart goes on; a config changed meanwhile opens one.
   *
   * @param key The vhid's key.
   * @param config Its settings.
   * @param ctx What it needs.
   */
  constructor(key: string, config: VhidConfig, ctx: KeysContext) {
    this.#ctx = ctx;
    this.#key = key;
    const now = ctx.clock.wallMs();
    this.#ring = ctx.rings.begin(
      key,
      identityOf(config),
      now,
      config.rolloutWindowMs,
    );
    this.#openedAt = ctx.clock.now();
    this.#listsNow();
    if (windowOpen(this.#ring, now)) this.#said(this.#ring.earlier[0]!, true);
    this.#arm();
  }

  /** The ring now. */
  get ring(): KeyRing {
    return this.#ring;
  }

  /** Whether earlier keys are sent and accepted now. */
  get open(): boolean {
    return windowOpen(this.#ring, this.#ctx.clock.wallMs());
  }

  /** The identities each advert goes out under, in order. */
  sending(): AdvertIdentity[] {
    return sentUnder(this.#ring, this.#ctx.clock.wallMs());
  }

  /** The identities peers' adverts are checked against, in key order. */
  checked(): AdvertIdentity[] {
    return checkedUnder(this.#ring);
  }

  /**
   * A reload changed the vhid's settings: a new identity opens (or
   * extends) the window.
   *
   * @param config The new settings.
   * @returns Whether the identity changed.
   */
  configure(config: VhidConfig): boolean {
    const before = this.#ring;
    const next = identityOf(config);
    const changes = identityChanges(before.current, next);
    const now = this.#ctx.clock.wallMs();
    this.#ring = rollOver(before, next, now, config.rolloutWindowMs);
    this.#ctx.rings.keep(this.#key, this.#ring);
    this.#listsNow();
    if (changes.length === 0) return false;
    this.#warned.clear();
    this.#openedAt = this.#ctx.clock.now();
    if (config.rolloutWindowMs <= 0) {
      this.#ctx.log.info(
        `${this.#ctx.name}: ${
          changes.join(", ")
        }: switched at once (rollout_window = 0)`,
      );
    } else this.#said(before.current, false);
    this.#arm();
    return true;
  }

  /**
   * What an authenticated advert is, key-wise: a copy of one just taken
   * (dropped quietly), under an earlier key after the window (`old_key`),
   * or fresh.
   *
   * @param heard The advert.
   * @param at When it arrived.
   * @param intervalMs The sender's advert interval.
   * @returns The verdict.
   */
  judge(heard: HeardAdvert, at: number, intervalMs: number): KeyVerdict {
    const a = heard.advert;
    const counter = a.protocol === "carp" ? a.counter : null;
    const waiting = this.#pending.get(heard.source);
    if (waiting !== undefined && waiting.counter === counter) {
      waiting.decide("other_key"); // the failed one was this advert's copy
    }
    // An address list authenticates nothing (VRRPv3; VRRPv2 whose password
    // did not change): carpd takes any list, so no list is ever refused.
    const authenticated = heard.addresses === null || heard.keyIndex > 0;
    return this.#usage.heard(
      heard.source,
      this.#keyIndex(heard),
      counter,
      at,
      this.open || !authenticated,
      copyWithinMs(intervalMs),
    );
  }

  /**
   * The VIPs an advert is compared with (VRRP lists its addresses): those
   * of the identity it matched, during a roll-out an earlier one.
   *
   * @param heard The advert.
   * @returns The addresses as text.
   */
  listFor(heard: HeardAdvert): readonly string[] {
    return this.#lists[this.#keyIndex(heard)] ?? this.#lists[0]!;
  }

  /**
   * A packet naming the vhid was dropped: a failed authentication close to
   * an advert taken from the same sender (CARP: with its counter), before
   * or after it, is a copy under a key this box does not have
   * (`other_key`). From a known peer, the verdict waits for the copy that
   * may follow, a few milliseconds at most.
   *
   * @param reason Why it was dropped.
   * @param source Its sender, when known.
   * @param counter CARP: the counter it claimed.
   * @param at When it arrived.
   * @param intervalMs The vhid's advert interval.
   * @returns The reason to count it under, or the promise of it.
   */
  dropped(
    reason: AnyDropReason,
    source: PeerAddress | undefined,
    counter: bigint | undefined,
    at: number,
    intervalMs: number,
  ): AnyDropReason | Promise<AnyDropReason> {
    if (
      (reason !== "bad_hmac" && reason !== "bad_auth") || source === undefined
    ) return reason;
    const within = copyWithinMs(intervalMs);
    if (this.#usage.otherKeyCopy(source, counter ?? null, at, within)) {
      return "other_key";
    }
    if (!this.#usage.known(source)) return reason;
    const earlier = this.#pending.get(source);
    earlier?.decide(earlier.reason); // one waits per sender
    return new Promise((resolve) => {
      const cancel = this.#ctx.clock.after(within, () => decide(reason));
      const decide = (r: AnyDropReason): void => {
        cancel();
        this.#pending.delete(source);
        resolve(r);
      };
      this.#pending.set(source, { counter: counter ?? null, reason, decide });
    });
  }

  /**
   * An advert under an earlier key came after the window: a master that
   * never took the change is named once (one that sends both, in a longer
   * window of its own, is not).
   *
   * @param source Its sender.
   * @param at When it arrived.
   * @param intervalMs The sender's advert interval.
   */
  refusedOld(source: PeerAddress, at: number, intervalMs: number): void {
    const text = formatPeer(source);
    if (this.#warned.has(text)) return;
    this.#warned.add(text); // once per sender, or per look while pending
    const since = at - 3 * intervalMs;
    // Its copy under the key in force may come next: look again after a
    // few intervals before naming it.
    this.#ctx.clock.after(3 * intervalMs, () => {
      if (this.#usage.heardCurrentSince(source, since)) {
        this.#warned.delete(text);
        return;
      }
      this.#ctx.log.warning(
        `${this.#ctx.name}: ${text} advertises under an earlier key after the roll-out window closed: its adverts are refused (old_key); roll the change out to it`,
      );
    });
  }

  /** Senders heard since the window opened only under an earlier key. */
  stale(): PeerAddress[] {
    return this.#usage.onlyEarlier(this.#openedAt);
  }

  /** Stops the window's clock (the vhid stops). */
  stop(): void {
    this.#end?.();
    this.#end = null;
  }

  #said(earlier: AdvertIdentity, resumed: boolean): void {
    const until = new Date(this.#ring.until!).toISOString();
    this.#ctx.log.info(
      `${this.#ctx.name}: ${
        identityChanges(earlier, this.#ring.current).join(", ")
      }: roll-out window ${
        resumed ? "goes on" : "opened"
      } until ${until}; adverts go out under the earlier key too, and peers' adverts under it are accepted`,
    );
  }

  #arm(): void {
    this.#end?.();
    this.#end = null;
    const until = this.#ring.until;
    if (until === null || this.#ring.earlier.length === 0) return;
    const left = until - this.#ctx.clock.wallMs();
    if (left <= 0) return;
    this.#end = this.#ctx.clock.after(left, () => {
      this.#end = null;
      this.#ended();
    });
  }

  /** The key an advert matched; VRRPv3 by its address list. */
  #keyIndex(heard: HeardAdvert): number {
    if (heard.addresses === null || heard.keyIndex !== 0) return heard.keyIndex;
    if (this.#lists.length < 2) return 0;
    const got = [...heard.addresses].sort().join(" ");
    const i = this.#lists.findIndex((l) => l.join(" ") === got);
    return i < 0 ? 0 : i;
  }

  #listsNow(): void {
    this.#lists = checkedUnder(this.#ring).map((i) =>
      i.vips.map((v) => formatPeer(vipKey(v))).sort()
    );
  }

  #ended(): void {
    this.#ctx.changed();
    const stale = this.stale();
    if (stale.length === 0) {
      this.#ctx.log.info(
        `${this.#ctx.name}: roll-out window closed; adverts go out under the key in force alone`,
      );
      return;
    }
    this.#ctx.log.warning(
      `${this.#ctx.name}: roll-out window closed, but ${
        stale.map(formatPeer).join(", ")
      } still advertised only under the earlier key: their adverts are refused from now on (old_key); roll the change out to them`,
    );
  }
}

/** Copies of one advert arrive back to back: well within its interval. */
function copyWithinMs(intervalMs: number): number {
  return Math.min(COPY_WITHIN_MS, intervalMs / 4);
}
