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

export {
  VRRP_HEADER_LENGTH,
  VRRP_IPV4_STYLE,
  VRRP_MAX_INTERVAL_CS,
  VRRP_PRIORITY_BOW_OUT,
  VRRP_PROBE_VRID,
  VRRP_TOS,
  VRRP_TTL,
  VRRP_TYPE_ADVERTISEMENT,
  VRRP_VERSION,
} from "./constants.ts";
export {
  type ChecksumDialect,
  VRRP_DROP_REASONS,
  type VrrpAdvert,
  type VrrpAdvert4,
  type VrrpAdvert6,
  type VrrpDropReason,
} from "./message.ts";
export {
  type DecodedVrrp4,
  decodeVrrp4Packet,
  encodeVrrp4Message,
  encodeVrrp4Packet,
  type Vrrp4Fields,
  type VrrpAccepted4,
  type VrrpDropped4,
  type VrrpReceiveOptions,
} from "./packet.ts";
export {
  type DecodedVrrp6,
  decodeVrrp6,
  encodeVrrp6Message,
  type VrrpAccepted6,
  type VrrpDropped6,
  type VrrpReceive6Options,
} from "./packet6.ts";
export {
  type DecodedVrrp2,
  decodeVrrp2Packet,
  encodeVrrp2Packet,
  type Vrrp2Advert,
  type Vrrp2ReceiveOptions,
} from "./packet2.ts";
export {
  verifyVrrp2,
  verifyVrrp3,
  VRRP2_AUTH_LENGTH,
  VRRP2_AUTH_NONE,
  VRRP2_AUTH_PASS,
  VRRP2_VERSION,
  type Vrrp2Accept,
  type Vrrp2Expect,
  type VrrpAccept,
  type VrrpVerdict,
} from "./verify.ts";
/** Re-exported from the shared layer: the IPv6 types this API uses. */
export type { Envelope, Ipv6, Ipv6Meta } from "../net/mod.ts";
