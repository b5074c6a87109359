/**
 * The CARP socket: raw IPv4, protocol 112, bound to one interface, member of
 * the CARP group there, our own multicast not looped back. We write whole IP
 * headers (IP_HDRINCL) so adverts are byte for byte ucarp's: TOS 0x10, DF,
 * TTL 255, the configured source.
 * @module
 */

import {
  AF_INET,
  IP_ADD_MEMBERSHIP,
  IP_HDRINCL,
  IP_MULTICAST_IF,
  IP_MULTICAST_LOOP,
  IP_MULTICAST_TTL,
  IPPROTO_IP,
  MSG_DONTWAIT,
  SO_RCVBUF,
  SOCK_CLOEXEC,
  SOCK_NONBLOCK,
  SOCK_RAW,
  SOL_SOCKET,
} from "./constants.ts";
import { ipMreqn, openSocket, OwnedFd, sockaddrIn } from "./fd.ts";
import { Errno, errno, libc, SyscallError } from "./libc.ts";

const IPPROTO_CARP = 112;
const RECEIVE_BUFFER_BYTES = 1 << 20;

/** Where the socket lives. */
export interface CarpSocketOptions {
  /** Interface name. */
  ifname: string;
  /** Its index. */
  ifindex: number;
  /** Multicast group to join. */
  group: number;
}

/** A raw CARP socket on one interface. */
export class CarpSocket extends OwnedFd {
  readonly #rx = new Uint8Array(2048);

  private constructor(fd: number, what: string) {
    super(fd, what);
  }

  /**
   * Opens the socket and joins the group.
   *
   * @param o The interface and group.
   * @returns The socket.
   * @throws {SyscallError} Naming the call, the interface and errno.
   */
  static open(o: CarpSocketOptions): CarpSocket {
    const what = `raw CARP socket on "${o.ifname}"`;
    const fd = openSocket(
      AF_INET,
      SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
      IPPROTO_CARP,
      what,
    );
    const s = new CarpSocket(fd, what);
    try {
      s.bindToDevice(o.ifname);
      s.setInt(IPPROTO_IP, IP_HDRINCL, 1, "IP_HDRINCL");
      s.setInt(IPPROTO_IP, IP_MULTICAST_LOOP, 0, "IP_MULTICAST_LOOP");
      s.setInt(IPPROTO_IP, IP_MULTICAST_TTL, 255, "IP_MULTICAST_TTL");
      s.setBytes(
        IPPROTO_IP,
        IP_MULTICAST_IF,
        ipMreqn(0, 0, o.ifindex),
        "IP_MULTICAST_IF",
      );
      s.setBytes(
        IPPROTO_IP,
        IP_ADD_MEMBERSHIP,
        ipMreqn(o.group, 0, o.ifindex),
        "IP_ADD_MEMBERSHIP",
      );
      s.setInt(SOL_SOCKET, SO_RCVBUF, RECEIVE_BUFFER_BYTES, "SO_RCVBUF");
    } catch (e) {
      s.close();
      throw e;
    }
    return s;
  }

  /**
   * Joins one more multicast group on the socket's interface.
   *
   * @param group The group.
   * @param ifindex The interface index.
   */
  join(group: number, ifindex: number): void {
    this.setBytes(
      IPPROTO_IP,
      IP_ADD_MEMBERSHIP,
      ipMreqn(group, 0, ifindex),
      "IP_ADD_MEMBERSHIP",
    );
  }

  /**
   * Sends one IPv4 packet (header included) to `destination`.
   *
   * @param packet The packet.
   * @param destination The IPv4 destination (group or peer).
   * @throws {SyscallError} On failure other than a full buffer.
   * @returns Whether it was sent (false when the send buffer is full).
   */
  send(packet: Uint8Array, destination: number): boolean {
    const addr = sockaddrIn(destination);
    const n = libc.sendto(
      this.fd,
      packet,
      BigInt(packet.length),
      MSG_DONTWAIT,
      addr,
      addr.length,
    );
    if (n < 0n) {
      const err = errno();
      if (err === Errno.EAGAIN || err === Errno.ENOBUFS) return false;
      throw new SyscallError("sendto", this.what, err);
    }
    return true;
  }

  /**
   * Takes one waiting packet.
   *
   * @returns The IPv4 packet (a view valid until the next call), or `null`
   *   when none is waiting.
   * @throws {SyscallError} On failure other than "nothing waiting".
   */
  receive(): Uint8Array | null {
    const n = this.receiveInto(this.#rx);
    return n === null ? null : this.#rx.subarray(0, n);
  }
}
