/**
 * The CARP wire codec: pure, no I/O.
 *
 * Adverts are byte for byte what ucarp 1.5.2 sends, HMAC-SHA1 included. See
 * `../shared/research/ucarp.md` sections 1 and 2 for the contract.
 * @module
 */

export {
  type Advert,
  type AdvertFields,
  type CarpAuth,
  decodeAdvertHeader,
  encodeAdvert,
  encodeAdvertHeader,
  hashedIpv6,
} from "./advert.ts";
export { ETHERTYPE_ARP, gratuitousArp } from "./arp.ts";
export { internetChecksum } from "./checksum.ts";
export {
  CARP_AUTHLEN,
  CARP_BOW_OUT,
  CARP_GROUP,
  CARP_HEADER_LENGTH,
  CARP_MAX_PASSWORD_BYTES,
  CARP_TTL,
  IPPROTO_CARP,
} from "./constants.ts";
export { carpHmac, hmacMessage } from "./hmac.ts";
export { formatIpv4, parseIpv4, readIpv4, writeIpv4 } from "./ipv4_address.ts";
export {
  ALL_NODES,
  CARP6_GROUP,
  compareIpv6,
  equalIpv6,
  formatIpv6,
  type Ipv6,
  isLinkLocal,
  isMulticast6,
  parseIpv6,
} from "./ipv6_address.ts";
export {
  ALL_NODES_MAC,
  ETHERTYPE_IPV6,
  neighborAdvert,
  unsolicitedNa,
} from "./nd.ts";
export {
  decodeCarp6,
  type Decoded6,
  type Ipv6Meta,
  type Receive6Options,
} from "./packet6.ts";
export {
  type AcceptedPacket,
  authentic,
  decodeCarpPacket,
  type DecodedPacket,
  DROP_REASONS,
  type DroppedPacket,
  type DropReason,
  encodeCarpPacket,
  type Ipv4Fields,
  type ReceiveOptions,
} from "./packet.ts";
