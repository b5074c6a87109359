/**
 * A file descriptor owned by one object: idempotent close, `using` support,
 * and the socket helpers every wrapper shares.
 * @module
 */

import { Errno, errno, fail, libc, SyscallError } from "./libc.ts";
import { AF_INET, MSG_DONTWAIT, SOL_SOCKET } from "./constants.ts";

/** An owned descriptor; subclasses add the protocol. */
export class OwnedFd {
  #fd: number;
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
    const buf = new Uint8Array(4);
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

  /** Binds the socket to one interface (SO_BINDTODEVICE). */
  bindToDevice(ifname: string): void {
    const name = new TextEncoder().encode(ifname + "\0");
    this.setBytes(SOL_SOCKET, 25, name, "SO_BINDTODEVICE");
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

/** Encodes a `struct sockaddr_in` (16 bytes). */
export function sockaddrIn(address: number, port = 0): Uint8Array {
  const buf = new Uint8Array(16);
  const view = new DataView(buf.buffer);
  view.setUint16(0, AF_INET, true);
  view.setUint16(2, port);
  view.setUint32(4, address);
  return buf;
}

/** Encodes a `struct ip_mreqn` (12 bytes). */
export function ipMreqn(
  group: number,
  address: number,
  ifindex: number,
): Uint8Array {
  const buf = new Uint8Array(12);
  const view = new DataView(buf.buffer);
  view.setUint32(0, group);
  view.setUint32(4, address);
  view.setInt32(8, ifindex, true);
  return buf;
}
