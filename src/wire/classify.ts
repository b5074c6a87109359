/**
 * What a received packet is: an advert for vhid N in its protocol, or a
 * drop with its reason. CARP, VRRPv3 and VRRPv2 share the IP protocol
 * number and the groups; the version nibble tells VRRPv3 apart, and a
 * VRRPv2 advert (version 2, type 1, as CARP) is told by its VRID naming
 * one of our VRRPv2 vhids. Pure and total: every byte string gets a
 * verdict.
 * @module
 */

import { type CarpVerdict, DROP_REASONS, verifyCarp } from "../carp/mod.ts";
import type { ElectionAdvert } from "../fsm/mod.ts";
import {
  type Envelope,
  formatIpv4,
  formatIpv6,
  isEnvelope,
  openEnvelope,
  type PeerAddress,
  type Received,
} from "../net/mod.ts";
import {
  type ChecksumDialect,
  verifyVrrp2,
  verifyVrrp3,
  VRRP_DROP_REASONS,
  type VrrpAdvert,
  type VrrpVerdict,
} from "../vrrp/mod.ts";
import type { FamilyAccept } from "./accept.ts";

/**
 * Drops a roll-out brings (`rollout.ts`): a copy of an advert already
 * taken, sent under a key this box does not have (`other_key`), and an
 * advert under a key whose window has closed (`old_key`).
 */
export const ROLLOUT_DROP_REASONS = ["other_key", "old_key"] as const;

/** Every reason a packet is dropped, CARP's first. */
export const ALL_DROP_REASONS = [
  ...new Set([...DROP_REASONS, ...VRRP_DROP_REASONS, ...ROLLOUT_DROP_REASONS]),
] as const;

/** Why a CARP or a VRRP packet was dropped. */
export type AnyDropReason =
  | typeof DROP_REASONS[number]
  | typeof VRRP_DROP_REASONS[number]
  | typeof ROLLOUT_DROP_REASONS[number];

/** An advert accepted for a vhid of the interface. */
export interface HeardAdvert {
  /** Accepted. */
  ok: true;
  /** The vhid it is for. */
  vhid: number;
  /** The sender. */
  source: PeerAddress;
  /** What the election reads of it. */
  advert: ElectionAdvert;
  /** VRRPv3 over IPv4: the checksum dialect it used; otherwise `null`. */
  dialect: ChecksumDialect | null;
  /** VRRP: the addresses it lists, as text; CARP: `null`. */
  addresses: readonly string[] | null;
  /**
   * Which of the vhid's keys (CARP) or passwords (VRRPv2) it matched: 0
   * for the one in force, more for an earlier one still accepted during a
   * roll-out; VRRPv3 authenticates nothing: 0.
   */
  keyIndex: number;
}

/** A packet dropped, and why. */
export interface DroppedPacket {
  /** Dropped. */
  ok: false;
  /** The first check it failed. */
  reason: AnyDropReason;
  /** The sender, when the packet got as far as naming one. */
  source?: PeerAddress;
  /** The vhid it named, when it got as far as naming one. */
  vhid?: number;
  /** CARP's `bad_hmac`: the counter it claimed (unauthenticated). */
  counter?: bigint;
}

/** What a packet is. */
export type Verdict = HeardAdvert | DroppedPacket;

/** VRRPv3 adverts start with 0x31 (version 3, type 1); CARP with 0x21. */
const VRRP3_NIBBLE = 3;

/**
 * Judges what a raw socket of a family received.
 *
 * @param family The socket's family.
 * @param got What it received.
 * @param accept The interface's tables for that family.
 * @returns The verdict.
 */
export function classify(
  family: 4 | 6,
  got: Received,
  accept: FamilyAccept,
): Verdict {
  const envelope = openEnvelope(family, got);
  if (!isEnvelope(envelope)) return { ok: false, ...envelope };
  return classifyEnvelope(envelope, accept);
}

/**
 * Judges an envelope: VRRPv3 by its version nibble, VRRPv2 by its VRID,
 * CARP otherwise. A VRRPv3 advert naming one of our CARP vhids is that
 * vhid's `bad_version` (a peer speaking the other protocol, out loud)
 * rather than a packet for somebody else.
 *
 * @param envelope The packet and its IP layer.
 * @param accept The interface's tables for its family.
 * @returns The verdict.
 */
export function classifyEnvelope(
  envelope: Envelope,
  accept: FamilyAccept,
): Verdict {
  const p = envelope.payload;
  if ((p[0] ?? 0) >> 4 === VRRP3_NIBBLE) {
    const r = verifyVrrp3(envelope, accept.vrrp3);
    if (
      !r.ok && r.reason === "wrong_vhid" && r.vhid !== undefined &&
      accept.carp.vhids.has(r.vhid)
    ) {
      return { ...r, reason: "bad_version" };
    }
    return fromVrrp(r);
  }
  if (p.length > 1 && accept.vrrp2.vrids.has(p[1]!)) {
    return fromVrrp(verifyVrrp2(envelope, accept.vrrp2));
  }
  return fromCarp(verifyCarp(envelope, accept.carp));
}

function fromCarp(r: CarpVerdict): Verdict {
  if (!r.ok) return r;
  const a = r.advert;
  return {
    ok: true,
    vhid: a.vhid,
    source: r.source,
    advert: {
      protocol: "carp",
      advbase: a.advbase,
      advskew: a.advskew,
      counter: a.counter,
      ...(a.demote ? { demote: a.demote } : {}),
    },
    dialect: null,
    addresses: null,
    keyIndex: r.keyIndex,
  };
}

function fromVrrp(r: VrrpVerdict): Verdict {
  if (!r.ok) return r;
  const a = r.advert;
  return {
    ok: true,
    vhid: a.vrid,
    source: r.source,
    advert: {
      protocol: "vrrp",
      priority: a.priority,
      intervalCs: a.intervalCs,
    },
    dialect: r.dialect,
    addresses: addressTexts(a),
    keyIndex: r.keyIndex ?? 0,
  };
}

/**
 * The addresses a VRRP advert lists, as text.
 *
 * @param a The advert.
 * @returns One text per address.
 */
export function addressTexts(a: VrrpAdvert): string[] {
  return a.family === 4
    ? a.addresses.map(formatIpv4)
    : a.addresses.map(formatIpv6);
}
