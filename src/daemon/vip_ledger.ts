/**
 * The addresses this carpd added, by interface name, kept in a file under
 * `/run/carp` so that they are known across the daemon's own crashes and
 * restarts (not across a reboot: the addresses go with it). A VIP dropped
 * from the config while carpd was dead, or by a reload, is found here and
 * removed; an address carpd did not add, or another carpd instance added
 * (each has its own file), is never touched. Neither a label (IPv6
 * addresses carry none, and `<interface>:carp` does not fit the kernel's 15
 * characters for long names) nor the config can say this.
 *
 * An address is written down before the kernel is asked to add it, so a
 * crash between the two leaves an entry for an address that may not be
 * there (removing it is harmless), never an address without an entry.
 * @module
 */

import type { Vip } from "../config/mod.ts";
import { formatIpv4, formatIpv6, parseIpv4, parseIpv6 } from "../net/mod.ts";
import type { RuntimeFiles } from "./platform.ts";

/** One address carpd added. */
export interface LedgerEntry {
  /** The interface's name (its index changes when it is re-created). */
  interface: string;
  /** The address with its prefix length. */
  vip: Vip;
}

/** An entry as this run knows it: with the add that wrote it down. */
interface Written extends LedgerEntry {
  serial: number;
}

/**
 * Where a daemon keeps its ledger: next to its control socket, which is
 * the daemon's own (two instances cannot share one).
 *
 * @param controlSocket The control socket's path.
 * @returns The ledger's path.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ledgerPath } from "./vip_ledger.ts";
 * assert.equal(ledgerPath("/run/carp/carp.sock"), "/run/carp/carp.vips");
 * assert.equal(ledgerPath("/run/carp/other"), "/run/carp/other.vips");
 * ```
 */
export function ledgerPath(controlSocket: string): string {
  return `${controlSocket.replace(/\.sock$/, "")}.vips`;
}

/** The ledger's own key for an address on an interface. */
function entryKey(iface: string, vip: Vip): string {
  const address = vip.family === 4
    ? formatIpv4(vip.address)
    : formatIpv6(vip.address);
  return `${iface} ${address}/${vip.prefix}`;
}

/** The addresses a daemon added, kept in a file. */
export class VipLedger {
  readonly #files: RuntimeFiles;
  readonly #path: string;
  readonly #onWriteError: (error: string) => void;
  readonly #entries = new Map<string, Written>();
  #serial = 0;

  /**
   * Reads the ledger a previous run of this daemon left (a file that
   * cannot be read or parsed counts as empty; the error is reported).
   *
   * @param files Where files are.
   * @param path The ledger's path ({@linkcode ledgerPath}).
   * @param onWriteError Told why the file could not be read or written
   *   (the ledger goes on in memory).
   */
  constructor(
    files: RuntimeFiles,
    path: string,
    onWriteError: (error: string) => void,
  ) {
    this.#files = files;
    this.#path = path;
    this.#onWriteError = onWriteError;
    try {
      for (const e of parseLedger(files.read(path) ?? "")) {
        this.#entries.set(entryKey(e.interface, e.vip), {
          ...e,
          serial: ++this.#serial,
        });
      }
    } catch (e) {
      onWriteError(`cannot read ${path}: ${(e as Error).message}`);
    }
  }

  /** Every address written down, in the order they were added. */
  entries(): LedgerEntry[] {
    return [...this.#entries.values()].map((e) => ({
      interface: e.interface,
      vip: e.vip,
    }));
  }

  /**
   * Which add wrote an address down, to strike it out later only if no
   * add came since (a removal still under way when the vhid takes the
   * address again must not strike out the new add).
   *
   * @param iface The interface's name.
   * @param vip The address.
   * @returns A serial, or `null` when it is not written down.
   */
  serial(iface: string, vip: Vip): number | null {
    return this.#entries.get(entryKey(iface, vip))?.serial ?? null;
  }

  /**
   * Whether an address is written down.
   *
   * @param iface The interface's name.
   * @param vip The address.
   * @returns `true` when carpd added it (or was about to).
   */
  has(iface: string, vip: Vip): boolean {
    return this.#entries.has(entryKey(iface, vip));
  }

  /**
   * Writes an address down (before adding it).
   *
   * @param iface The interface's name.
   * @param vip The address.
   */
  add(iface: string, vip: Vip): void {
    const key = entryKey(iface, vip);
    const had = this.#entries.has(key);
    this.#entries.set(key, { interface: iface, vip, serial: ++this.#serial });
    if (!had) this.#save();
  }

  /**
   * Strikes an address out (it is gone, or it was never ours).
   *
   * @param iface The interface's name.
   * @param vip The address.
   * @param serial Only if no add came since this one ({@linkcode serial}).
   */
  remove(iface: string, vip: Vip, serial?: number | null): void {
    const key = entryKey(iface, vip);
    const e = this.#entries.get(key);
    if (e === undefined) return;
    if (serial !== undefined && serial !== null && e.serial !== serial) return;
    this.#entries.delete(key);
    this.#save();
  }

  #save(): void {
    try {
      this.#files.write(this.#path, formatLedger(this.entries()));
    } catch (e) {
      this.#onWriteError(`cannot write ${this.#path}: ${(e as Error).message}`);
    }
  }
}

/**
 * The ledger as text: one `interface address/prefix` per line.
 *
 * @param entries The entries.
 * @returns The text.
 */
export function formatLedger(entries: readonly LedgerEntry[]): string {
  return entries.map((e) => `${entryKey(e.interface, e.vip)}\n`).join("");
}

/**
 * Reads a ledger's text; lines it cannot read are skipped (a file cut by
 * a crash loses its last line at most).
 *
 * @param text The text.
 * @returns The entries.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatLedger, parseLedger } from "./vip_ledger.ts";
 * const entries = parseLedger("eth0 10.0.0.2/24\neth0 2001:db8::2/64\nbad\n");
 * assert.equal(entries.length, 2);
 * assert.equal(entries[1]!.vip.text, "2001:db8::2/64");
 * assert.equal(formatLedger(entries), "eth0 10.0.0.2/24\neth0 2001:db8::2/64\n");
 * ```
 */
export function parseLedger(text: string): LedgerEntry[] {
  const out: LedgerEntry[] = [];
  for (const line of text.split("\n")) {
    const m = /^(\S+) (\S+)\/(\d{1,3})$/.exec(line.trim());
    if (m === null) continue;
    const [, iface, address, prefixText] = m as unknown as [
      string,
      string,
      string,
      string,
    ];
    const prefix = Number(prefixText);
    const v4 = parseIpv4(address);
    if (v4 !== null && prefix <= 32) {
      out.push({
        interface: iface,
        vip: { family: 4, address: v4, prefix, text: `${address}/${prefix}` },
      });
      continue;
    }
    const v6 = parseIpv6(address);
    if (v6 !== null && prefix <= 128) {
      out.push({
        interface: iface,
        vip: { family: 6, address: v6, prefix, text: `${address}/${prefix}` },
      });
    }
  }
  return out;
}
