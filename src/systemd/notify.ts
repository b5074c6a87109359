/**
 * sd_notify without libsystemd: READY, STATUS, RELOADING, STOPPING and
 * WATCHDOG datagrams to `$NOTIFY_SOCKET`. Without that variable nothing is
 * sent. A failure to notify is logged once and never stops the daemon.
 * @module
 */

import {
  monotonicMicroseconds,
  UnixDatagram,
} from "../../ffi/unix_datagram.ts";
import type { Logger } from "../log.ts";
import { errorMessage } from "../errors.ts";

/** Talks to systemd. */
export class SystemdNotifier {
  readonly #address: string;
  readonly #socket: UnixDatagram;
  readonly #log: Logger;
  #failed = false;

  private constructor(address: string, log: Logger) {
    this.#address = address;
    this.#socket = UnixDatagram.open();
    this.#log = log;
  }

  /**
   * The notifier for this process, if systemd asked for one.
   *
   * @param env Reads an environment variable.
   * @param log For failures.
   * @returns The notifier, or `null` without `NOTIFY_SOCKET`.
   */
  static fromEnv(
    env: (name: string) => string | undefined,
    log: Logger,
  ): SystemdNotifier | null {
    const address = env("NOTIFY_SOCKET");
    if (address === undefined || address === "") return null;
    return new SystemdNotifier(address, log);
  }

  /** `READY=1` with a status line. */
  ready(status: string): void {
    this.#send(`READY=1\nSTATUS=${status}`);
  }

  /** `STATUS=` line. */
  status(status: string): void {
    this.#send(`STATUS=${status}`);
  }

  /** `RELOADING=1` with the monotonic time systemd 253+ wants. */
  reloading(): void {
    this.#send(`RELOADING=1\nMONOTONIC_USEC=${monotonicMicroseconds()}`);
  }

  /** `STOPPING=1`. */
  stopping(): void {
    this.#send("STOPPING=1");
  }

  /** `WATCHDOG=1`. */
  watchdog(): void {
    this.#send("WATCHDOG=1");
  }

  /** Closes the socket. */
  close(): void {
    this.#socket.close();
  }

  #send(message: string): void {
    try {
      this.#socket.send(this.#address, message);
      this.#failed = false;
    } catch (e) {
      if (!this.#failed) {
        this.#log.warning(
          `cannot notify systemd: ${errorMessage(e)}`,
        );
      }
      this.#failed = true;
    }
  }
}

/**
 * The watchdog interval systemd expects pings within, for this process.
 *
 * @param env Reads an environment variable.
 * @param pid Our pid.
 * @returns Milliseconds, or `null` when no watchdog is asked for us.
 */
export function watchdogIntervalMs(
  env: (name: string) => string | undefined,
  pid: number,
): number | null {
  const usec = Number(env("WATCHDOG_USEC") ?? "");
  if (!Number.isFinite(usec) || usec <= 0) return null;
  const forPid = env("WATCHDOG_PID");
  if (forPid !== undefined && forPid !== "" && Number(forPid) !== pid) {
    return null;
  }
  return usec / 1000;
}
