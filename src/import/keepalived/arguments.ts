/**
 * A keepalived statement's parts as conversion reads them (its name, block,
 * words, integers, seconds, booleans), with errors and notes that name its
 * file and line.
 * @module
 */

import { ImportError } from "../mod.ts";
import type { KaNode, OrderedNote } from "./parser.ts";

/**
 * Takes a note on a statement.
 *
 * @param notes Where notes go.
 * @param n The statement.
 * @param text What was not carried over as it was, and why.
 */
export function noteAt(notes: OrderedNote[], n: KaNode, text: string): void {
  notes.push({ file: n.file, line: n.line, order: n.order, text });
}

/**
 * An error at a statement.
 *
 * @param n The statement.
 * @param what What is wrong with it.
 * @returns The error, to throw.
 */
export function errorAt(n: KaNode, what: string): ImportError {
  return new ImportError(n.file, n.line, what);
}

/**
 * The name after a keyword (`vrrp_instance NAME`); notes words after it.
 *
 * @param notes Where notes go.
 * @param n The statement.
 * @returns The name.
 * @throws {ImportError} No name.
 */
export function nameArg(notes: OrderedNote[], n: KaNode): string {
  const name = n.words[1];
  if (name === undefined || name === "") {
    throw errorAt(n, `${n.words[0]} needs a name`);
  }
  extraWords(notes, n, 2);
  return name;
}

/**
 * A statement's block.
 *
 * @param n The statement.
 * @returns The statements in its `{ }`.
 * @throws {ImportError} It has no block.
 */
export function blockOf(n: KaNode): KaNode[] {
  if (n.block === null) {
    throw errorAt(n, `${n.words[0]} needs a { ... } block`);
  }
  return n.block;
}

/**
 * Refuses a block where none belongs.
 *
 * @param n The statement.
 * @throws {ImportError} It has a block.
 */
export function noBlock(n: KaNode): void {
  if (n.block !== null) {
    throw errorAt(n, `${n.words[0]} takes no { ... } block`);
  }
}

/**
 * A word of a statement.
 *
 * @param n The statement.
 * @param i Its index (0 is the keyword).
 * @returns The word.
 * @throws {ImportError} The statement is shorter.
 */
export function arg(n: KaNode, i: number): string {
  const v = n.words[i];
  if (v === undefined) throw errorAt(n, `${n.words[0]} needs a value`);
  return v;
}

/**
 * Notes words after the first `count` (keyword included).
 *
 * @param notes Where notes go.
 * @param n The statement.
 * @param count The words it takes.
 * @param why Why the rest does not matter.
 */
export function extraWords(
  notes: OrderedNote[],
  n: KaNode,
  count: number,
  why = "keepalived ignores them",
): void {
  if (n.words.length > count) {
    noteAt(
      notes,
      n,
      `${n.words[0]}: the words after "${n.words[count - 1]}" (${
        n.words.slice(count).join(" ")
      }) are not carried over; ${why}`,
    );
  }
}

/**
 * A word as an integer.
 *
 * @param n The statement.
 * @param i The word's index.
 * @param min The lowest allowed.
 * @param max The highest allowed.
 * @returns The integer.
 * @throws {ImportError} Missing, not an integer, or out of range.
 */
export function intArg(n: KaNode, i: number, min: number, max: number): number {
  const v = arg(n, i);
  const x = Number(v);
  if (!/^[-+]?\d+$/.test(v) || x < min || x > max) {
    throw errorAt(
      n,
      `${n.words[0]}: "${v}" is not an integer from ${min} to ${max}`,
    );
  }
  return x;
}

/**
 * A word as a number of seconds (a decimal, no sign or exponent).
 *
 * @param n The statement.
 * @param i The word's index.
 * @param min The lowest allowed.
 * @param max The highest allowed.
 * @param positive Whether 0 is refused.
 * @returns The number.
 * @throws {ImportError} Missing, not a decimal, or out of range.
 */
export function secondsArg(
  n: KaNode,
  i: number,
  min: number,
  max: number,
  positive = false,
): number {
  const v = arg(n, i);
  const x = Number(v);
  if (
    !/^(\d+(\.\d*)?|\.\d+)$/.test(v) || x < min || x > max ||
    (positive && x === 0)
  ) {
    throw errorAt(
      n,
      `${n.words[0]}: "${v}" is not a number of seconds from ${
        positive ? "above " : ""
      }${min} to ${max}`,
    );
  }
  return x;
}

/**
 * A switch: no word is on; on/true/yes or off/false/no, any case.
 *
 * @param n The statement.
 * @returns Whether it is on.
 * @throws {ImportError} Another word.
 */
export function boolArg(n: KaNode): boolean {
  const v = n.words[1];
  if (v === undefined) return true;
  if (/^(on|true|yes)$/i.test(v)) return true;
  if (/^(off|false|no)$/i.test(v)) return false;
  throw errorAt(
    n,
    `${n.words[0]}: "${v}" is not on, off, true, false, yes or no`,
  );
}
