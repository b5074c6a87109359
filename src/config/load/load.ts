/**
 * Loading `carp.toml`: TOML, then the schema, then the rules that span
 * fields and the files the config names (`resolve.ts`). Every problem is
 * reported with its key path, the value found and what is allowed; all of
 * them at once.
 * @module
 */

import { parse as parseToml, TomlError } from "smol-toml";
import type { z } from "zod";
import { type Config, ConfigError, type FileReader } from "../mod.ts";
import { resolve } from "./resolve.ts";
import { configSchema } from "./schema.ts";
import { describeFileError } from "./secrets.ts";

/**
 * Loads and validates a config file.
 *
 * @param path The TOML file.
 * @returns The config.
 * @throws {ConfigError} Listing every problem.
 */
export function loadConfig(path: string): Config {
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (e) {
    throw new ConfigError(path, [
      `cannot read the file: ${describeFileError(e)}`,
    ]);
  }
  return parseConfig(text, path, (p) => Deno.readFileSync(p));
}

/**
 * Validates config text.
 *
 * @param text TOML.
 * @param file Its name, for messages.
 * @param readFile Reads password files.
 * @returns The config.
 * @throws {ConfigError} Listing every problem.
 */
export function parseConfig(
  text: string,
  file: string,
  readFile: FileReader,
): Config {
  let doc: unknown;
  try {
    doc = parseToml(text);
  } catch (e) {
    if (e instanceof TomlError) {
      const first = e.message.split("\n")[0];
      throw new ConfigError(file, [
        `line ${e.line}, column ${e.column}: invalid TOML: ${first}`,
      ]);
    }
    throw e;
  }
  const parsed = configSchema.safeParse(doc, { reportInput: true });
  if (!parsed.success) {
    throw new ConfigError(file, parsed.error.issues.map(formatIssue));
  }
  const problems: string[] = [];
  const config = resolve(parsed.data, readFile, problems);
  if (problems.length > 0) throw new ConfigError(file, problems);
  return config;
}

/**
 * Renders a zod issue as `path: value is not allowed; expected ...`.
 *
 * @param issue The issue.
 * @returns One line.
 */
function formatIssue(issue: z.core.$ZodIssue): string {
  const path = formatPath(issue.path);
  if (issue.code === "unrecognized_keys") {
    const where = path === "" ? "" : `${path}.`;
    return issue.keys.map((k) => `${where}${k}: unknown key`).join("\n  ");
  }
  const shown = "input" in issue && issue.input !== undefined
    ? `${showValue(issue.input, path)} is not allowed`
    : "is missing";
  return `${
    path === "" ? "(top level)" : path
  }: ${shown}; expected ${issue.message}`;
}

function formatPath(path: PropertyKey[]): string {
  let out = "";
  for (const p of path) {
    out += typeof p === "number"
      ? `[${p}]`
      : out === ""
      ? String(p)
      : `.${String(p)}`;
  }
  return out;
}

function showValue(value: unknown, path: string): string {
  if (/(^|\.)(password|auth_pass)$/.test(path)) {
    return "(the password, not shown)";
  }
  const s = JSON.stringify(value, (_, v) => typeof v === "bigint" ? `${v}` : v);
  return s === undefined
    ? String(value)
    : s.length > 60
    ? `${s.slice(0, 57)}...`
    : s;
}
