/**
 * A vrrp_instance's addresses in carpd's model: its virtual_ipaddress lines
 * into VIPs (which also set its address family), and its advert source
 * (unicast_src_ip, mcast_src_ip).
 * @module
 */

import { parseIpv4, parseIpv6 } from "../../net/mod.ts";
import { parseVipText } from "../../config/load/mod.ts";
import { blockOf, errorAt, noBlock, noteAt } from "./arguments.ts";
import { VIP_VALUE_OPTIONS } from "./keywords.ts";
import type { Conversion, Instance } from "./model.ts";
import type { KaNode } from "./parser.ts";

/**
 * Sets an instance's VIPs and address family from its virtual_ipaddress
 * lines; notes VIPs of the other family and options carpd does not take.
 *
 * @param c The conversion.
 * @param inst The instance (its interface set).
 * @param lines The lines of all its virtual_ipaddress blocks.
 * @param at Where to blame having no VIP.
 * @throws {ImportError} A line that is not an address, an option without its
 *   value, no VIP at all.
 */
export function convertVips(
  c: Conversion,
  inst: Instance,
  lines: KaNode[],
  at: KaNode,
): void {
  const where = `vrrp_instance ${inst.name}`;
  let family: 4 | 6 | null = null;
  for (const st of lines) {
    noBlock(st);
    const addr = st.words[0]!;
    const vip = parseVipText(addr);
    if (vip === null) {
      throw errorAt(
        st,
        `virtual_ipaddress: "${addr}" is not an IP address with an optional /prefix`,
      );
    }
    family ??= vip.family;
    if (vip.family !== family) {
      noteAt(
        c.notes,
        st,
        `${addr} (${where}): not carried over: keepalived ignores a VIP of another address family than the first (use a separate instance)`,
      );
      continue;
    }
    inst.vips.push(addr);
    const opts = st.words.slice(1);
    for (let i = 0; i < opts.length; i++) {
      const o = opts[i]!;
      const value = VIP_VALUE_OPTIONS.has(o) ? opts[++i] : undefined;
      if (VIP_VALUE_OPTIONS.has(o) && value === undefined) {
        throw errorAt(
          st,
          `virtual_ipaddress ${addr}: ${o} needs a value`,
        );
      }
      const text = value === undefined ? o : `${o} ${value}`;
      if (o === "dev") {
        if (value !== inst.iface) {
          noteAt(
            c.notes,
            st,
            `${addr} dev ${value} (${where}): carpd adds every VIP on the vhid's interface, ${inst.iface}`,
          );
        }
      } else if (o === "label") {
        noteAt(
          c.notes,
          st,
          `${addr} label ${value} (${where}): not carried over: carpd labels the IPv4 VIPs it adds ${inst.iface}:carp`,
        );
      } else if (o === "scope") {
        if (value !== "global") {
          noteAt(
            c.notes,
            st,
            `${addr} scope ${value} (${where}): not carried over: carpd adds VIPs with the kernel's default (global) scope`,
          );
        }
      } else {
        noteAt(
          c.notes,
          st,
          `${addr} ${text} (${where}): not carried over: carpd adds the address with its prefix only`,
        );
      }
    }
  }
  if (inst.vips.length === 0) {
    throw errorAt(
      at,
      `${where} has no virtual_ipaddress; carpd needs at least one VIP`,
    );
  }
  inst.family = family ?? 4;
}

/**
 * Keeps an instance's advert source only if carpd can send from it (an IPv4
 * address for IPv4 VIPs); notes it otherwise.
 *
 * @param c The conversion.
 * @param inst The instance (its VIPs set).
 * @throws {ImportError} A source that is not an IP address.
 */
export function convertSource(c: Conversion, inst: Instance): void {
  const s = inst.source;
  if (s === null) return;
  const where = `vrrp_instance ${inst.name}`;
  if (parseIpv4(s.addr) !== null && inst.family === 4) return;
  inst.source = null;
  if (parseIpv6(s.addr) === null && parseIpv4(s.addr) === null) {
    throw errorAt(
      lastLine(inst, s.kw),
      `${s.kw}: "${s.addr}" is not an IP address`,
    );
  }
  noteAt(
    c.notes,
    lastLine(inst, s.kw),
    `${s.kw} ${s.addr} (${where}): not carried over: ${
      inst.family === 6
        ? "carpd sends IPv6 adverts from the interface's link-local address"
        : "not an IPv4 address"
    }`,
  );
}

/** The instance's last line with keyword `kw`, or the instance. */
function lastLine(inst: Instance, kw: string): KaNode {
  return blockOf(inst.node).filter((s) => s.words[0] === kw).at(-1) ??
    inst.node;
}
