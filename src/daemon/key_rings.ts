/**
 * The key rings of a daemon's vhids (`src/wire/rollout.ts`), kept in a
 * file next to the control socket (`/run/carp/carp.keys`, mode 0600: it
 * holds the passwords), so that a roll-out window outlives a restart of the
 * service (not a reboot), and a config changed while carpd was not running
 * (or restarted instead of reloaded) opens a window as a reload would.
 * @module
 */

import {
  type AdvertIdentity,
  type KeyRing,
  parseRing,
  resumeRing,
  ringText,
} from "../wire/mod.ts";
import type { RuntimeFiles } from "./platform.ts";

/**
 * Where a daemon keeps its key rings: next to its control socket.
 *
 * @param controlSocket The control socket's path.
 * @returns The file's path.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { keyRingsPath } from "./key_rings.ts";
 * assert.equal(keyRingsPath("/run/carp/carp.sock"), "/run/carp/carp.keys");
 * ```
 */
export function keyRingsPath(controlSocket: string): string {
  return `${controlSocket.replace(/\.sock$/, "")}.keys`;
}

/** The rings of every vhid, by key, kept in a file. */
export class KeyRings {
  readonly #files: RuntimeFiles;
  readonly #path: string;
  readonly #onError: (error: string) => void;
  readonly #rings = new Map<string, KeyRing>();

  /**
   * Reads what a previous run kept (lines it cannot read are skipped).
   *
   * @param files Where files are.
   * @param path The file ({@linkcode keyRingsPath}).
   * @param onError Told why the file could not be read or written (the
   *   rings go on in memory).
   */
  constructor(
    files: RuntimeFiles,
    path: string,
    onError: (error: string) => void,
  ) {
    this.#files = files;
    this.#path = path;
    this.#onError = onError;
    let text: string | null = null;
    try {
      text = files.read(path);
    } catch (e) {
      onError(`cannot read ${path}: ${(e as Error).message}`);
    }
    for (const line of (text ?? "").split("\n")) {
      const tab = line.indexOf("\t");
      if (tab <= 0) continue;
      const ring = parseRing(line.slice(tab + 1));
      if (ring !== null) this.#rings.set(line.slice(0, tab), ring);
    }
  }

  /**
   * The ring a vhid starts with, resuming the one kept for it, and kept.
   *
   * @param key The vhid's key (`interface/id`).
   * @param current Its identity now.
   * @param now Wall clock.
   * @param windowMs Its `rollout_window`.
   * @returns The ring.
   */
  begin(
    key: string,
    current: AdvertIdentity,
    now: number,
    windowMs: number,
  ): KeyRing {
    const ring = resumeRing(
      this.#rings.get(key) ?? null,
      current,
      now,
      windowMs,
    );
    this.keep(key, ring);
    return ring;
  }

  /**
   * Keeps a vhid's ring.
   *
   * @param key The vhid's key.
   * @param ring Its ring.
   */
  keep(key: string, ring: KeyRing): void {
    const before = this.#rings.get(key);
    this.#rings.set(key, ring);
    if (before === undefined || ringText(before) !== ringText(ring)) {
      this.#save();
    }
  }

  /**
   * Forgets a vhid the config no longer has.
   *
   * @param key The vhid's key.
   */
  forget(key: string): void {
    if (this.#rings.delete(key)) this.#save();
  }

  #save(): void {
    const text = [...this.#rings].map(([k, r]) => `${k}\t${ringText(r)}\n`)
      .join("");
    try {
      this.#files.write(this.#path, text);
    } catch (e) {
      this.#onError(`cannot write ${this.#path}: ${(e as Error).message}`);
    }
  }
}
