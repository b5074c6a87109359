/**
 * What Debian's `/etc/network/if-up.d/ucarp` hook reads from a stanza, and
 * how it passed it to ucarp. For each stanza with `ucarp-vid`, `ucarp-vip`
 * and `ucarp-password` it runs
 * `ucarp -i $IFACE -s $IF_ADDRESS -B -z -v VID -p PASS -a VIP -u UP -d DOWN`
 * plus `-P` (`ucarp-master` not starting with no/off/false/0), `-k`, `-b`,
 * `-r`, `-M` (`ucarp-nomcast`, same test) and `-x`. Values are passed
 * unquoted, so ucarp took the first word of each. The default scripts,
 * `/usr/share/ucarp/vip-up` and `vip-down`, only run `ifup`/`ifdown
 * IFACE:ucarp`.
 * @module
 */

import { ImportError } from "../mod.ts";
import type { NoteAt, Stanza, Where } from "./parser.ts";

/** Debian's default up script: `ifup $1:ucarp`. */
export const STOCK_UP_SCRIPT = "/usr/share/ucarp/vip-up";
/** Debian's default down script: `ifdown $1:ucarp`. */
export const STOCK_DOWN_SCRIPT = "/usr/share/ucarp/vip-down";

/** How notes name the hook. */
export const HOOK = "Debian's if-up.d/ucarp";
/** The shell's default IFS: how the hook's unquoted values were split. */
export const IFS = /[ \t\n]+/;
/** `expr "$V" : "no\|off\|false\|0"`: anchored at the start, case-sensitive. */
export const HOOK_FALSE = /^(no|off|false|0)/;
/** Values that read as a yes or no without surprises. */
export const PLAIN_BOOLEAN = /^(yes|no|on|off|true|false|1|0)$/;

/** The options Debian's hook reads, and the ucarp flag each becomes. */
export const HOOK_OPTIONS: Record<string, string> = {
  "ucarp-vid": "-v",
  "ucarp-vip": "-a",
  "ucarp-password": "-p",
  "ucarp-upscript": "-u",
  "ucarp-downscript": "-d",
  "ucarp-master": "-P",
  "ucarp-advskew": "-k",
  "ucarp-advbase": "-b",
  "ucarp-deadratio": "-r",
  "ucarp-nomcast": "-M",
  "ucarp-xparam": "-x",
};

/** A hook option's value, as ucarp got it. */
export interface Value {
  /** The first word: what ucarp got for the flag. */
  word: string;
  /** The whole value, as ifupdown holds it. */
  raw: string;
  /** The first occurrence. */
  at: Where;
  /** The option. */
  name: string;
}

/**
 * An option as the hook passed it: unquoted, so only its first word counts.
 * Notes a repeated option, extra words and shell wildcards.
 *
 * @param st The stanza.
 * @param name The option (`ucarp-vid`, ...).
 * @param note Takes the notes.
 * @returns Its value, or `undefined` when the stanza does not set it.
 */
export function hookValue(
  st: Stanza,
  name: string,
  note: NoteAt,
): Value | undefined {
  const all = st.options.filter((o) => o.name === name);
  const first = all[0];
  if (first === undefined) return undefined;
  const raw = all.map((o) => o.value).join("\n");
  const words = raw.split(IFS);
  const secret = name === "ucarp-password";
  const flag = HOOK_OPTIONS[name]!;
  if (all.length > 1) {
    note(
      all[1]!,
      `${name} is repeated (first at ${first.file}:${first.line}): ifupdown joins the values and ${HOOK} passes them unquoted, so ucarp took the first word${
        secret ? "" : ` (${words[0]})`
      } for ${flag}; the rest is not carried over`,
    );
  } else if (words.length > 1) {
    note(
      first,
      `${name} has ${words.length} words: ${HOOK} passes it unquoted, so ucarp took the first${
        secret ? "" : ` (${words[0]})`
      } for ${flag} and the rest as separate arguments, which are not carried over`,
    );
  }
  if (/[*?[]/.test(words[0]!)) {
    note(
      first,
      `${name} holds shell wildcards; ${HOOK} passes it unquoted, so a matching file name may have replaced it; carried over as written`,
    );
  }
  return { word: words[0]!, raw, at: first, name };
}

/**
 * A hook option's value as a whole number in range.
 *
 * @param v The value.
 * @param min The lowest ucarp or carp.toml takes.
 * @param max The highest.
 * @param what What the number is, for the error.
 * @returns The number.
 * @throws {ImportError} Not a number, or out of range.
 */
export function integer(
  v: Value,
  min: number,
  max: number,
  what: string,
): number {
  if (!/^\d+$/.test(v.word)) {
    throw new ImportError(
      v.at.file,
      v.at.line,
      `${v.name} "${v.word}" is not a number (${what}, ${min} to ${max})`,
    );
  }
  const n = Number(v.word);
  if (n < min || n > max) {
    throw new ImportError(
      v.at.file,
      v.at.line,
      `${v.name} ${v.word} is out of range; expected ${what}, ${min} to ${max}`,
    );
  }
  return n;
}
