/**
 * The VRRP wire codec, VRRPv3 (RFC 9568) and VRRPv2 (RFC 3768): pure, no
 * I/O.
 *
 * Over IPv4 it sends either checksum dialect (with the IPv4 pseudo-header as
 * keepalived and FRR do, or without as RFC 9568 5.2.8, Cisco and Juniper
 * do) and accepts both, plus keepalived 1.3.6's unicast variant, naming the
 * one a packet used. Over IPv6 the checksum always covers the pseudo-header.
 * See `../shared/research/vrrp_ipv6.md` sections 1.1 to 1.5 for the
 * contract and the test vectors.
 *
 * Addresses, the checksum, the envelope, the protocol number (112, shared
 * with CARP) and the groups (224.0.0.18 and ff02::12) come from
 * `../net/mod.ts`.
 * @module
 */

export { VRRP_PRIORITY_BOW_OUT } from "./constants.ts";
export {
  type ChecksumDialect,
  VRRP_DROP_REASONS,
  type VrrpAdvert,
  type VrrpAdvert4,
  type VrrpAdvert6,
  type VrrpDropReason,
} from "./message.ts";
export { encodeVrrp4Packet, type Vrrp4Fields } from "./packet.ts";
export { encodeVrrp6Message } from "./packet6.ts";
export { encodeVrrp2Packet, type Vrrp2Advert } from "./packet2.ts";
export {
  verifyVrrp2,
  verifyVrrp3,
  type Vrrp2Accept,
  type Vrrp2Expect,
  type VrrpAccept,
  type VrrpVerdict,
} from "./verify.ts";
/** Re-exported from the shared layer: the IPv6 types this API uses. */
export type { Envelope, Ipv6 } from "../net/mod.ts";
