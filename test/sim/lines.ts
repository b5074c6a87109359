/**
 * Lines for a person, written at once (the simulator's and the fault
 * campaign's command lines).
 * @module
 */

const encoder = new TextEncoder();

/**
 * Writes one line to standard output.
 *
 * @param line The line, without its newline.
 */
export function say(line: string): void {
  Deno.stdout.writeSync(encoder.encode(line + "\n"));
}

/**
 * Writes one line to standard error.
 *
 * @param line The line, without its newline.
 */
export function complain(line: string): void {
  Deno.stderr.writeSync(encoder.encode(line + "\n"));
}
