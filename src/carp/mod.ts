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
  encodeAdvert,
} from "./advert.ts";
export { CARP_BOW_OUT, CARP_MAX_PASSWORD_BYTES } from "./constants.ts";
export { encodeCarpPacket } from "./packet.ts";
export {
  type CarpAccept,
  type CarpVerdict,
  DROP_REASONS,
  type DropReason,
  verifyCarp,
} from "./verify.ts";
export { sha1 } from "./sha1.ts";
