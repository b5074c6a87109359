/**
 * VRRPv3 over IPv6: build a message to send, and judge a payload received
 * on a raw socket. The checksum always covers the RFC 8200 section 8.1
 * pseudo-header (source, destination, upper-layer length as 32 bits, three
 * zero bytes, next header 112). An IPv6 raw socket hands over the payload
 * only; the source, the hop limit and the destination come beside it.
 *
 * Judging never throws: a payload is accepted with its advert or dropped
 * with a {@linkcode VrrpDropReason}.
 * @module
 */

import {
  formatIpv6,
  type Ipv6,
  type Ipv6Meta,
  isEnvelope,
  isLinkLocal,
  openIpv6,
  pseudoHeader,
} from "../net/mod.ts";
import {
  buildMessage,
  type VrrpAdvert6,
  type VrrpDropReason,
} from "./message.ts";
import { asVrridDrop, verifyVrrp3, type VrrpAccept } from "./verify.ts";

/** What an IPv6 receiver accepts (IPv6 destinations as text). */
export type VrrpReceive6Options = VrrpAccept;

/** An IPv6 payload that passed every check. */
export interface VrrpAccepted6 {
  /** Accepted. */
  ok: true;
  /** The advert. */
  advert: VrrpAdvert6;
  /** The sender, as text. */
  source: string;
  /**
   * Whether the first address is link-local, as RFC 9568 5.2.9 requires.
   * Erratum 8300 says to discard when it is not; it is only reported here,
   * as keepalived users often list global addresses alone.
   */
  firstLinkLocal: boolean;
}

/** An IPv6 payload that failed a check. */
export interface VrrpDropped6 {
  /** Dropped. */
  ok: false;
  /** The first check it failed. */
  reason: VrrpDropReason;
  /** The sender, as text. */
  source: string;
  /** The VRID it claimed, once its checksum was found right. */
  vrid?: number;
}

/** The outcome of {@linkcode decodeVrrp6}. */
export type DecodedVrrp6 = VrrpAccepted6 | VrrpDropped6;

/**
 * Encodes an IPv6 VRRPv3 message with its checksum filled in.
 *
 * @param advert What to advertise.
 * @param source IPv6 source of the packet (a link-local of the interface).
 * @param destination IPv6 destination: ff02::12, or the peer for unicast.
 * @returns The message, 8 + 16n bytes.
 * @throws {RangeError} When a field is out of range or an address is not
 *   16 bytes.
 */
export function encodeVrrp6Message(
  advert: VrrpAdvert6,
  source: Ipv6,
  destination: Ipv6,
): Uint8Array {
  return buildMessage(
    advert,
    {
      length: 16,
      valid: (a) => a instanceof Uint8Array && a.length === 16,
      write: (message, offset, a) => message.set(a, offset),
    },
    (length) => pseudoHeader(source, destination, length),
  );
}

/**
 * Checks a received IPv6 VRRPv3 payload and decodes its advert.
 *
 * Checks, in order: 8 bytes; hop limit 255; version 3; type advertisement;
 * a count above 0; a payload of exactly 8 + 16n bytes (shorter or longer is
 * `bad_length`, as in keepalived 2.2.7); an interval above 0; the checksum
 * over the pseudo-header (destination ff02::12 when the socket did not say)
 * and the payload; a VRID we serve; the destination. The reserved bits are
 * ignored.
 *
 * @param payload What the raw socket returned (no IPv6 header).
 * @param meta Its source, hop limit and destination.
 * @param options What this receiver accepts.
 * @returns The advert with the sender as text, or why it was dropped.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseIpv6 } from "../net/mod.ts";
 * import { decodeVrrp6, encodeVrrp6Message } from "./packet6.ts";
 * const source = parseIpv6("fe80::200:ff:fe00:a")!;
 * const group = parseIpv6("ff02::12")!;
 * const advert = {
 *   family: 6 as const,
 *   vrid: 51,
 *   priority: 100,
 *   intervalCs: 100,
 *   addresses: [parseIpv6("fe80::1")!, parseIpv6("2001:db8::100")!],
 * };
 * const payload = encodeVrrp6Message(advert, source, group);
 * assert.equal(payload[6]! << 8 | payload[7]!, 0x3df3);
 * const meta = { source, hopLimit: 255, destination: group };
 * const got = decodeVrrp6(payload, meta, { vrids: new Set([51]) });
 * assert.ok(got.ok);
 * assert.equal(got.source, "fe80::200:ff:fe00:a");
 * assert.ok(got.firstLinkLocal);
 * assert.deepEqual(got.advert, advert);
 * assert.deepEqual(
 *   decodeVrrp6(payload, { ...meta, hopLimit: 64 }, { vrids: new Set([51]) }),
 *   { ok: false, reason: "bad_ttl", source: "fe80::200:ff:fe00:a" },
 * );
 * ```
 */
export function decodeVrrp6(
  payload: Uint8Array,
  meta: Ipv6Meta,
  options: VrrpReceive6Options,
): DecodedVrrp6 {
  const envelope = openIpv6(payload, meta);
  if (!isEnvelope(envelope)) {
    return { ok: false, ...envelope, source: formatIpv6(meta.source) };
  }
  const r = verifyVrrp3(envelope, options);
  if (!r.ok) return asVrridDrop(r) as VrrpDropped6;
  const advert = r.advert as VrrpAdvert6;
  return {
    ok: true,
    advert,
    source: r.source as string,
    firstLinkLocal: isLinkLocal(advert.addresses[0]!),
  };
}
