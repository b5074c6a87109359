/**
 * rtnetlink messages: encode requests and walk replies. No I/O here, so it is
 * unit-tested byte for byte. Layouts from `<linux/netlink.h>`,
 * `<linux/rtnetlink.h>`, `<linux/if_addr.h>` and `<linux/if_link.h>`;
 * header fields are in host order (little-endian on the supported targets),
 * addresses in network order.
 * @module
 */

import {
  AF_INET,
  AF_INET6,
  IFA_ADDRESS,
  IFA_FLAGS,
  IFA_LABEL,
  IFA_LOCAL,
  IFF_LOWER_UP,
  IFF_RUNNING,
  IFF_UP,
  IFLA_ADDRESS,
  IFLA_IFNAME,
  RT_SCOPE_UNIVERSE,
} from "./constants.ts";
import { cString, readCString } from "./c_string.ts";

/** sizeof(struct nlmsghdr). */
export const NLMSG_HDRLEN = 16;
/** sizeof(struct ifinfomsg). */
export const IFINFOMSG_LEN = 16;
/** sizeof(struct ifaddrmsg). */
export const IFADDRMSG_LEN = 8;

function align4(n: number): number {
  return (n + 3) & ~3;
}

/** One netlink message found in a buffer. */
export interface NetlinkMessage {
  type: number;
  flags: number;
  seq: number;
  /** The bytes after the header. */
  payload: Uint8Array;
}

/** A link as rtnetlink describes it. */
export interface LinkInfo {
  /** Its index. */
  index: number;
  /** Its name. */
  name: string;
  /** IFF_* (up, running, ...). */
  flags: number;
  /** Hardware address (empty when the link has none). */
  mac: Uint8Array;
  /** Administratively up and carrier present. */
  usable: boolean;
}

/** An IPv4 address on a link. */
export interface Address4Info {
  /** The address family. */
  family: 4;
  /** The index of its link. */
  index: number;
  /** The address, a network-order number. */
  address: number;
  /** Prefix length. */
  prefix: number;
  /** Its label (IFA_LABEL), such as `eth1:carp`. */
  label: string;
}

/** An IPv6 address on a link. */
export interface Address6Info {
  /** The address family. */
  family: 6;
  /** The index of its link. */
  index: number;
  /** The 16 bytes. */
  address: Uint8Array;
  /** Prefix length. */
  prefix: number;
  /** IFA_F_* (tentative, deprecated, ...), from IFA_FLAGS when present. */
  flags: number;
  /** RT_SCOPE_* (253 for link-local). */
  scope: number;
}

/** An address on a link, of either family. */
export type AddressInfo = Address4Info | Address6Info;

/** An attribute to encode. */
interface Attr {
  type: number;
  data: Uint8Array;
}

/**
 * Encodes a request: header, fixed part, attributes.
 *
 * @param type RTM_*.
 * @param flags NLM_F_*.
 * @param seq Sequence number.
 * @param fixed The family-specific struct.
 * @param attrs Attributes.
 * @returns The message.
 */
export function encodeMessage(
  type: number,
  flags: number,
  seq: number,
  fixed: Uint8Array,
  attrs: Attr[] = [],
): Uint8Array {
  let len = NLMSG_HDRLEN + align4(fixed.length);
  for (const a of attrs) len += align4(4 + a.data.length);
  const buf = new Uint8Array(len);
  const view = new DataView(buf.buffer);
  view.setUint32(0, len, true);
  view.setUint16(4, type, true);
  view.setUint16(6, flags, true);
  view.setUint32(8, seq, true);
  buf.set(fixed, NLMSG_HDRLEN);
  let off = NLMSG_HDRLEN + align4(fixed.length);
  for (const a of attrs) {
    view.setUint16(off, 4 + a.data.length, true);
    view.setUint16(off + 2, a.type, true);
    buf.set(a.data, off + 4);
    off += align4(4 + a.data.length);
  }
  return buf;
}

/**
 * Encodes a `struct ifinfomsg` for AF_UNSPEC requests.
 *
 * @param index Interface index, 0 for all.
 * @returns 16 bytes.
 */
export function ifinfomsg(index = 0): Uint8Array {
  const buf = new Uint8Array(IFINFOMSG_LEN);
  new DataView(buf.buffer).setInt32(4, index, true);
  return buf;
}

/**
 * Encodes the body of an RTM_NEWADDR/RTM_DELADDR request for one IPv4
 * address: `struct ifaddrmsg` plus IFA_LOCAL, IFA_ADDRESS and an optional
 * label.
 *
 * @param index Interface index.
 * @param address The address.
 * @param prefix Prefix length.
 * @param label Label such as `eth1:carp`, or `null`.
 * @returns The fixed part and the attributes.
 */
export function addressRequest(
  index: number,
  address: number,
  prefix: number,
  label: string | null,
): { fixed: Uint8Array; attrs: Attr[] } {
  const fixed = new Uint8Array(IFADDRMSG_LEN);
  const view = new DataView(fixed.buffer);
  fixed[0] = AF_INET;
  fixed[1] = prefix;
  fixed[3] = RT_SCOPE_UNIVERSE;
  view.setUint32(4, index, true);
  const addr = new Uint8Array(4);
  new DataView(addr.buffer).setUint32(0, address);
  const attrs: Attr[] = [
    { type: IFA_LOCAL, data: addr },
    { type: IFA_ADDRESS, data: addr },
  ];
  if (label !== null) {
    attrs.push({
      type: IFA_LABEL,
      data: cString(label),
    });
  }
  return { fixed, attrs };
}

/**
 * Splits a buffer into netlink messages; stops at anything malformed.
 *
 * @param buf What recv returned.
 * @returns The messages.
 */
export function splitMessages(buf: Uint8Array): NetlinkMessage[] {
  const out: NetlinkMessage[] = [];
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let off = 0;
  while (off + NLMSG_HDRLEN <= buf.length) {
    const len = view.getUint32(off, true);
    if (len < NLMSG_HDRLEN || off + len > buf.length) break;
    out.push({
      type: view.getUint16(off + 4, true),
      flags: view.getUint16(off + 6, true),
      seq: view.getUint32(off + 8, true),
      payload: buf.subarray(off + NLMSG_HDRLEN, off + len),
    });
    off += align4(len);
  }
  return out;
}

/**
 * Reads the errno of an NLMSG_ERROR message (0 = an ACK).
 *
 * @param payload The message payload.
 * @returns A positive errno, or 0.
 */
export function errorCode(payload: Uint8Array): number {
  if (payload.length < 4) return 0;
  return -new DataView(payload.buffer, payload.byteOffset, 4).getInt32(0, true);
}

function attributes(buf: Uint8Array, start: number): Map<number, Uint8Array> {
  const attrs = new Map<number, Uint8Array>();
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let off = start;
  while (off + 4 <= buf.length) {
    const len = view.getUint16(off, true);
    if (len < 4 || off + len > buf.length) break;
    attrs.set(
      view.getUint16(off + 2, true) & 0x3fff,
      buf.subarray(off + 4, off + len),
    );
    off += align4(len);
  }
  return attrs;
}

/**
 * Parses an RTM_NEWLINK/RTM_DELLINK payload.
 *
 * @param payload The message payload.
 * @returns The link, or `null` when too short.
 */
export function parseLink(payload: Uint8Array): LinkInfo | null {
  if (payload.length < IFINFOMSG_LEN) return null;
  const view = new DataView(
    payload.buffer,
    payload.byteOffset,
    payload.byteLength,
  );
  const flags = view.getUint32(8, true);
  const attrs = attributes(payload, IFINFOMSG_LEN);
  return {
    index: view.getInt32(4, true),
    name: readCString(attrs.get(IFLA_IFNAME)),
    flags,
    mac: attrs.get(IFLA_ADDRESS)?.slice() ?? new Uint8Array(0),
    usable: (flags & IFF_UP) !== 0 &&
      (flags & (IFF_RUNNING | IFF_LOWER_UP)) !== 0,
  };
}

/**
 * Parses an RTM_NEWADDR/RTM_DELADDR payload, IPv4 or IPv6.
 *
 * @param payload The message payload.
 * @returns The address, or `null` for other families or short messages.
 */
export function parseAddress(payload: Uint8Array): AddressInfo | null {
  if (payload.length < IFADDRMSG_LEN) return null;
  if (payload[0] === AF_INET6) return parseAddress6(payload);
  if (payload[0] !== AF_INET) return null;
  const view = new DataView(
    payload.buffer,
    payload.byteOffset,
    payload.byteLength,
  );
  const attrs = attributes(payload, IFADDRMSG_LEN);
  const local = attrs.get(IFA_LOCAL) ?? attrs.get(IFA_ADDRESS);
  if (local === undefined || local.length < 4) return null;
  return {
    family: 4,
    index: view.getUint32(4, true),
    address: new DataView(local.buffer, local.byteOffset, 4).getUint32(0),
    prefix: payload[1]!,
    label: readCString(attrs.get(IFA_LABEL)),
  };
}

function parseAddress6(payload: Uint8Array): Address6Info | null {
  const view = new DataView(
    payload.buffer,
    payload.byteOffset,
    payload.byteLength,
  );
  const attrs = attributes(payload, IFADDRMSG_LEN);
  const local = attrs.get(IFA_LOCAL) ?? attrs.get(IFA_ADDRESS);
  if (local === undefined || local.length < 16) return null;
  const wide = attrs.get(IFA_FLAGS);
  const flags = wide !== undefined && wide.length >= 4
    ? new DataView(wide.buffer, wide.byteOffset, 4).getUint32(0, true)
    : payload[2]!;
  return {
    family: 6,
    index: view.getUint32(4, true),
    address: local.slice(0, 16),
    prefix: payload[1]!,
    flags,
    scope: payload[3]!,
  };
}

/**
 * Encodes the body of an RTM_NEWADDR/RTM_DELADDR request for one IPv6
 * address: `struct ifaddrmsg`, IFA_LOCAL and IFA_FLAGS.
 *
 * @param index Interface index.
 * @param address The 16 bytes.
 * @param prefix Prefix length.
 * @param flags IFA_F_* (IFA_F_NODAD for a VIP: a tentative address cannot
 *   serve, and a duplicate found during DAD would never recover).
 * @returns The fixed part and the attributes.
 */
export function address6Request(
  index: number,
  address: Uint8Array,
  prefix: number,
  flags: number,
): { fixed: Uint8Array; attrs: Attr[] } {
  const fixed = new Uint8Array(IFADDRMSG_LEN);
  fixed[0] = AF_INET6;
  fixed[1] = prefix;
  fixed[2] = flags & 0xff; // ifa_flags, for kernels that ignore IFA_FLAGS
  new DataView(fixed.buffer).setUint32(4, index, true);
  const f = new Uint8Array(4);
  new DataView(f.buffer).setUint32(0, flags, true);
  return {
    fixed,
    attrs: [
      { type: IFA_LOCAL, data: address.slice(0, 16) },
      { type: IFA_FLAGS, data: f },
    ],
  };
}
