/**
 * What an rtnetlink monitor socket reports: link and address changes, and
 * the loss of some (the socket buffer overflowed). Pure: messages in,
 * events out.
 * @module
 */

import {
  RTM_DELADDR,
  RTM_DELLINK,
  RTM_NEWADDR,
  RTM_NEWLINK,
} from "./constants.ts";
import {
  type AddressInfo,
  type LinkInfo,
  type NetlinkMessage,
  parseAddress,
  parseLink,
} from "./netlink_message.ts";

/** A link or address change seen by a monitor socket. */
export type NetlinkEvent =
  | { kind: "link"; removed: boolean; link: LinkInfo }
  | { kind: "address"; removed: boolean; address: AddressInfo }
  /** Events were lost (the socket buffer overflowed): re-read everything. */
  | { kind: "overflow" };

/**
 * The link and address changes among messages; anything else is skipped.
 *
 * @param messages What the monitor socket read, oldest first.
 * @returns The changes, in the same order.
 */
export function monitorEvents(
  messages: readonly NetlinkMessage[],
): NetlinkEvent[] {
  const out: NetlinkEvent[] = [];
  for (const m of messages) {
    if (m.type === RTM_NEWLINK || m.type === RTM_DELLINK) {
      const link = parseLink(m.payload);
      if (link) {
        out.push({ kind: "link", removed: m.type === RTM_DELLINK, link });
      }
    } else if (m.type === RTM_NEWADDR || m.type === RTM_DELADDR) {
      const address = parseAddress(m.payload);
      if (address) {
        out.push({
          kind: "address",
          removed: m.type === RTM_DELADDR,
          address,
        });
      }
    }
  }
  return out;
}
