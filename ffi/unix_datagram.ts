/**
 * AF_UNIX datagram sockets, for sd_notify: filesystem paths and abstract
 * (`@name`) addresses.
 * @module
 */

import {
  AF_UNIX,
  CLOCK_MONOTONIC,
  SOCK_CLOEXEC,
  SOCK_DGRAM,
  SOCK_NONBLOCK,
} from "./constants.ts";
import { openSocket, OwnedFd } from "./fd.ts";
import { SyscallError } from "./errors.ts";
import { errno, fail, libc } from "./libc.ts";

/** sizeof(struct sockaddr_un). */
export const SOCKADDR_UN_SIZE = 110;
/** sizeof(struct timespec). */
const TIMESPEC_SIZE = 16;
/** Room for one datagram read back (tests play systemd with it). */
const RECEIVE_SIZE = 4096;

/**
 * Encodes a `struct sockaddr_un` and its length: a path keeps its NUL; an
 * abstract name (`@name`) starts with a NUL byte and has none at the end.
 *
 * @param address A path or `@name`.
 * @returns The address bytes (exactly `length` long).
 * @throws {RangeError} When the address does not fit.
 */
export function sockaddrUn(address: string): Uint8Array {
  const abstract = address.startsWith("@");
  const name = new TextEncoder().encode(abstract ? address.slice(1) : address);
  const length = 2 + name.length + 1;
  if (address.length <= 1 || length > SOCKADDR_UN_SIZE) {
    throw new RangeError(
      `Cannot use unix socket address "${address}": empty or longer than 107 bytes`,
    );
  }
  const buf = new Uint8Array(length);
  new DataView(buf.buffer).setUint16(0, AF_UNIX, true);
  buf.set(name, abstract ? 3 : 2); // abstract: sun_path[0] stays 0; path: NUL at the end
  return buf;
}

/** An AF_UNIX datagram socket. */
export class UnixDatagram extends OwnedFd {
  readonly #rx = new Uint8Array(RECEIVE_SIZE);

  private constructor(fd: number, what: string) {
    super(fd, what);
  }

  /** Opens an unbound socket for sending. */
  static open(): UnixDatagram {
    const what = "unix datagram socket";
    return new UnixDatagram(
      openSocket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, what),
      what,
    );
  }

  /**
   * Opens a socket bound to `address`, to receive (tests use it as systemd).
   *
   * @param address A path or `@name`.
   * @returns The socket.
   */
  static listen(address: string): UnixDatagram {
    const s = UnixDatagram.open();
    const addr = sockaddrUn(address);
    if (libc.bind(s.fd, addr, addr.length) < 0) {
      const err = errno();
      s.close();
      throw new SyscallError(
        "bind",
        `unix datagram socket to "${address}"`,
        err,
      );
    }
    return s;
  }

  /**
   * Sends one datagram.
   *
   * @param address A path or `@name`.
   * @param message The text.
   * @throws {SyscallError} Naming the address.
   */
  send(address: string, message: string): void {
    const err = this.sendTo(
      new TextEncoder().encode(message),
      sockaddrUn(address),
      `to "${address}"`,
    );
    if (err !== null) throw err;
  }

  /** Takes one waiting datagram, or `null`. */
  receive(): string | null {
    const n = this.receiveInto(this.#rx);
    return n === null
      ? null
      : new TextDecoder().decode(this.#rx.subarray(0, n));
  }
}

/**
 * CLOCK_MONOTONIC in microseconds, as systemd wants in `MONOTONIC_USEC`.
 *
 * @returns Microseconds since boot (excluding suspend).
 */
export function monotonicMicroseconds(): bigint {
  const ts = new Uint8Array(TIMESPEC_SIZE);
  if (libc.clock_gettime(CLOCK_MONOTONIC, ts) < 0) {
    fail("clock_gettime", "CLOCK_MONOTONIC");
  }
  const view = new DataView(ts.buffer);
  return view.getBigInt64(0, true) * 1_000_000n +
    view.getBigInt64(8, true) / 1000n;
}
