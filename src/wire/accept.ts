/**
 * What an interface accepts: from the vhids on it, the tables each
 * protocol's verifier judges against, per family (the CARP vhids' keys and
 * addresses, the VRRPv3 and VRRPv2 VRIDs, the destinations adverts may be
 * sent to). Pure; the shell rebuilds them when a vhid, a group or an
 * address changes.
 * @module
 */

import type { CarpAccept, CarpAuth } from "../carp/mod.ts";
import type { VhidConfig, Vip } from "../config/mod.ts";
import { CARP6_GROUP, formatIpv6, type PeerAddress } from "../net/mod.ts";
import type { Vrrp2Accept, Vrrp2Expect, VrrpAccept } from "../vrrp/mod.ts";
import { type AdvertIdentity, identityOf } from "./identity.ts";

/** The wire protocol of a vhid: CARP, VRRPv3, or VRRPv2. */
export type WireProtocol = "carp" | "vrrp3" | "vrrp2";

/** What one vhid asks of its interface. */
export interface WireEntry {
  /** Its id (VRRP: the VRID). */
  id: number;
  /** What it speaks. */
  protocol: WireProtocol;
  /** The families of its VIPs: the ones it advertises and listens on. */
  families: ReadonlySet<4 | 6>;
  /**
   * CARP: the keys and addresses its peers' adverts are checked against,
   * the one in force first (a roll-out adds the earlier ones).
   */
  auth: readonly CarpAuth[] | null;
  /** VRRPv2: the interval and passwords its peers must have, likewise. */
  vrrp2: readonly Vrrp2Expect[] | null;
  /**
   * Unicast mode: its IPv4 source, where peers send to (`null` when none
   * yet, or not unicast).
   */
  unicast4: number | null;
  /** Unicast mode over IPv6: peers send to the interface's own addresses. */
  unicast6: boolean;
}

/** The tables of one family. */
export interface FamilyAccept {
  /** CARP. */
  carp: CarpAccept;
  /** VRRPv3. */
  vrrp3: VrrpAccept;
  /** VRRPv2 (always empty over IPv6). */
  vrrp2: Vrrp2Accept;
}

/** The tables of an interface, by family. */
export type InterfaceAccept = Record<4 | 6, FamilyAccept>;

/**
 * What a vhid asks of its interface, from its config.
 *
 * @param v The vhid's config.
 * @param sources The addresses its adverts go out from now (unicast peers
 *   send to its IPv4 one).
 * @param identities What peers' adverts are checked against, the one in
 *   force first (`rollout.ts`'s `checkedUnder`).
 * @returns Its entry.
 */
export function wireEntry(
  v: VhidConfig,
  sources: readonly PeerAddress[],
  identities: readonly AdvertIdentity[] = [identityOf(v)],
): WireEntry {
  const families = new Set(v.vips.map((x) => x.family));
  const unicast = v.mode === "unicast";
  const source4 = sources.find((a) => typeof a === "number") ?? null;
  const common = {
    id: v.id,
    families,
    unicast4: unicast ? source4 as number | null : null,
    unicast6: unicast,
  };
  if (v.protocol === "carp") {
    return {
      ...common,
      protocol: "carp",
      auth: identities.map((i) => carpAuth(i.key ?? v.key, i.vips)),
      vrrp2: null,
    };
  }
  return v.vrrpVersion === 2
    ? {
      ...common,
      protocol: "vrrp2",
      auth: null,
      vrrp2: identities.map((i) => ({
        intervalS: v.advertIntervalCs / 100,
        authPass: i.authPass,
      })),
    }
    : { ...common, protocol: "vrrp3", auth: null, vrrp2: null };
}

/**
 * What authenticates a CARP vhid's adverts: its key and VIPs.
 *
 * @param key The password bytes.
 * @param vips Its VIPs.
 * @returns The key with the IPv4 and IPv6 addresses apart.
 */
export function carpAuth(
  key: Uint8Array,
  vips: readonly Vip[],
): CarpAuth {
  return {
    key,
    vips: vips.flatMap((v) => v.family === 4 ? [v.address] : []),
    vips6: vips.flatMap((v) => v.family === 6 ? [v.address] : []),
  };
}

/**
 * The tables an interface judges adverts against.
 *
 * Over IPv4: every CARP vhid (whatever its VIPs' family: a BSD box may
 * carry an IPv6-only vhid's adverts over IPv4 too), the VRRPv3 vhids with
 * IPv4 VIPs, the VRRPv2 vhids; destinations: the groups joined, and the
 * unicast vhids' own sources. Over IPv6: the vhids with IPv6 VIPs;
 * destinations: ff02::12 and, for unicast, the interface's own addresses.
 *
 * @param entries The vhids on the interface.
 * @param groups4 The IPv4 groups its socket joined.
 * @param link The interface (its own IPv6 addresses), `null` when missing.
 * @returns The tables.
 */
export function interfaceAccept(
  entries: readonly WireEntry[],
  groups4: Iterable<number>,
  link: { readonly addresses6: readonly { address: Uint8Array }[] } | null,
): InterfaceAccept {
  const own6 = (link?.addresses6 ?? []).map((a) => formatIpv6(a.address));
  const out = { 4: emptyFamily(), 6: emptyFamily() };
  const to4 = new Set<PeerAddress>(groups4);
  const to6 = new Set<PeerAddress>([formatIpv6(CARP6_GROUP)]);
  for (const e of entries) {
    const four = out[4];
    if (e.protocol === "carp") four.carp.vhids.set(e.id, e.auth!);
    else if (e.protocol === "vrrp2") four.vrrp2.vrids.set(e.id, e.vrrp2!);
    else if (e.families.has(4)) four.vrrp3.vrids.add(e.id);
    if (e.unicast4 !== null) to4.add(e.unicast4);
    if (!e.families.has(6)) continue;
    const six = out[6];
    if (e.protocol === "carp") six.carp.vhids.set(e.id, e.auth!);
    else six.vrrp3.vrids.add(e.id);
    if (e.unicast6) { for (const a of own6) to6.add(a); }
  }
  for (const [family, to] of [[4, to4], [6, to6]] as const) {
    out[family].carp.destinations = to;
    out[family].vrrp3.destinations = to;
    out[family].vrrp2.destinations = to;
  }
  return out as InterfaceAccept;
}

type Mutable = {
  carp: {
    vhids: Map<number, readonly CarpAuth[]>;
    destinations?: Set<PeerAddress>;
  };
  vrrp3: { vrids: Set<number>; destinations?: Set<PeerAddress> };
  vrrp2: {
    vrids: Map<number, readonly Vrrp2Expect[]>;
    destinations?: Set<PeerAddress>;
  };
};

function emptyFamily(): Mutable {
  return {
    carp: { vhids: new Map() },
    vrrp3: { vrids: new Set() },
    vrrp2: { vrids: new Map() },
  };
}
