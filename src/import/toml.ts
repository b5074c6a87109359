/**
 * Writing TOML for generated configs: values, and the text of a whole
 * carp.toml around its tables.
 * @module
 */

/**
 * A TOML basic string: quotes, backslashes and control characters escaped.
 *
 * @param s The text.
 * @returns The quoted string.
 */
export function tomlString(s: string): string {
  // JSON's escapes (\" \\ \b \f \n \r \t \uXXXX) are all TOML escapes too.
  return JSON.stringify(s);
}

/**
 * A TOML value for a string, number, boolean or array of those.
 *
 * @param v The value.
 * @returns Its TOML text.
 */
export function tomlValue(
  v: string | number | boolean | readonly (string | number)[],
): string {
  if (typeof v === "string") return tomlString(v);
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return `[${v.map((x) => tomlValue(x)).join(", ")}]`;
}

/**
 * The text of a generated carp.toml: the header comments, a `[daemon]` table
 * that logs at info, then each table after a blank line.
 *
 * @param header The comment lines at the top.
 * @param tables The lines of each table (`[[vhid]]`, `[[check]]`, ...),
 *   comments included.
 * @returns The file's text, ending in a newline.
 */
export function carpTomlText(
  header: readonly string[],
  tables: readonly (readonly string[])[],
): string {
  const out = [...header, "", "[daemon]", 'log_level = "info"'];
  for (const t of tables) out.push("", ...t);
  return out.join("\n") + "\n";
}
