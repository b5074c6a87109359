/**
 * Logging to the local syslog (`/dev/log`), for `carpd ucarp -B`: a
 * detached daemon has no stderr, and ucarp users look for its lines in
 * syslog, under the facility of `-f`.
 * @module
 */

import { UnixDatagram } from "../ffi/unix_datagram.ts";
import { type LogLevel, PRIORITY } from "./log.ts";

/** syslog facilities by name, as ucarp's `-f` takes them. */
export const FACILITIES: ReadonlyMap<string, number> = new Map(Object.entries({
  kern: 0,
  user: 1,
  mail: 2,
  daemon: 3,
  auth: 4,
  syslog: 5,
  lpr: 6,
  news: 7,
  uucp: 8,
  cron: 9,
  authpriv: 10,
  ftp: 11,
  local0: 16,
  local1: 17,
  local2: 18,
  local3: 19,
  local4: 20,
  local5: 21,
  local6: 22,
  local7: 23,
}));

/** Where the local syslog listens. */
const SYSLOG_SOCKET = "/dev/log";

/**
 * A log sink that sends each message to the local syslog; messages are
 * dropped when there is no syslog.
 *
 * @param facility A name of {@linkcode FACILITIES} (unknown names: daemon).
 * @param ident The tag, such as `carpd`.
 * @returns A raw sink for `createLogger`.
 */
export function syslogSink(
  facility: string,
  ident: string,
): (level: LogLevel, message: string) => void {
  const code = FACILITIES.get(facility) ?? FACILITIES.get("daemon")!;
  let socket: UnixDatagram | null = null;
  try {
    socket = UnixDatagram.open();
  } catch {
    socket = null;
  }
  return (level, message) => {
    try {
      socket?.send(
        SYSLOG_SOCKET,
        `<${code * 8 + PRIORITY[level]}>${ident}[${Deno.pid}]: ${message}`,
      );
    } catch {
      // no syslog listening: nowhere to say so either
    }
  };
}
