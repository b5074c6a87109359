/**
 * What the config names outside itself: a vhid's password file (read as
 * ucarp reads it) and a check's user (looked up in /etc/passwd). Problems
 * are collected, never thrown.
 * @module
 */

import { CARP_MAX_PASSWORD_BYTES } from "../../carp/mod.ts";
import { errorMessage } from "../../errors.ts";
import type { RawConfig } from "./schema.ts";
import type { FileReader } from "../mod.ts";

/** Where users are looked up (no NSS: service users live here). */
const PASSWD = "/etc/passwd";

/**
 * A file error as a user reads it.
 *
 * @param e What reading threw.
 * @returns `no such file`, `permission denied`, or the message.
 */
export function describeFileError(e: unknown): string {
  if (e instanceof Deno.errors.NotFound) return "no such file";
  if (e instanceof Deno.errors.PermissionDenied) return "permission denied";
  return errorMessage(e);
}

/**
 * A check's user from /etc/passwd.
 *
 * @param name The user name.
 * @param at The key path, for problems.
 * @param readFile Reads files.
 * @param problems Where problems go.
 * @returns The user, or `null` (a problem was recorded).
 */
export function lookupUser(
  name: string,
  at: string,
  readFile: FileReader,
  problems: string[],
): { name: string; uid: number; gid: number } | null {
  let text: string;
  try {
    text = new TextDecoder().decode(readFile(PASSWD));
  } catch (e) {
    problems.push(`${at}: ${PASSWD} cannot be read: ${describeFileError(e)}`);
    return null;
  }
  for (const line of text.split("\n")) {
    const [user, , uid, gid] = line.split(":");
    if (user === name && /^\d+$/.test(uid ?? "") && /^\d+$/.test(gid ?? "")) {
      return { name, uid: Number(uid), gid: Number(gid) };
    }
  }
  problems.push(
    `${at}: "${name}" is not allowed; expected a user listed in ${PASSWD}`,
  );
  return null;
}

/**
 * A CARP vhid's key: `password`, or the first line of `password_file`
 * (only "\n" stripped, as ucarp).
 *
 * @param v The vhid as written.
 * @param at Its key path, for problems.
 * @param readFile Reads files.
 * @param problems Where problems go.
 * @returns The key bytes and where they came from.
 */
export function readKey(
  v: RawConfig["vhid"][number],
  at: string,
  readFile: FileReader,
  problems: string[],
): { bytes: Uint8Array; source: string } {
  const none = { bytes: new Uint8Array(0), source: "" };
  if ((v.password === undefined) === (v.password_file === undefined)) {
    problems.push(`${at}: set exactly one of password and password_file`);
    return none;
  }
  if (v.password !== undefined) {
    return { bytes: new TextEncoder().encode(v.password), source: "password" };
  }
  const path = v.password_file!;
  let content: Uint8Array;
  try {
    content = readFile(path);
  } catch (e) {
    problems.push(
      `${at}.password_file: "${path}" cannot be read: ${describeFileError(e)}`,
    );
    return none;
  }
  const nl = content.indexOf(0x0a);
  const bytes = content.slice(0, nl === -1 ? content.length : nl);
  if (bytes.length === 0 || bytes.length > CARP_MAX_PASSWORD_BYTES) {
    problems.push(
      `${at}.password_file: "${path}" holds a first line of ${bytes.length} bytes; expected 1 to ${CARP_MAX_PASSWORD_BYTES} bytes (ucarp's limit)`,
    );
  }
  return { bytes, source: path };
}
