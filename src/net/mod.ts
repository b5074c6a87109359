/**
 * What both protocols and both families share, pure: IPv4 and IPv6
 * addresses, the Internet checksum and pseudo-headers, the family-neutral
 * envelope of a received advert, the IPv4 header, and the frames that
 * announce a VIP (gratuitous ARP, unsolicited neighbour advertisement).
 * @module
 */

export {
  BROADCAST_MAC,
  ETHERTYPE_ARP,
  ETHERTYPE_IPV4,
  gratuitousArp,
} from "./arp.ts";
export { internetChecksum } from "./checksum.ts";
export { CARP_GROUP } from "./constants.ts";
export {
  checksumWith,
  type Envelope,
  type EnvelopeDrop,
  formatPeer,
  type Ipv4Fields,
  type Ipv4Style,
  type Ipv6Meta,
  isEnvelope,
  openEnvelope,
  openIpv4,
  openIpv6,
  type PeerAddress,
  pseudoHeader,
  type Received,
  wrapIpv4,
} from "./envelope.ts";
export { formatIpv4, parseIpv4, readIpv4, writeIpv4 } from "./ipv4_address.ts";
export {
  CARP6_GROUP,
  compareIpv6,
  equalIpv6,
  formatIpv6,
  type Ipv6,
  isLinkLocal,
  isMulticast6,
  parseIpv6,
} from "./ipv6_address.ts";
export { ALL_NODES_MAC, ETHERTYPE_IPV6, unsolicitedNa } from "./nd.ts";
