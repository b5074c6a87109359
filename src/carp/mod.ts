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
export {
  CARP_AUTHLEN,
  CARP_BOW_OUT,
  CARP_HEADER_LENGTH,
  CARP_MAX_PASSWORD_BYTES,
  CARP_TTL,
} from "./constants.ts";
export { carpHmac, hmacMessage } from "./hmac.ts";
export {
  type AcceptedPacket,
  decodeCarp6,
  decodeCarpPacket,
  type Decoded6,
  type DecodedPacket,
  type DroppedPacket,
  encodeCarpPacket,
} from "./packet.ts";
export {
  authentic,
  type CarpAccept,
  type CarpVerdict,
  DROP_REASONS,
  type DropReason,
  verifyCarp,
} from "./verify.ts";
// Moved to src/net/; re-exported until every user imports them from there.
export {
  ALL_NODES,
  ALL_NODES_MAC,
  CARP6_GROUP,
  CARP_GROUP,
  compareIpv6,
  type Envelope,
  equalIpv6,
  ETHERTYPE_ARP,
  ETHERTYPE_IPV6,
  formatIpv4,
  formatIpv6,
  gratuitousArp,
  internetChecksum,
  IPPROTO_CARP,
  type Ipv4Fields,
  type Ipv6,
  type Ipv6Meta,
  isLinkLocal,
  isMulticast6,
  neighborAdvert,
  parseIpv4,
  parseIpv6,
  readIpv4,
  unsolicitedNa,
  writeIpv4,
} from "../net/mod.ts";
/** What an IPv4 receiver accepts (now {@linkcode CarpAccept}). */
export type { CarpAccept as ReceiveOptions } from "./verify.ts";
/** What an IPv6 receiver accepts (now {@linkcode CarpAccept}). */
export type { CarpAccept as Receive6Options } from "./verify.ts";
