/**
 * Protocol numbers and sizes of CARP version 2, as ucarp 1.5.2 and the BSDs
 * put them on the wire.
 * @module
 */

/** CARP version carried in the high nibble of the first header byte. */
export const CARP_VERSION = 2;
/** Message type of an advertisement, the low nibble of the first byte. */
export const CARP_TYPE_ADVERTISEMENT = 1;
/** Length of counter plus HMAC in 32-bit words. */
export const CARP_AUTHLEN = 7;
/** Size of the CARP header: 8 fixed bytes, an 8-byte counter, a 20-byte HMAC. */
export const CARP_HEADER_LENGTH = 36;
/** TTL every advert must carry: proof it was not routed. */
export const CARP_TTL = 255;
/** Longest password ucarp accepts: its 20-byte key buffer keeps a NUL. */
export const CARP_MAX_PASSWORD_BYTES = 19;
/** advbase and advskew of the bow-out advert a leaving master sends. */
export const CARP_BOW_OUT = 255;
/** IPv4 type-of-service ucarp sends with (IPTOS_LOWDELAY). */
export const IPTOS_LOWDELAY = 0x10;
