/**
 * Which ifupdown stanzas become `[[vhid]]` tables: those Debian's ucarp hook
 * started ucarp for (not templates, not stanzas no-scripts keeps it from),
 * each VRID and VIP once; everything left out is noted.
 * @module
 */

import { ImportError } from "../mod.ts";
import type { NoteAt, Parsed, Where } from "./parser.ts";
import { HOOK, HOOK_OPTIONS } from "./ucarp_hook.ts";
import { ucarpVhid, type Vhid } from "./vhid.ts";

/**
 * The `[[vhid]]` tables of the stanzas with ucarp options, in source order.
 *
 * @param parsed Every stanza read.
 * @param note Takes a note for everything left out.
 * @returns The tables; none when no stanza has `ucarp-vid`.
 * @throws {ImportError} A value ucarp or carp.toml refuses, or every ucarp
 *   stanza left out (at the first, with why).
 */
export function convertStanzas(
  parsed: Parsed,
  note: NoteAt,
): Vhid[] {
  const vhids: Vhid[] = [];
  let anyVid = false;
  const skipped: { at: Where; why: string }[] = [];
  const skip = (at: Where, why: string): void => {
    note(at, `not imported: ${why}`);
    skipped.push({ at, why });
  };
  for (const st of parsed.stanzas) {
    const ucarp = st.options.filter((o) => o.name.startsWith("ucarp-"));
    if (ucarp.length === 0) continue;
    const label = `iface ${st.name} ${st.family} ${st.method}`;
    if (st.options.some((o) => o.name === "ucarp-vid")) anyVid = true;
    if (parsed.templates.has(st.name) && !parsed.allowed.has(st.name)) {
      skip(
        st,
        `${label} is inherited from and not listed in auto or allow-*: taken for a template`,
      );
      continue;
    }
    for (const o of ucarp) {
      if (HOOK_OPTIONS[o.name] !== undefined) continue;
      note(
        o,
        o.name === "ucarp-options"
          ? `ucarp-options is not read by ${HOOK}: ucarp never got these flags; not carried over`
          : `${o.name} is not an option of ${HOOK}: ucarp never saw it; not carried over`,
      );
    }
    const missing = ["ucarp-vid", "ucarp-vip", "ucarp-password"].filter((n) =>
      !st.options.some((o) => o.name === n)
    );
    if (missing.length > 0) {
      skip(
        st,
        `${label} has no ${
          missing.join(" or ")
        }; ${HOOK} starts ucarp only with ucarp-vid, ucarp-vip and ucarp-password`,
      );
      continue;
    }
    if (st.family !== "inet") {
      skip(
        st,
        `${label}: ucarp speaks IPv4 only (${HOOK} would pass it this stanza's ${st.family} address); write a [[vhid]] by hand for IPv6`,
      );
      continue;
    }
    const noScripts = parsed.noScripts.find((n) => glob(n.pattern, st.name));
    if (noScripts !== undefined) {
      skip(
        st,
        `${label}: no-scripts ${noScripts.pattern} (${noScripts.file}:${noScripts.line}) keeps ${HOOK} from running, so ucarp never ran for it`,
      );
      continue;
    }
    // Notes on a stanza's values count only if the stanza is imported.
    const pending: [Where, string][] = [];
    const v = ucarpVhid(st, label, parsed, (at, text) => {
      pending.push([at, text]);
    }, skip);
    if (v === null) continue;
    const twin = vhids.find((x) => x.iface === v.iface && x.id === v.id);
    if (twin !== undefined) {
      skip(
        st,
        `vhid ${v.id} on ${v.iface} is already taken by iface ${twin.stanza.name} (${twin.stanza.file}:${twin.stanza.line})`,
      );
      continue;
    }
    const same = vhids.find((x) => x.vip === v.vip);
    if (same !== undefined) {
      skip(
        st,
        `${v.vip} is already the VIP of vhid ${same.id} on ${same.iface} (${same.stanza.file}:${same.stanza.line})`,
      );
      continue;
    }
    vhids.push(v);
    for (const [at, text] of pending) note(at, text);
  }
  if (!anyVid) return [];
  const first = skipped[0];
  if (vhids.length === 0 && first !== undefined) {
    const { at, why } = first;
    throw new ImportError(
      at.file,
      at.line,
      `no [[vhid]] left to write; ${why}`,
    );
  }
  return vhids;
}

/** A shell glob (`*`, `?`, `[...]`) matched against a whole name. */
function glob(pattern: string, name: string): boolean {
  let re = "";
  for (const c of pattern) {
    re += c === "*"
      ? ".*"
      : c === "?"
      ? "."
      : c === "[" || c === "]"
      ? c
      : c.replace(/[.*+?^${}()|\\/-]/g, "\\$&");
  }
  try {
    return new RegExp(`^${re}$`).test(name);
  } catch {
    return pattern === name;
  }
}
