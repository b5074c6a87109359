/**
 * Judging a received VRRP advert, v3 (RFC 9568) over either family and v2
 * (RFC 3768) over IPv4: one ladder per version over the family-neutral
 * envelope (`src/net/envelope.ts`). Never throws: an advert is accepted
 * (v3 over IPv4 with the checksum dialect it used) or dropped with a
 * {@linkcode VrrpDropReason} the daemon counts.
 * @module
 */

import {
  CARP6_GROUP,
  CARP_GROUP,
  checksumWith,
  type Envelope,
  internetChecksum,
  type PeerAddress,
  pseudoHeader,
  readIpv4,
  writeIpv4,
} from "../net/mod.ts";
import {
  VRRP_HEADER_LENGTH,
  VRRP_TTL,
  VRRP_TYPE_ADVERTISEMENT,
} from "./constants.ts";
import {
  type ChecksumDialect,
  judgeMessage,
  type MessageFields,
  type VrrpAdvert,
  type VrrpDropReason,
} from "./message.ts";

/** The protocol version of RFC 3768. */
export const VRRP2_VERSION = 2;
/** Bytes of authentication data after the addresses. */
export const VRRP2_AUTH_LENGTH = 8;
/** Authentication type 0: none. */
export const VRRP2_AUTH_NONE = 0;
/** Authentication type 1: a clear-text password. */
export const VRRP2_AUTH_PASS = 1;

/** What a VRRPv3 receiver accepts on one interface and family. */
export interface VrrpAccept {
  /** VRIDs served; any other is `wrong_vhid`. */
  vrids: ReadonlySet<number>;
  /**
   * Destinations accepted (the group, or our own addresses for unicast:
   * IPv4 ones as numbers, IPv6 ones as text); any when omitted, or when
   * the socket did not say where the advert was sent.
   */
  destinations?: ReadonlySet<PeerAddress>;
}

/** What a VRRPv2 vhid accepts. */
export interface Vrrp2Expect {
  /** Its interval, seconds: adverts with another are dropped (RFC 3768). */
  intervalS: number;
  /** Its password (auth type 1), or `null` for none (type 0). */
  authPass: string | null;
}

/** What a VRRPv2 receiver accepts. */
export interface Vrrp2Accept {
  /**
   * The VRRPv2 vhids on the interface, by VRID: what their peers must
   * have, or a list of it, the one in force first (during a password
   * roll-out the previous password is still accepted).
   */
  vrids: ReadonlyMap<number, Vrrp2Expect | readonly Vrrp2Expect[]>;
  /** Destinations accepted; any when omitted. */
  destinations?: ReadonlySet<PeerAddress>;
}

/** A VRRP advert judged. */
export type VrrpVerdict =
  | {
    /** Accepted. */
    ok: true;
    /** The advert (a v2 one with its interval in centiseconds). */
    advert: VrrpAdvert;
    /** The sender. */
    source: PeerAddress;
    /** The IPv4 checksum dialect it used; `null` over IPv6 and for v2. */
    dialect: ChecksumDialect | null;
    /**
     * VRRPv2: which of the accepted passwords it matched (0: the one in
     * force); VRRPv3 authenticates nothing: absent.
     */
    keyIndex?: number;
  }
  | {
    /** Dropped. */
    ok: false;
    /** The first check it failed. */
    reason: VrrpDropReason;
    /** The sender. */
    source: PeerAddress;
    /** The VRID it claimed, once its checksum was found right. */
    vhid?: number;
  };

type Dropped = Extract<VrrpVerdict, { ok: false }>;

/**
 * The message an envelope carries, after the checks both versions make of
 * the IP layer: the IPv4 header's checksum and a total length covering it
 * (`bad_ip_header`); the total length within the bytes received (trusted
 * over the buffer: bytes past it are link padding) and 8 message bytes
 * (`short`); TTL or hop limit 255 (`bad_ttl`).
 */
function messageOf(envelope: Envelope): Uint8Array | Dropped {
  const { source, payload, declaredLength } = envelope;
  if (
    !envelope.headerChecksumOk ||
    (declaredLength !== null && declaredLength < 0)
  ) {
    return { ok: false, reason: "bad_ip_header", source };
  }
  if (declaredLength !== null && declaredLength > payload.length) {
    return { ok: false, reason: "short", source };
  }
  const message = declaredLength === null
    ? payload
    : payload.subarray(0, declaredLength);
  if (message.length < VRRP_HEADER_LENGTH) {
    return { ok: false, reason: "short", source };
  }
  if (envelope.hopLimit !== VRRP_TTL) {
    return { ok: false, reason: "bad_ttl", source };
  }
  return message;
}

/** What differs between the families for a VRRPv3 message. */
interface Family {
  /** Bytes per address. */
  addressLength: 4 | 16;
  /** The advert a message carries. */
  advert(fields: MessageFields, message: Uint8Array): VrrpAdvert;
  /**
   * The checksum dialects to try, in order, each with its pseudo-header:
   * over IPv4 `"pseudo"` with the real destination, `"plain"`, then
   * `"pseudo_mcast"` (only when the destination is not the group already);
   * over IPv6 only the pseudo-header (destination ff02::12 when the socket
   * did not say), reported as no dialect.
   */
  dialects(
    envelope: Envelope,
    length: number,
  ): Iterable<[ChecksumDialect | null, () => Uint8Array]>;
}

const IPV4: Family = {
  addressLength: 4,
  advert: (f, m) => ({
    family: 4,
    vrid: f.vrid,
    priority: f.priority,
    intervalCs: f.intervalCs,
    addresses: Array.from(
      { length: f.count },
      (_, i) => readIpv4(m, VRRP_HEADER_LENGTH + 4 * i),
    ),
  }),
  *dialects(e, length): Generator<[ChecksumDialect | null, () => Uint8Array]> {
    const to = e.destinationBytes!;
    yield ["pseudo", () => pseudoHeader(e.sourceBytes, to, length)];
    yield ["plain", () => new Uint8Array(0)];
    if (e.destination !== CARP_GROUP) {
      yield ["pseudo_mcast", () => pseudoHeader(e.sourceBytes, GROUP4, length)];
    }
  },
};

const IPV6: Family = {
  addressLength: 16,
  advert: (f, m) => ({
    family: 6,
    vrid: f.vrid,
    priority: f.priority,
    intervalCs: f.intervalCs,
    addresses: Array.from(
      { length: f.count },
      (_, i) =>
        m.slice(VRRP_HEADER_LENGTH + 16 * i, VRRP_HEADER_LENGTH + 16 * (i + 1)),
    ),
  }),
  *dialects(e, length): Generator<[ChecksumDialect | null, () => Uint8Array]> {
    const to = e.destinationBytes ?? CARP6_GROUP;
    yield [null, () => pseudoHeader(e.sourceBytes, to, length)];
  },
};

const GROUP4 = new Uint8Array(4);
writeIpv4(GROUP4, 0, CARP_GROUP);

const FAMILIES: Record<4 | 6, Family> = { 4: IPV4, 6: IPV6 };

/**
 * Checks a received VRRPv3 advert and decodes it.
 *
 * Checks, in order: the IP layer (see above); version 3; type
 * advertisement; a count above 0; a message of exactly 8 + count x address
 * bytes, shorter or longer being `bad_length` as in keepalived 2.2.7; an
 * interval above 0; the checksum in a dialect of the family; a VRID we
 * serve; the destination. The reserved bits are ignored.
 *
 * When an IPv4 pseudo-header happens to sum to zero the two main dialects
 * give the same checksum, and `"pseudo"` is named. Accepting every dialect
 * lets a few single-bit errors through that one dialect would catch: a
 * peer changing dialect deserves a log (the daemon keeps each peer's).
 *
 * @param envelope The advert and its IP layer.
 * @param accept What this receiver accepts.
 * @returns The advert, or why it was dropped.
 */
export function verifyVrrp3(
  envelope: Envelope,
  accept: VrrpAccept,
): VrrpVerdict {
  const message = messageOf(envelope);
  if (!(message instanceof Uint8Array)) return message;
  const source = envelope.source;
  const family = FAMILIES[envelope.family];
  const fields = judgeMessage(message, family.addressLength);
  if (typeof fields === "string") return { ok: false, reason: fields, source };
  let dialect: ChecksumDialect | null | undefined;
  for (const [name, pseudo] of family.dialects(envelope, message.length)) {
    if (checksumWith(pseudo(), message) === 0) {
      dialect = name;
      break;
    }
  }
  if (dialect === undefined) {
    return { ok: false, reason: "bad_checksum", source };
  }
  const vhid = fields.vrid;
  if (!accept.vrids.has(vhid)) {
    return { ok: false, reason: "wrong_vhid", source, vhid };
  }
  const to = envelope.destination;
  if (accept.destinations && to !== null && !accept.destinations.has(to)) {
    return { ok: false, reason: "wrong_destination", source, vhid };
  }
  return {
    ok: true,
    advert: family.advert(fields, message),
    source,
    dialect,
  };
}

/**
 * The 8 bytes of authentication data for a password (zero-padded).
 *
 * @param pass The password, or `null` for none.
 * @returns The bytes.
 */
export function vrrp2AuthData(pass: string | null): Uint8Array {
  const out = new Uint8Array(VRRP2_AUTH_LENGTH);
  if (pass !== null) out.set(new TextEncoder().encode(pass).subarray(0, 8));
  return out;
}

/**
 * Checks a received VRRPv2 advert (IPv4) and decodes it.
 *
 * Checks, in order: the IP layer (see above), version 2, type 1, a count
 * above 0, the exact length (8 + 4 x count + 8), an interval above 0, the
 * checksum (over the message alone), a VRID served here, the destination,
 * the interval (equal to ours, as RFC 3768 requires), the authentication
 * type and password.
 *
 * @param envelope The advert and its IP layer.
 * @param accept What this receiver accepts.
 * @returns The advert, its interval in centiseconds like a VRRPv3 one, or
 *   why it was dropped.
 */
export function verifyVrrp2(
  envelope: Envelope,
  accept: Vrrp2Accept,
): VrrpVerdict {
  const m = messageOf(envelope);
  if (!(m instanceof Uint8Array)) return m;
  const source = envelope.source;
  if (m[0]! >> 4 !== VRRP2_VERSION) {
    return { ok: false, reason: "bad_version", source };
  }
  if ((m[0]! & 0x0f) !== VRRP_TYPE_ADVERTISEMENT) {
    return { ok: false, reason: "bad_type", source };
  }
  const count = m[3]!;
  if (count === 0) return { ok: false, reason: "bad_count", source };
  if (m.length !== VRRP_HEADER_LENGTH + 4 * count + VRRP2_AUTH_LENGTH) {
    return { ok: false, reason: "bad_length", source };
  }
  const intervalS = m[5]!;
  if (intervalS === 0) return { ok: false, reason: "bad_interval", source };
  if (internetChecksum(m) !== 0) {
    return { ok: false, reason: "bad_checksum", source };
  }
  const vhid = m[1]!;
  const expected = accept.vrids.get(vhid);
  if (expected === undefined) {
    return { ok: false, reason: "wrong_vhid", source, vhid };
  }
  const to = envelope.destination;
  if (accept.destinations && to !== null && !accept.destinations.has(to)) {
    return { ok: false, reason: "wrong_destination", source, vhid };
  }
  const expects = isList(expected) ? expected : [expected];
  if (!expects.some((e) => e.intervalS === intervalS)) {
    return { ok: false, reason: "bad_interval", source, vhid };
  }
  const auth = m.subarray(VRRP_HEADER_LENGTH + 4 * count);
  const keyIndex = expects.findIndex((e) =>
    e.intervalS === intervalS && authMatches(m[4]!, auth, e.authPass)
  );
  if (keyIndex < 0) return { ok: false, reason: "bad_auth", source, vhid };
  return {
    ok: true,
    advert: {
      family: 4,
      vrid: vhid,
      priority: m[2]!,
      intervalCs: intervalS * 100,
      addresses: Array.from(
        { length: count },
        (_, i) => readIpv4(m, VRRP_HEADER_LENGTH + 4 * i),
      ),
    },
    source,
    dialect: null,
    keyIndex,
  };
}

function isList(
  x: Vrrp2Expect | readonly Vrrp2Expect[],
): x is readonly Vrrp2Expect[] {
  return Array.isArray(x);
}

/** Whether an advert's authentication type and data are a password's. */
function authMatches(
  type: number,
  data: Uint8Array,
  authPass: string | null,
): boolean {
  if (authPass === null) return type === VRRP2_AUTH_NONE;
  return type === VRRP2_AUTH_PASS && equal(data, vrrp2AuthData(authPass));
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * A drop as the byte-level decoders name it: the VRID under `vrid`.
 *
 * @param r A dropped verdict.
 * @returns The same, `vhid` renamed `vrid`.
 */
export function asVrridDrop(
  r: Extract<VrrpVerdict, { ok: false }>,
): { ok: false; reason: VrrpDropReason; source: PeerAddress; vrid?: number } {
  const { vhid, ...rest } = r;
  return { ...rest, ...(vhid === undefined ? {} : { vrid: vhid }) };
}
