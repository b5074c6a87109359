/**
 * What goes out: a vhid's advert as bytes, for either family, by its
 * protocol's encoder, chosen once when the vhid is built. CARP's 36-byte
 * header is the same over both families (ucarp's IPv4 header around it);
 * VRRPv3 sums its checksum over each destination's pseudo-header; VRRPv2
 * carries the password. Pure.
 * @module
 */

import { type CarpAuth, encodeAdvert, encodeCarpPacket } from "../carp/mod.ts";
import type { VhidConfig } from "../config/mod.ts";
import type { ElectionAdvert } from "../fsm/mod.ts";
import { CARP6_GROUP, type Ipv6 } from "../net/mod.ts";
import {
  encodeVrrp2Packet,
  encodeVrrp4Packet,
  encodeVrrp6Message,
} from "../vrrp/mod.ts";
import { carpAuth } from "./accept.ts";
import { type AdvertIdentity, identityOf } from "./identity.ts";

/** One advert, ready to be put in packets for each destination. */
export interface PreparedAdvert {
  /**
   * The whole IPv4 packet (an IPv4 raw socket sends our own header).
   *
   * @param source Our address.
   * @param destination The group or a unicast peer.
   * @param id The IP identification.
   */
  ipv4(source: number, destination: number, id: number): Uint8Array;
  /**
   * The IPv6 payload (the kernel writes the header).
   *
   * @param source Our link-local address.
   * @param destination ff02::12 or a unicast peer.
   */
  ipv6(source: Ipv6, destination: Ipv6): Uint8Array;
}

/**
 * Encodes a vhid's adverts.
 *
 * @param advert What the election says to send.
 * @param id The vhid id to send it for (0 for a send probe).
 * @returns The advert, to be put in packets.
 */
export type AdvertEncoder = (
  advert: ElectionAdvert,
  id: number,
) => PreparedAdvert;

/**
 * A vhid's encoder, by its protocol.
 *
 * @param v The vhid's config.
 * @param identity What the adverts authenticate or list (the config's own
 *   unless a roll-out sends them under an earlier one too).
 * @returns The encoder.
 */
export function advertEncoder(
  v: VhidConfig,
  identity: AdvertIdentity = identityOf(v),
): AdvertEncoder {
  if (v.protocol === "carp") {
    return carpEncoder(carpAuth(identity.key ?? v.key, identity.vips));
  }
  const v4 = identity.vips.flatMap((x) => x.family === 4 ? [x.address] : []);
  const v6 = identity.vips.flatMap((x) => x.family === 6 ? [x.address] : []);
  if (v.vrrpVersion === 2) {
    const pass = identity.authPass;
    return (advert, vrid) => {
      const a = vrrpFields(advert);
      const fields = {
        vrid,
        priority: a.priority,
        intervalS: a.intervalCs / 100,
      };
      return {
        ipv4: (source, destination, id) =>
          encodeVrrp2Packet(
            { source, destination, id },
            { ...fields, addresses: v4 },
            pass,
          ),
        ipv6: () => new Uint8Array(0), // VRRPv2 is IPv4 only (refused by the config)
      };
    };
  }
  const dialect = v.vrrpChecksum;
  return (advert, vrid) => {
    const a = vrrpFields(advert);
    const base = { vrid, priority: a.priority, intervalCs: a.intervalCs };
    return {
      ipv4: (source, destination, id) =>
        encodeVrrp4Packet(
          { source, destination, id },
          { family: 4, ...base, addresses: v4 },
          dialect,
        ),
      ipv6: (source, destination) =>
        encodeVrrp6Message(
          { family: 6, ...base, addresses: v6 },
          source,
          destination,
        ),
    };
  };
}

function carpEncoder(auth: CarpAuth): AdvertEncoder {
  return (advert, vhid) => {
    const a = advert.protocol === "carp"
      ? advert
      : { advbase: 255, advskew: 255, counter: 0n };
    const header = encodeAdvert(
      { vhid, advbase: a.advbase, advskew: a.advskew, counter: a.counter },
      auth,
    );
    return {
      ipv4: (source, destination, id) =>
        encodeCarpPacket({ source, destination, id }, header),
      ipv6: () => header,
    };
  };
}

function vrrpFields(
  a: ElectionAdvert,
): { priority: number; intervalCs: number } {
  return a.protocol === "vrrp" ? a : { priority: 0, intervalCs: 100 };
}

/**
 * Encodes one advert of each family once and throws them away: V8
 * compiles a function on its first call, and a backup's first advert is
 * its takeover, when every millisecond counts.
 *
 * @param encoder The vhid's encoder.
 * @param advert An advert of its protocol.
 * @param families The families the vhid advertises over.
 */
export function warmUpEncoder(
  encoder: AdvertEncoder,
  advert: ElectionAdvert,
  families: ReadonlySet<4 | 6>,
): void {
  const p = encoder(advert, 1);
  if (families.has(4)) p.ipv4(1, 2, 1);
  if (families.has(6)) p.ipv6(CARP6_GROUP, CARP6_GROUP);
}
