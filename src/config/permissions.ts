/**
 * Secrets on disk: the config (which may hold a password) and password files
 * must not be readable by other users.
 * @module
 */

import type { Config } from "./types.ts";

/**
 * Warnings for secret-bearing files that group or others can read.
 *
 * @param configPath The config file.
 * @param config What it holds (its password files are checked too).
 * @returns One sentence per loose file.
 */
export function looseSecretFiles(configPath: string, config: Config): string[] {
  const files = new Set([
    configPath,
    ...config.vhids.flatMap((v) =>
      v.protocol === "carp" && v.keySource !== "password" ? [v.keySource] : []
    ),
  ]);
  const out: string[] = [];
  for (const file of files) {
    let mode: number | null = null;
    try {
      mode = Deno.statSync(file).mode;
    } catch {
      continue; // unreadable files are reported by the loader
    }
    if (mode !== null && (mode & 0o044) !== 0) {
      const octal = (mode & 0o777).toString(8).padStart(4, "0");
      out.push(
        `"${file}" is readable by other users (mode ${octal}); it holds secrets: chmod 600 it`,
      );
    }
  }
  return out;
}
