/**
 * A validated config as text and back, exactly: byte arrays, absent-but-
 * declared fields and non-finite numbers survive, which JSON alone loses.
 * The daemon has its config validated in a short-lived process of its own
 * (`src/cli/load_apart.ts`) and takes it back through this.
 * @module
 */

import type { Config, VhidConfig } from "./types.ts";

/** A JSON value. */
type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Tags of the values JSON cannot carry as themselves. */
const BYTES = "$bytes";
const UNDEFINED = "$undefined";
const NUMBER = "$number";

function encode(v: unknown): Json {
  if (v === undefined) return { [UNDEFINED]: true };
  if (v === null || typeof v === "boolean" || typeof v === "string") return v;
  if (typeof v === "number") {
    return Number.isFinite(v) ? v : { [NUMBER]: String(v) };
  }
  if (v instanceof Uint8Array) return { [BYTES]: [...v] };
  if (Array.isArray(v)) return v.map(encode);
  if (typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) {
    const out: { [k: string]: Json } = {};
    for (const [k, x] of Object.entries(v)) out[k] = encode(x);
    return out;
  }
  throw new TypeError(`cannot transfer a ${typeof v} (${String(v)})`);
}

function decode(v: Json): unknown {
  if (v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) return v.map(decode);
  const keys = Object.keys(v);
  if (keys.length === 1) {
    const tag = keys[0]!;
    const x = v[tag];
    if (tag === BYTES && Array.isArray(x)) {
      return new Uint8Array(x.map((b) => Number(b)));
    }
    if (tag === UNDEFINED) return undefined;
    if (tag === NUMBER && typeof x === "string") return Number(x);
  }
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = decode(v[k]!);
  return out;
}

/**
 * Vhid settings as one line of text (the running ones a daemon hands to
 * `carpd check`, secrets redacted first).
 *
 * @param vhids The settings.
 * @returns JSON text.
 */
export function vhidsToText(vhids: readonly VhidConfig[]): string {
  return JSON.stringify(encode(vhids));
}

/**
 * Vhid settings back from {@linkcode vhidsToText}'s text.
 *
 * @param text The text.
 * @returns The settings.
 * @throws {SyntaxError} When the text is no JSON.
 */
export function vhidsFromText(text: string): VhidConfig[] {
  return decode(JSON.parse(text) as Json) as VhidConfig[];
}

/**
 * A config as one line of text.
 *
 * @param config The validated config.
 * @returns JSON text.
 * @throws {TypeError} For a value that is no plain data (a bug).
 */
export function configToText(config: Config): string {
  return JSON.stringify(encode(config));
}

/**
 * The config back from {@linkcode configToText}'s text (already validated
 * where it was made; this only restores the values).
 *
 * @param text The text.
 * @returns The config.
 * @throws {SyntaxError} When the text is no JSON.
 */
export function configFromText(text: string): Config {
  return decode(JSON.parse(text) as Json) as Config;
}
