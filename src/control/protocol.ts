/**
 * The control socket's protocol: one JSON request line, one JSON reply line.
 * @module
 */

/** A request. */
export type ControlRequest =
  | { command: "status" }
  | { command: "standby"; vhid?: number }
  | { command: "resume"; vhid?: number };

/** A reply. */
export type ControlReply =
  | { ok: true; result: unknown }
  | { ok: false; error: string };

/** Longest request accepted. */
export const MAX_REQUEST_BYTES = 4096;

/**
 * Parses a request line; never throws.
 *
 * @param line The text.
 * @returns The request, or an error message.
 */
export function parseRequest(line: string): ControlRequest | string {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return "request is not JSON";
  }
  if (typeof v !== "object" || v === null) return "request is not an object";
  const r = v as Record<string, unknown>;
  const vhid = r.vhid;
  if (
    vhid !== undefined &&
    (typeof vhid !== "number" || !Number.isInteger(vhid) || vhid < 1 ||
      vhid > 255)
  ) {
    return "vhid must be an integer from 1 to 255";
  }
  switch (r.command) {
    case "status":
      return { command: "status" };
    case "standby":
    case "resume":
      return vhid === undefined
        ? { command: r.command }
        : { command: r.command, vhid: vhid as number };
    default:
      return `unknown command ${
        JSON.stringify(r.command)
      }; expected status, standby or resume`;
  }
}
