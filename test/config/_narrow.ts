/** Narrowing a vhid's config to its protocol's member, in tests. */

import assert from "node:assert/strict";
import type {
  CarpVhidConfig,
  VhidConfig,
  VrrpVhidConfig,
} from "../../src/config/mod.ts";

/** The vhid as a CARP one (fails the test if it is not). */
export function carpOf(v: VhidConfig | undefined): CarpVhidConfig {
  assert.equal(v?.protocol, "carp");
  return v as CarpVhidConfig;
}

/** The vhid as a VRRP one (fails the test if it is not). */
export function vrrpOf(v: VhidConfig | undefined): VrrpVhidConfig {
  assert.equal(v?.protocol, "vrrp");
  return v as VrrpVhidConfig;
}
