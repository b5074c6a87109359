/**
 * Whether an authenticated advert may reach the state machine: what each
 * protocol checks of a peer's adverts beyond the codec. CARP with
 * `replay_protection` drops a counter not above the sender's last
 * (`replay.ts`); VRRP over IPv4 keeps each peer to its checksum dialect
 * (`dialects.ts`). Chosen once per vhid; pure memory, no clock.
 * @module
 */

import type { ChecksumDialect } from "../vrrp/mod.ts";
import { DialectMemory } from "./dialects.ts";
import type { ElectionAdvert, PeerAddress } from "./election.ts";
import { ReplayWindow } from "./replay.ts";

/** Why an authenticated advert was refused. */
export type Refusal = "replay" | "bad_checksum" | "old_key";

/** A vhid's admission of its peers' adverts. */
export interface Admission {
  /**
   * Judges one advert (and remembers what it needs to).
   *
   * @param source The sender.
   * @param advert What it advertised.
   * @param dialect The checksum dialect it came in, if the family has them.
   * @returns `null` to let it through, or why not.
   */
  admit(
    source: PeerAddress,
    advert: ElectionAdvert,
    dialect: ChecksumDialect | null,
  ): Refusal | null;
}

/** What a vhid's admission is built from. */
export interface AdmissionOptions {
  /** The vhid's protocol. */
  protocol: "carp" | "vrrp";
  /** CARP: drop counters not above the sender's last. */
  replayProtection: boolean;
}

const BUILDERS: Record<
  AdmissionOptions["protocol"],
  (o: AdmissionOptions) => Admission
> = {
  carp(o): Admission {
    if (!o.replayProtection) return { admit: () => null };
    const window = new ReplayWindow();
    return {
      admit: (source, advert) =>
        advert.protocol !== "carp" || window.admit(source, advert.counter)
          ? null
          : "replay",
    };
  },
  vrrp(): Admission {
    const dialects = new DialectMemory();
    return {
      admit: (source, _advert, dialect) =>
        dialect === null || dialects.admit(source, dialect)
          ? null
          : "bad_checksum",
    };
  },
};

/**
 * A vhid's admission, fresh (a change of its options builds a new one).
 *
 * @param o The protocol and its options.
 * @returns The admission.
 */
export function admissionFor(o: AdmissionOptions): Admission {
  return BUILDERS[o.protocol](o);
}
