/**
 * What a vhid remembers of its peers: the masters heard in the last ten
 * minutes with what they advertised (for status and the timing figures),
 * the checksum dialects they used, and the two warnings that come from
 * comparing them with ourselves: a VRRP peer listing other addresses than
 * ours (keepalived 2.2.7 then drops our adverts and two masters stand),
 * and a health demotion that leaves us no less preferred than a peer (it
 * would not take over). Pure memory; the caller gives the time.
 * @module
 */

import type { ChecksumDialect } from "../vrrp/mod.ts";
import type { Election, ElectionAdvert, PeerAddress } from "./election.ts";
import type { VhidState } from "./state.ts";

/** Peers not heard for this long are forgotten. */
export const PEER_MEMORY_MS = 10 * 60_000;
/** Past this many peers the old ones are forgotten at once. */
const PEERS_BEFORE_CLEANUP = 64;

/** A peer heard as master. */
export interface PeerRecord {
  /** What it advertised last. */
  advert: ElectionAdvert;
  /** VRRP over IPv4: its adverts in each checksum dialect. */
  checksums: Partial<Record<ChecksumDialect, number>>;
  /** When it was heard last. */
  at: number;
}

/** What hearing an advert told about the peer. */
export interface PeerNews {
  /** Time since the same peer's previous advert, `null` for its first. */
  gapMs: number | null;
  /** The interval the peer advertises, ms. */
  intervalMs: number;
  /** Its address list differs from ours (VRRP). */
  listDiffers: boolean;
  /** A new warning about its address list, to log once. */
  listWarning: string | null;
}

/** The peers of one vhid. */
export class PeerBook {
  readonly #peers = new Map<PeerAddress, PeerRecord>();
  /**
   * Each peer's last advert as a master, for the gap to its next one; a
   * bow-out ends the run (its next advert starts a new one).
   */
  readonly #gapFrom = new Map<PeerAddress, number>();
  /** Peers whose address list differs from ours, with the warning. */
  readonly #mismatches = new Map<PeerAddress, string>();
  #demotionWarning: string | null = null;

  /**
   * Records an accepted advert.
   *
   * @param election The vhid's election (what a bow-out is, intervals).
   * @param source The sender, as text for messages too.
   * @param sourceText Its text.
   * @param heard What it advertised, its dialect and its address list
   *   (`null` for a protocol without one).
   * @param ours Our VIPs, as text.
   * @param at When it arrived.
   * @returns What it told.
   */
  heard(
    election: Election,
    source: PeerAddress,
    sourceText: string,
    heard: {
      advert: ElectionAdvert;
      dialect: ChecksumDialect | null;
      addresses: readonly string[] | null;
    },
    ours: readonly string[],
    at: number,
  ): PeerNews {
    const news: PeerNews = {
      gapMs: null,
      intervalMs: election.peerIntervalMs(heard.advert),
      listDiffers: false,
      listWarning: null,
    };
    if (election.isBowOut(heard.advert)) this.#gapFrom.delete(source);
    else {
      const previous = this.#peers.get(source);
      const from = this.#gapFrom.get(source);
      if (from !== undefined) news.gapMs = at - from;
      this.#gapFrom.set(source, at);
      // A record per peer, updated in place: adverts come many a second.
      if (previous === undefined) {
        this.#peers.set(source, {
          advert: heard.advert,
          checksums: {},
          at,
        });
      } else {
        previous.advert = heard.advert;
        previous.at = at;
      }
      if (heard.dialect !== null) {
        const checksums = this.#peers.get(source)!.checksums;
        checksums[heard.dialect] = (checksums[heard.dialect] ?? 0) + 1;
      }
      if (this.#peers.size > PEERS_BEFORE_CLEANUP) this.forgetOld(at);
    }
    if (heard.addresses !== null) {
      const same = heard.addresses.length === ours.length &&
        new Set([...heard.addresses, ...ours]).size === ours.length &&
        new Set(heard.addresses).size === heard.addresses.length;
      if (same) this.#mismatches.delete(source);
      else {
        news.listDiffers = true;
        const warning = `${sourceText} advertises ${
          heard.addresses.join(", ")
        } but this vhid has ${
          ours.join(", ")
        }: VRRP peers must list the same addresses (keepalived 2.2.7 drops adverts that differ, leaving two masters)`;
        if (this.#mismatches.get(source) !== warning) {
          news.listWarning = warning;
          this.#mismatches.set(source, warning);
        }
      }
    }
    return news;
  }

  /**
   * Forgets peers not heard for {@linkcode PEER_MEMORY_MS}.
   *
   * @param now The time.
   */
  forgetOld(now: number): void {
    for (const [peer, p] of this.#peers) {
      if (now - p.at > PEER_MEMORY_MS) {
        this.#peers.delete(peer);
        this.#mismatches.delete(peer);
        this.#gapFrom.delete(peer);
      }
    }
  }

  /**
   * The peers heard lately.
   *
   * @param now The time.
   * @returns Each with its record.
   */
  entries(now: number): [PeerAddress, PeerRecord][] {
    this.forgetOld(now);
    return [...this.#peers];
  }

  /**
   * Checks (once per situation) whether a health demotion leaves this vhid
   * no less preferred than a peer heard: that peer would not take over.
   *
   * @param s The vhid.
   * @param healthDemoted Whether checks or tracked interfaces demote it.
   * @param text A peer's address as text.
   * @returns A new warning to log, or `null`.
   */
  checkDemotion(
    s: VhidState,
    healthDemoted: boolean,
    text: (peer: PeerAddress) => string,
  ): string | null {
    let warning: string | null = null;
    if (healthDemoted) {
      for (const [peer, p] of this.#peers) {
        warning = s.config.election.demotionWarning(s, text(peer), p.advert);
        if (warning !== null) break;
      }
    }
    const fresh = warning !== null && warning !== this.#demotionWarning;
    this.#demotionWarning = warning;
    return fresh ? warning : null;
  }

  /** The standing warnings: the demotion's, then each address list's. */
  warnings(): string[] {
    return [
      ...(this.#demotionWarning === null ? [] : [this.#demotionWarning]),
      ...this.#mismatches.values(),
    ];
  }
}
