/**
 * One ifupdown stanza with ucarp options into the lines of a `[[vhid]]`
 * table: the ucarp command line Debian's hook built, as carpd keys.
 * @module
 */

import { CARP_MAX_PASSWORD_BYTES } from "../../carp/mod.ts";
import { parseIpv4 } from "../../net/mod.ts";
import { ImportError, tomlString } from "../mod.ts";
import type { NoteAt, Parsed, Stanza, Where } from "./parser.ts";
import {
  HOOK,
  HOOK_FALSE,
  hookValue,
  integer,
  PLAIN_BOOLEAN,
  STOCK_DOWN_SCRIPT,
  STOCK_UP_SCRIPT,
  type Value,
} from "./ucarp_hook.ts";
import { aliasNotes, bareAddress, vipLine } from "./vip.ts";

const IFNAME = /^[A-Za-z0-9_.:@-]{1,15}$/;

/** A `[[vhid]]` table made from a stanza. */
export interface Vhid {
  /** The stanza it was made from. */
  stanza: Stanza;
  /** The table's lines, comments included. */
  lines: string[];
  /** The link (an address label's part before the colon). */
  iface: string;
  /** The VRID. */
  id: number;
  /** The VIP, as ucarp got it. */
  vip: string;
}

/**
 * The `[[vhid]]` table for a stanza that has `ucarp-vid`, `ucarp-vip` and
 * `ucarp-password`.
 *
 * @param st The stanza (inet).
 * @param label How notes name it (`iface NAME inet METHOD`).
 * @param parsed Every stanza read.
 * @param note Takes notes on its values.
 * @param skip Takes why it is left out (then `null` is returned).
 * @returns The table, or `null` when ucarp never ran for it.
 * @throws {ImportError} A value ucarp or carp.toml refuses.
 */
export function ucarpVhid(
  st: Stanza,
  label: string,
  parsed: Parsed,
  note: NoteAt,
  skip: (at: Where, why: string) => void,
): Vhid | null {
  const get = (name: string): Value | undefined => hookValue(st, name, note);
  const vid = get("ucarp-vid")!;
  const vipValue = get("ucarp-vip")!;
  const pass = get("ucarp-password")!;

  const id = integer(vid, 1, 255, "the id of the virtual host");
  const vip = vipValue.word;
  if (parseIpv4(vip) === null || vip === "0.0.0.0") {
    throw new ImportError(
      vipValue.at.file,
      vipValue.at.line,
      `ucarp-vip "${vip}" is not an IPv4 address such as 192.168.1.135 (ucarp speaks IPv4 only)`,
    );
  }
  const bytes = new TextEncoder().encode(pass.word).length;
  if (bytes > CARP_MAX_PASSWORD_BYTES) {
    skip(
      pass.at,
      `ucarp-password is ${bytes} bytes; ucarp refuses more than ${CARP_MAX_PASSWORD_BYTES} ("Password too long"), so it never started, and carp.toml cannot hold it either`,
    );
    return null;
  }

  let iface = st.name;
  if (!IFNAME.test(iface)) {
    throw new ImportError(
      st.file,
      st.line,
      `iface ${iface}: not an interface name of 1 to 15 letters, digits and _.:@-`,
    );
  }
  const colon = iface.indexOf(":");
  if (colon > 0) {
    iface = iface.slice(0, colon);
    note(
      st,
      `${st.name} is an address label; ucarp's -i ${st.name} worked on the link ${iface}, which carpd names instead`,
    );
  }

  const out = [`# ${label} (${st.file}:${st.line})`, "[[vhid]]"];
  out.push(`id = ${id}`, `interface = ${tomlString(iface)}`);

  const up = get("ucarp-upscript");
  const down = get("ucarp-downscript");
  const upScript = up?.word ?? STOCK_UP_SCRIPT;
  const downScript = down?.word ?? STOCK_DOWN_SCRIPT;
  const stock = upScript === STOCK_UP_SCRIPT &&
    downScript === STOCK_DOWN_SCRIPT;

  if (stock) {
    out.push(vipLine(st, vip, parsed, note));
  } else {
    out.push(
      `vips = [${
        tomlString(vip)
      }]  # as ucarp passed it to the scripts, which add it`,
    );
  }
  out.push(`password = ${tomlString(pass.word)}`);

  const address = st.options.find((o) => o.name === "address");
  if (address === undefined) {
    note(
      st,
      `${label} has no address: ${HOOK} passed an empty -s, which ucarp refuses; carpd sends from the interface's own address (no source key)`,
    );
  } else {
    const source = bareAddress(address);
    if (parseIpv4(source) === null) {
      throw new ImportError(
        address.file,
        address.line,
        `address "${address.value}" is not an IPv4 address (it is ucarp's -s)`,
      );
    }
    out.push(
      `source = ${tomlString(source)}  # iface ${st.name} address (ucarp -s)`,
    );
  }

  const advbase = get("ucarp-advbase");
  const advskew = get("ucarp-advskew");
  const deadratio = get("ucarp-deadratio");
  const base = advbase === undefined
    ? 1
    : integer(advbase, 0, 255, "seconds between adverts");
  const skew = advskew === undefined ? 0 : integer(
    advskew,
    0,
    254,
    "the skew; carpd refuses 255, the bow-out value",
  );
  const ratio = deadratio === undefined
    ? 3
    : integer(deadratio, 1, 255, "adverts a backup may miss");
  if (base === 0 && skew === 0) {
    throw new ImportError(
      advbase!.at.file,
      advbase!.at.line,
      "ucarp-advbase 0 needs a ucarp-advskew from 1 (ucarp refuses it too)",
    );
  }
  if (base * ratio >= 256) {
    const at = (deadratio ?? advbase)!.at;
    throw new ImportError(
      at.file,
      at.line,
      `advbase ${base} x deadratio ${ratio} is 256 s or more; carpd needs less (a longer master-down cannot tell a stopping master's bow-out from a live one)`,
    );
  }
  if (advbase !== undefined) out.push(`advbase = ${base}`);
  if (advskew !== undefined) out.push(`advskew = ${skew}`);
  if (deadratio !== undefined) out.push(`deadratio = ${ratio}`);

  const master = get("ucarp-master");
  if (master !== undefined) {
    const raw = master.raw;
    const preempt = !HOOK_FALSE.test(raw);
    out.push(
      `preempt = ${preempt}  # ucarp-master ${master.word}: ${
        preempt ? "-P" : "no -P"
      }`,
    );
    if (!PLAIN_BOOLEAN.test(raw)) {
      note(
        master.at,
        `ucarp-master "${raw}": ${HOOK} passes -P unless the value starts with no, off, false or 0 (case-sensitive), so preempt = ${preempt}`,
      );
    }
  }
  const nomcast = get("ucarp-nomcast");
  if (nomcast !== undefined) {
    const raw = nomcast.raw;
    const broadcast = !HOOK_FALSE.test(raw);
    if (broadcast) {
      out.push(`mode = "broadcast"  # ucarp-nomcast ${nomcast.word}: -M`);
    }
    if (!PLAIN_BOOLEAN.test(raw)) {
      note(
        nomcast.at,
        `ucarp-nomcast "${raw}": ${HOOK} passes -M unless the value starts with no, off, false or 0 (case-sensitive), so ${
          broadcast ? "broadcast" : "multicast"
        } mode`,
      );
    }
  }

  const xparam = get("ucarp-xparam");
  if (stock) {
    if (xparam !== undefined) {
      note(
        xparam.at,
        "ucarp-xparam only reaches the up/down scripts, and Debian's stock vip-up/vip-down ignore it; not carried over",
      );
    }
    aliasNotes(st, vip, parsed, note);
    out.push(
      `# No up/down scripts: Debian's stock vip-up/vip-down only ran ifup/ifdown ${st.name}:ucarp;`,
      "# carpd adds and removes the VIP itself (manage_vips = true, the default).",
    );
  } else {
    for (
      const [value, script, stockPath] of [
        [up, upScript, STOCK_UP_SCRIPT],
        [down, downScript, STOCK_DOWN_SCRIPT],
      ] as const
    ) {
      if (script === stockPath) {
        note(
          value?.at ?? st,
          `${script} (the default) runs ifup/ifdown ${st.name}:ucarp: keep the ucarp package's scripts installed, or replace it`,
        );
      }
    }
    out.push(`up_script = ${tomlString(upScript)}`);
    out.push(`down_script = ${tomlString(downScript)}`);
    if (xparam !== undefined) {
      out.push(`xparam = ${tomlString(xparam.word)}`);
    }
    out.push(
      "manage_vips = false  # as ucarp: the up/down scripts add and remove the address",
    );
  }
  return { stanza: st, lines: out, iface, id, vip };
}
