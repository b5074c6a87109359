/**
 * The numbers CARP and VRRP share on the wire: the IP protocol both use and
 * the IPv4 group both send to (ff02::12, the IPv6 one, is
 * {@linkcode CARP6_GROUP} in `ipv6_address.ts`).
 * @module
 */

/** IP protocol number of VRRP, which CARP uses too. */
export const IPPROTO_CARP = 112;
/** The CARP/VRRP multicast group 224.0.0.18. */
export const CARP_GROUP = 0xe0000012;
/** TTL (IPv4) or hop limit (IPv6) every advert of either protocol carries. */
export const ADVERT_TTL = 255;
/** Length of an IPv4 header without options. */
export const IPV4_HEADER_LENGTH = 20;
