/**
 * The control socket's protocol: one JSON request line, one JSON reply line.
 * @module
 */

/** A request. */
export type ControlRequest =
  | { command: "status" }
  /** The running vhids' settings, secrets redacted (for `carpd check`). */
  | { command: "config" }
  /** The event stream: JSON lines until the client goes away. */
  | { command: "events" }
  /** All vhids, those of one id, or the members of one group. */
  | { command: "standby"; vhid?: number; group?: string }
  | { command: "resume"; vhid?: number; group?: string }
  /**
   * Fault injection for the test suite, refused unless the daemon started
   * with CARPD_TEST_HOOKS=1: `throw` makes the receive loop throw, `stall`
   * keeps it from serving its sockets for `ms` while timers run on,
   * `refuse_addresses` makes adding a VIP fail as the kernel would.
   */
  | { command: "test"; action: "throw" }
  | { command: "test"; action: "stall"; ms: number }
  /** `refuse_addresses`: adding addresses fails with EPERM while `on`. */
  | { command: "test"; action: "refuse_addresses"; on: boolean }
  /** `monitor_buffer`: shrinks the rtnetlink monitor's buffer, so it overflows. */
  | { command: "test"; action: "monitor_buffer"; bytes: number }
  /** `event_burst`: publishes `count` test events (a slow reader overflows). */
  | { command: "test"; action: "event_burst"; count: number };

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
    case "config":
      return { command: "config" };
    case "events":
      return { command: "events" };
    case "standby":
    case "resume": {
      const group = r.group;
      if (group !== undefined && typeof group !== "string") {
        return "group must be a string";
      }
      return {
        command: r.command,
        ...(vhid === undefined ? {} : { vhid: vhid as number }),
        ...(group === undefined ? {} : { group }),
      };
    }
    case "test": {
      if (r.action === "throw") return { command: "test", action: "throw" };
      if (r.action === "refuse_addresses" && typeof r.on === "boolean") {
        return { command: "test", action: "refuse_addresses", on: r.on };
      }
      const bytes = r.bytes;
      if (
        r.action === "monitor_buffer" && typeof bytes === "number" &&
        Number.isInteger(bytes) && bytes > 0
      ) return { command: "test", action: "monitor_buffer", bytes };
      const count = r.count;
      if (
        r.action === "event_burst" && typeof count === "number" &&
        Number.isInteger(count) && count > 0 && count <= 100_000
      ) return { command: "test", action: "event_burst", count };
      const ms = r.ms;
      if (
        r.action === "stall" && typeof ms === "number" &&
        Number.isInteger(ms) && ms > 0 && ms <= 60_000
      ) return { command: "test", action: "stall", ms };
      return 'test needs action "throw", "stall" with ms from 1 to 60000, "refuse_addresses" with on, "monitor_buffer" with bytes, or "event_burst" with count up to 100000';
    }
    default:
      return `unknown command ${
        JSON.stringify(r.command)
      }; expected status, events, standby or resume`;
  }
}
