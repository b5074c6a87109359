/**
 * keepalived's script and notify lines into argv, split as keepalived splits
 * them before running them.
 * @module
 */

/**
 * Splits a script line into argv as keepalived does: blanks separate
 * arguments, `'...'` and `"..."` group (quotes removed), a backslash makes the
 * next character plain.
 *
 * @param s The script text (one word of the config, quotes already removed).
 * @returns The arguments, or `null` when a quote is not closed.
 */
export function splitCommand(s: string): string[] | null {
  const out: string[] = [];
  let cur = "";
  let has = false;
  let quote: string | null = null;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quote !== null) {
      if (c === quote) quote = null;
      else if (c === "\\" && quote === '"' && i + 1 < s.length) cur += s[++i];
      else cur += c;
      continue;
    }
    if (c === "'" || c === '"') {
      quote = c;
      has = true;
    } else if (c === "\\" && i + 1 < s.length) {
      cur += s[++i];
      has = true;
    } else if (/\s/.test(c)) {
      if (has) out.push(cur);
      cur = "";
      has = false;
    } else {
      cur += c;
      has = true;
    }
  }
  if (quote !== null) return null;
  if (has) out.push(cur);
  return out;
}
