/**
 * A file descriptor owned by one object: idempotent close, `using` support,
 * and the socket calls every wrapper shares (options, one receive path, one
 * send path with its errno classification).
 * @module
 */

import { Errno, SyscallError } from "./errors.ts";
import { errno, fail, libc } from "./libc.ts";
import {
  MSG_DONTWAIT,
  SIOCGSTAMPNS,
  SO_BINDTODEVICE,
  SOL_SOCKET,
} from "./constants.ts";
import { cString } from "./c_string.ts";

/** sizeof(int), for integer socket options. */
const INT_SIZE = 4;
/** sizeof(struct timespec). */
const TIMESPEC_SIZE = 16;

/** An owned descriptor; subclasses add the protocol. */
export class OwnedFd {
  #fd: number;
  readonly #stamp = new Uint8Array(TIMESPEC_SIZE);
  /** What this is, for error messages (`raw CARP socket on "eth1"`). */
  readonly what: string;

  constructor(fd: number, what: string) {
    this.#fd = fd;
    this.what = what;
  }

  /** The descriptor; -1 once closed. */
  get fd(): number {
    return this.#fd;
  }

  /** Closes once; later calls do nothing. */
  close(): void {
    if (this.#fd >= 0) libc.close(this.#fd);
    this.#fd = -1;
  }

  [Symbol.dispose](): void {
    this.close();
  }

  /** Sets an option whose value is a C `int`. */
  setInt(level: number, name: number, value: number, label: string): void {
    const buf = new Uint8Array(INT_SIZE);
    new DataView(buf.buffer).setInt32(0, value, true);
    this.setBytes(level, name, buf, label);
  }

  /** Sets an option from raw bytes. */
  setBytes(
    level: number,
    name: number,
    value: Uint8Array,
    label: string,
  ): void {
    if (libc.setsockopt(this.#fd, level, name, value, value.length) < 0) {
      fail(`setsockopt(${label})`, this.what);
    }
  }

  /**
   * When the kernel received the datagram read last (SIOCGSTAMPNS; the
   * socket stamps arrivals once SO_TIMESTAMPNS is on).
   *
   * @returns Milliseconds since the epoch, or `null` when not stamped.
   */
  lastArrivalMs(): number | null {
    const ts = this.#stamp;
    if (libc.ioctl(this.#fd, BigInt(SIOCGSTAMPNS), ts) < 0) return null;
    const v = new DataView(ts.buffer);
    const ms = Number(v.getBigInt64(0, true)) * 1000 +
      Number(v.getBigInt64(8, true)) / 1e6;
    return ms > 0 ? ms : null;
  }

  /**
   * Takes one waiting datagram into `buf` without blocking.
   *
   * @param buf Where it goes.
   * @returns Its length, or `null` when nothing is waiting.
   * @throws {SyscallError} For errors other than "nothing waiting".
   */
  receiveInto(buf: Uint8Array): number | null {
    const n = libc.recvfrom(
      this.#fd,
      buf,
      BigInt(buf.length),
      MSG_DONTWAIT,
      null,
      null,
    );
    if (n >= 0n) return Number(n);
    const err = errno();
    if (err === Errno.EAGAIN || err === Errno.EINTR) return null;
    throw new SyscallError("recv", this.what, err);
  }

  /**
   * Sends one datagram without blocking. Nothing is thrown: a packet the
   * kernel did not take is reported, so callers count only what left.
   *
   * @param data The datagram.
   * @param address The encoded destination (`struct sockaddr_*`).
   * @param to The destination, for the message (`to 224.0.0.18`).
   * @returns `null` when the kernel took it, else the error (EAGAIN and
   *   ENOBUFS included: a full queue loses the packet too).
   */
  sendTo(
    data: Uint8Array,
    address: Uint8Array,
    to: string,
  ): SyscallError | null {
    const n = libc.sendto(
      this.#fd,
      data,
      BigInt(data.length),
      MSG_DONTWAIT,
      address,
      address.length,
    );
    if (n >= 0n) return null;
    return new SyscallError("sendto", `${this.what} ${to}`, errno());
  }

  /** Binds the socket to one interface (SO_BINDTODEVICE). */
  bindToDevice(ifname: string): void {
    this.setBytes(
      SOL_SOCKET,
      SO_BINDTODEVICE,
      cString(ifname),
      "SO_BINDTODEVICE",
    );
  }
}

/**
 * Opens a socket or throws naming it.
 *
 * @param domain AF_*.
 * @param type SOCK_* with flags.
 * @param protocol The protocol.
 * @param what For messages.
 * @returns The descriptor.
 */
export function openSocket(
  domain: number,
  type: number,
  protocol: number,
  what: string,
): number {
  const fd = libc.socket(domain, type, protocol);
  if (fd < 0) fail("open", what);
  return fd;
}
