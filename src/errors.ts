/**
 * What every error path needs: the message of something thrown, whatever
 * was thrown.
 * @module
 */

/**
 * The message of a thrown value.
 *
 * @param e What was thrown: an `Error`, or anything else.
 * @returns Its message, or the value as text.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { errorMessage } from "./errors.ts";
 * assert.equal(errorMessage(new Error("no such file")), "no such file");
 * assert.equal(errorMessage("plain"), "plain");
 * ```
 */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
