/**
 * What a peer's advert must match beyond the election, by protocol: what
 * CARP's HMAC covers (the password and the VIPs), the address list a VRRP
 * advert carries, VRRPv2's password. Two configs with the same identity
 * understand each other's adverts; a change of identity rolled out box by
 * box needs a window in which both are sent and accepted (`rollout.ts`).
 * Pure.
 * @module
 */

import type { VhidConfig, Vip } from "../config/mod.ts";
import { formatIpv4, formatIpv6, parseIpv4, parseIpv6 } from "../net/mod.ts";

/** A vhid's advert identity. */
export interface AdvertIdentity {
  /** CARP: the password bytes; otherwise `null`. */
  readonly key: Uint8Array | null;
  /** VRRPv2: the password (`null`: none); otherwise `null`. */
  readonly authPass: string | null;
  /** The VIPs. */
  readonly vips: readonly Vip[];
}

/**
 * A vhid's identity from its config.
 *
 * @param v The config.
 * @returns The identity.
 */
export function identityOf(v: VhidConfig): AdvertIdentity {
  return {
    key: v.protocol === "carp" ? v.key : null,
    authPass: v.protocol === "vrrp" && v.vrrpVersion === 2 ? v.authPass : null,
    vips: v.vips,
  };
}

function addressText(vip: Vip): string {
  const a = vip.family === 4
    ? formatIpv4(vip.address)
    : formatIpv6(vip.address);
  return `${a}/${vip.prefix}`;
}

/**
 * An identity as text, the same for the same identity whatever the order
 * of its VIPs (CARP's HMAC sorts them): to compare two, and to keep one in
 * a file.
 *
 * @param i The identity.
 * @returns The text (JSON).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { identityText, parseIdentity } from "./identity.ts";
 * const text = identityText({
 *   key: new TextEncoder().encode("s3cret"),
 *   authPass: null,
 *   vips: [{ family: 4, address: 0x0a000002, prefix: 24, text: "10.0.0.2/24" }],
 * });
 * assert.equal(text, '{"key":"733363726574","pass":null,"vips":["10.0.0.2/24"]}');
 * assert.equal(identityText(parseIdentity(text)!), text);
 * ```
 */
export function identityText(i: AdvertIdentity): string {
  return JSON.stringify({
    key: i.key === null
      ? null
      : [...i.key].map((b) => b.toString(16).padStart(2, "0")).join(""),
    pass: i.authPass,
    vips: i.vips.map(addressText).sort(),
  });
}

/**
 * Reads an identity back from {@linkcode identityText}.
 *
 * @param text The text.
 * @returns The identity, or `null` when the text is not one.
 */
export function parseIdentity(text: string): AdvertIdentity | null {
  const o = jsonObject(text);
  if (o === null) return null;
  const { key, pass, vips } = o;
  if (
    key !== null && (typeof key !== "string" || !/^([0-9a-f]{2})*$/.test(key))
  ) {
    return null;
  }
  if (pass !== null && typeof pass !== "string") return null;
  if (!Array.isArray(vips)) return null;
  const parsed: Vip[] = [];
  for (const v of vips) {
    const vip = typeof v === "string" ? parseVip(v) : null;
    if (vip === null) return null;
    parsed.push(vip);
  }
  return {
    key: key === null
      ? null
      : Uint8Array.from(key.match(/../g) ?? [], (h) => parseInt(h, 16)),
    authPass: pass,
    vips: parsed,
  };
}

function parseVip(text: string): Vip | null {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(text);
  if (m === null) return null;
  const prefix = Number(m[2]);
  const v4 = parseIpv4(m[1]!);
  if (v4 !== null && prefix <= 32) {
    return { family: 4, address: v4, prefix, text };
  }
  const v6 = parseIpv6(m[1]!);
  if (v6 !== null && prefix <= 128) {
    return { family: 6, address: v6, prefix, text };
  }
  return null;
}

/**
 * What differs between two identities, in words for the log: the
 * password, VIPs added and dropped.
 *
 * @param from The identity before.
 * @param to The identity after.
 * @returns The differences (empty when they are the same).
 */
export function identityChanges(
  from: AdvertIdentity,
  to: AdvertIdentity,
): string[] {
  const out: string[] = [];
  const a = JSON.parse(identityText(from));
  const b = JSON.parse(identityText(to));
  if (a.key !== b.key || a.pass !== b.pass) out.push("password");
  const added = (b.vips as string[]).filter((v) => !a.vips.includes(v));
  const dropped = (a.vips as string[]).filter((v) => !b.vips.includes(v));
  if (added.length > 0) out.push(`${added.join(", ")} added`);
  if (dropped.length > 0) out.push(`${dropped.join(", ")} dropped`);
  return out;
}

/**
 * Parses text that must be a JSON object.
 *
 * @param text The text.
 * @returns Its fields, or `null` when it is not a JSON object.
 */
export function jsonObject(text: string): Record<string, unknown> | null {
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch {
    return null;
  }
  return typeof o === "object" && o !== null && !Array.isArray(o)
    ? o as Record<string, unknown>
    : null;
}
