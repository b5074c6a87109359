/**
 * The packet-in seam, pure: what an interface accepts (from the vhids on
 * it) and what a received packet is (an advert for vhid N, or a drop with
 * its reason). The receiver only drains sockets and delivers verdicts.
 * @module
 */

export {
  type FamilyAccept,
  type InterfaceAccept,
  interfaceAccept,
  type WireEntry,
  wireEntry,
  type WireProtocol,
} from "./accept.ts";
export {
  ALL_DROP_REASONS,
  type AnyDropReason,
  classify,
  type DroppedPacket,
  type HeardAdvert,
  ROLLOUT_DROP_REASONS,
  type Verdict,
} from "./classify.ts";
export {
  type AdvertEncoder,
  advertEncoder,
  type PreparedAdvert,
  warmUpEncoder,
} from "./encode.ts";
export {
  type AdvertIdentity,
  identityChanges,
  identityOf,
} from "./identity.ts";
export {
  checkedUnder,
  type KeyRing,
  parseRing,
  resumeRing,
  ringText,
  rollOver,
  sentUnder,
  windowOpen,
} from "./rollout.ts";
