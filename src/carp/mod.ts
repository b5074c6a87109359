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
  type AcceptedPacket,
  decodeCarpPacket,
  type DecodedPacket,
  DROP_REASONS,
  type DroppedPacket,
  type DropReason,
  encodeCarpPacket,
  type Ipv4Fields,
  type ReceiveOptions,
} from "./packet.ts";
