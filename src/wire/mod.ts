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
  type Verdict,
} from "./classify.ts";
export {
  type AdvertEncoder,
  advertEncoder,
  type PreparedAdvert,
  warmUpEncoder,
} from "./encode.ts";
