/**
 * A vrrp_instance's authentication block in carpd's model: a PASS password
 * becomes the VRRPv2 auth_pass or the CARP password; AH and VRRPv3 have none.
 * @module
 */

import { arg, errorAt, noBlock, noteAt } from "./arguments.ts";
import { VRRP2_PASS_BYTES } from "./limits.ts";
import type { Conversion, Instance } from "./model.ts";
import type { KaNode } from "./parser.ts";

/**
 * Sets an instance's password from its authentication block, with notes.
 *
 * @param c The conversion.
 * @param inst The instance (its version set).
 * @param lines The lines of its authentication block.
 * @throws {ImportError} An auth_type other than PASS or AH.
 */
export function convertAuth(
  c: Conversion,
  inst: Instance,
  lines: KaNode[],
): void {
  const where = `vrrp_instance ${inst.name}`;
  let type: KaNode | null = null;
  let pass: KaNode | null = null;
  for (const st of lines) {
    noBlock(st);
    const kw = st.words[0]!;
    if (kw === "auth_type") type = st;
    else if (kw === "auth_pass") pass = st;
    else {
      noteAt(
        c.notes,
        st,
        `${
          st.words.join(" ")
        } (${where}): not an authentication keyword; not carried over`,
      );
    }
  }
  if (type === null) {
    if (pass !== null) {
      noteAt(
        c.notes,
        pass,
        `auth_pass (${where}): no auth_type, so keepalived authenticates nothing; not carried over`,
      );
    }
    return;
  }
  const t = arg(type, 1);
  if (t === "AH") {
    noteAt(
      c.notes,
      type,
      `auth_type AH (${where}): not carried over: carpd has no IPsec AH`,
    );
    return;
  }
  if (t !== "PASS") {
    throw errorAt(type, `auth_type: "${t}" is not PASS or AH`);
  }
  if (pass === null || arg(pass, 1) === "") {
    noteAt(
      c.notes,
      type,
      `auth_type PASS (${where}): no auth_pass; not carried over`,
    );
    return;
  }
  const full = arg(pass, 1);
  const value = firstBytes(full, VRRP2_PASS_BYTES);
  const cut = value === full
    ? ""
    : ` (keepalived uses only its first ${VRRP2_PASS_BYTES} bytes, "${value}")`;
  if (c.protocol === "carp") {
    inst.authPass = value;
    inst.authWhy = "auth_pass";
    noteAt(
      c.notes,
      pass,
      `auth_pass (${where}): the CARP password${cut}; CARP signs adverts with it (HMAC-SHA1), so a longer one (up to 19 bytes) on every box is better`,
    );
  } else if (inst.version === 2) {
    inst.authPass = value;
    inst.authWhy = "auth_type PASS";
    noteAt(
      c.notes,
      pass,
      `auth_pass (${where}): carried over as auth_pass${cut}; it travels in clear text in every advert, so it is no protection`,
    );
  } else {
    noteAt(
      c.notes,
      type,
      `authentication (${where}): not carried over: VRRPv3 has no authentication (keepalived ignores it too)`,
    );
  }
}

/** The longest prefix of `s` of at most `max` UTF-8 bytes. */
function firstBytes(s: string, max: number): string {
  let out = "";
  let bytes = 0;
  for (const ch of s) {
    const n = new TextEncoder().encode(ch).length;
    if (bytes + n > max) break;
    out += ch;
    bytes += n;
  }
  return out;
}
