/**
 * Numbers of VRRP version 3 (RFC 9568) as they go on the wire, and as
 * keepalived 2.2.7 and FRR send them.
 * @module
 */

/** VRRP version carried in the high nibble of the first byte. */
export const VRRP_VERSION = 3;
/** Message type of an advertisement, the low nibble of the first byte. */
export const VRRP_TYPE_ADVERTISEMENT = 1;
/** Size of the fixed part of a message, before the addresses. */
export const VRRP_HEADER_LENGTH = 8;
/** TTL (IPv4) or hop limit (IPv6) every advert must carry (RFC 9568 5.1.1.3). */
export const VRRP_TTL = 255;
/** IPv4 type of service keepalived and FRR send with (DSCP CS6). */
export const VRRP_TOS = 0xc0;
/** Largest Max Advertise Interval: 12 bits of centiseconds (40.95 s). */
export const VRRP_MAX_INTERVAL_CS = 4095;
/** Priority of the advert an Active router sends as it leaves. */
export const VRRP_PRIORITY_BOW_OUT = 0;
/** The VRID of a send probe: no router serves it (valid ones are 1-255). */
export const VRRP_PROBE_VRID = 0;
/** The IPv4 header keepalived writes: TOS 0xc0 (DSCP CS6), no DF. */
export const VRRP_IPV4_STYLE = { tos: VRRP_TOS, dontFragment: false };
