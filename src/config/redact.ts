/**
 * Vhid settings with their secrets replaced by their SHA-1 digests: two
 * configs compare the same after it exactly when they did before, so a
 * running daemon can hand its settings to `carpd check` (which says what a
 * reload would do) without a password leaving it.
 * @module
 */

import { sha1 } from "../carp/mod.ts";
import type { VhidConfig } from "./types.ts";

/**
 * A vhid's settings without its secrets.
 *
 * @param v The settings.
 * @returns The same, the CARP key and the VRRPv2 password as digests.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseConfig } from "./load/mod.ts";
 * import { redactSecrets } from "./redact.ts";
 * const v = parseConfig(
 *   '[[vhid]]\nid = 1\ninterface = "eth0"\nvips = ["10.0.0.1"]\npassword = "s3cret"\n',
 *   "carp.toml",
 *   () => new Uint8Array(),
 * ).vhids[0]!;
 * const r = redactSecrets(v);
 * assert.ok(r.protocol === "carp" && r.key.length === 20);
 * assert.deepEqual(redactSecrets(v), r); // the same settings, the same digest
 * ```
 */
export function redactSecrets(v: VhidConfig): VhidConfig {
  if (v.protocol === "carp") return { ...v, key: sha1(v.key) };
  if (v.authPass === null) return v;
  const digest = sha1(new TextEncoder().encode(v.authPass));
  return {
    ...v,
    authPass: `sha1:${
      [...digest].map((b) => b.toString(16).padStart(2, "0")).join("")
    }`,
  };
}
