/**
 * Which IPv4 checksum dialect each VRRP peer uses. carpd accepts both (with
 * and without the pseudo-header), which leaves a single flipped bit a small
 * chance to verify under the other dialect; a peer keeps the dialect it was
 * first heard in, and only a run of adverts in another one (a peer
 * reconfigured) moves it. Pure: plain memory, no clock.
 * @module
 */

/** Adverts in a row in a new dialect that move a peer to it. */
export const DIALECT_SWITCH_RUN = 3;

/** Peers remembered at most; past that the memory starts afresh. */
export const DIALECT_PEERS_MAX = 256;

interface PeerDialect {
  dialect: string;
  /** A different dialect seen lately, and how many times in a row. */
  candidate: string | null;
  run: number;
}

/** The dialect of each peer. */
export class DialectMemory {
  readonly #peers = new Map<string | number, PeerDialect>();

  /**
   * Judges one advert's dialect.
   *
   * @param peer Who sent it.
   * @param dialect The dialect its checksum verified in.
   * @returns Whether to accept it: always in the peer's dialect, and in
   *   another one only from the {@linkcode DIALECT_SWITCH_RUN}th in a row.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { DialectMemory } from "./dialects.ts";
   * const m = new DialectMemory();
   * assert.equal(m.admit(1, "pseudo"), true);
   * assert.equal(m.admit(1, "plain"), false); // a flipped bit, most likely
   * assert.equal(m.admit(1, "pseudo"), true);
   * ```
   */
  admit(peer: string | number, dialect: string): boolean {
    const p = this.#peers.get(peer);
    if (p === undefined) {
      if (this.#peers.size >= DIALECT_PEERS_MAX) this.#peers.clear();
      this.#peers.set(peer, { dialect, candidate: null, run: 0 });
      return true;
    }
    if (dialect === p.dialect) {
      p.candidate = null;
      p.run = 0;
      return true;
    }
    p.run = p.candidate === dialect ? p.run + 1 : 1;
    p.candidate = dialect;
    if (p.run < DIALECT_SWITCH_RUN) return false;
    p.dialect = dialect;
    p.candidate = null;
    p.run = 0;
    return true;
  }

  /** The dialect a peer is known by, if any. */
  of(peer: string | number): string | undefined {
    return this.#peers.get(peer)?.dialect;
  }
}
