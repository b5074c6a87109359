/**
 * Writing TOML values for generated configs.
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
