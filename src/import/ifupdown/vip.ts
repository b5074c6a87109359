/**
 * A ucarp VIP in carp.toml: its prefix, from the stanza that holds the
 * address, and what Debian's stock vip-up/vip-down did with the
 * `IFACE:ucarp` stanza that carpd's own VIP handling does not.
 * @module
 */

import { parseIpv4 } from "../../net/mod.ts";
import { ImportError, tomlString } from "../mod.ts";
import type { NoteAt, Option, Parsed, Stanza } from "./parser.ts";
import { IFS } from "./ucarp_hook.ts";

/** Options of the `IFACE:ucarp` stanza that carpd's own VIP handling covers. */
const ALIAS_ADDRESS_OPTIONS = new Set(["address", "netmask"]);

/**
 * `vips = [...]` for carpd to add: the prefix from the stanza holding the VIP
 * (the `IFACE:ucarp` one first), else /32 with a note.
 *
 * @param st The stanza with the ucarp options.
 * @param vip The VIP, as ucarp got it.
 * @param parsed Every stanza read.
 * @param note Takes the notes.
 * @returns The `vips` line, commented with where the prefix came from.
 * @throws {ImportError} A netmask or prefix length that is not one.
 */
export function vipLine(
  st: Stanza,
  vip: string,
  parsed: Parsed,
  note: NoteAt,
): string {
  const holds = (s: Stanza): boolean =>
    s !== st && s.family === "inet" &&
    s.options.some((o) => o.name === "address" && bareAddress(o) === vip);
  const alias =
    parsed.stanzas.find((s) => s.name === `${st.name}:ucarp` && holds(s)) ??
      parsed.stanzas.find(holds);
  if (alias === undefined) {
    note(
      st,
      `no iface stanza has address ${vip}: carpd adds it as ${vip}/32`,
    );
    return `vips = [${tomlString(`${vip}/32`)}]  # no stanza gives a netmask`;
  }
  const address = alias.options.find((o) =>
    o.name === "address" && bareAddress(o) === vip
  )!;
  const netmask = alias.options.find((o) => o.name === "netmask");
  const cidr = /\/(\d+)$/.exec(address.value.split(IFS)[0]!);
  let prefix = 32;
  let origin: Option | null = null;
  if (netmask !== undefined) {
    prefix = prefixOf(netmask);
    origin = netmask;
  } else if (cidr !== null) {
    prefix = Number(cidr[1]);
    if (prefix > 32) {
      throw new ImportError(
        address.file,
        address.line,
        `address "${address.value}": the prefix length is over 32`,
      );
    }
    origin = address;
  }
  const text = tomlString(`${vip}/${prefix}`);
  if (origin === null) {
    return `vips = [${text}]  # iface ${alias.name} has no netmask: /32, as ifup added it`;
  }
  return `vips = [${text}]  # from iface ${alias.name} ${origin.name} (${origin.file}:${origin.line})`;
}

function prefixOf(o: Option): number {
  const v = o.value.split(IFS)[0]!;
  if (/^\d{1,2}$/.test(v) && Number(v) <= 32) return Number(v);
  const mask = parseIpv4(v);
  if (mask !== null) {
    const inverted = ~mask >>> 0;
    if ((inverted & (inverted + 1)) === 0) {
      return 32 - Math.log2(inverted + 1);
    }
  }
  throw new ImportError(
    o.file,
    o.line,
    `netmask "${o.value}" is neither a dotted mask such as 255.255.255.0 nor a length such as 24`,
  );
}

/**
 * Notes what Debian's stock vip-up/vip-down did that carpd's own VIP handling
 * does not: the `IFACE:ucarp` stanza's other options, its other families, an
 * `auto` line for it, or its absence.
 *
 * @param st The stanza with the ucarp options.
 * @param vip The VIP, as ucarp got it.
 * @param parsed Every stanza read.
 * @param note Takes the notes.
 */
export function aliasNotes(
  st: Stanza,
  vip: string,
  parsed: Parsed,
  note: NoteAt,
): void {
  const name = `${st.name}:ucarp`;
  const aliases = parsed.stanzas.filter((s) => s.name === name);
  const inet = aliases.filter((s) => s.family === "inet");
  if (inet.length === 0) {
    note(
      st,
      `no iface ${name} inet stanza: Debian's vip-up runs ifup ${name}, which then fails, so ucarp never added ${vip}; carpd adds it`,
    );
  }
  inet.forEach((a, i) => {
    const address = a.options.find((o) => o.name === "address");
    const own = address === undefined ? "(none)" : bareAddress(address);
    if (i > 0) {
      note(
        a,
        `iface ${name} is given again: vip-up added its address ${own} too; not carried over`,
      );
      return;
    }
    if (own !== vip) {
      note(
        a,
        `iface ${name} has address ${own}, not ucarp-vip ${vip}: vip-up added that one; carpd adds ${vip}, the address ucarp advertised`,
      );
    }
    for (const o of a.options) {
      if (ALIAS_ADDRESS_OPTIONS.has(o.name)) continue;
      note(
        o,
        `iface ${name} ${o.name}: vip-up ran it through ifup ${name}; carpd only adds the address, so it is not carried over`,
      );
    }
  });
  for (const a of aliases) {
    if (a.family === "inet") continue;
    note(
      a,
      `iface ${name} ${a.family}: vip-up brought it up too; not carried over (ucarp is IPv4 only)`,
    );
  }
  const auto = parsed.allowed.get(name);
  if (auto !== undefined) {
    note(
      auto,
      `${auto.how} ${name}: ifup brings ${name} up outside ucarp's control (at boot for auto), on every node; remove it when carpd manages ${vip}`,
    );
  }
}

/**
 * An `address` option's address, as ifupdown's `inet static` keeps it.
 *
 * @param o The option.
 * @returns Its first word, without a `/prefix`.
 */
export function bareAddress(o: Option): string {
  return o.value.split(IFS)[0]!.replace(/\/\d*$/, "");
}
