/**
 * A send-only packet socket (AF_PACKET, SOCK_DGRAM, protocol 0: it receives
 * nothing). The kernel adds the Ethernet header with the interface's own MAC;
 * we choose the destination MAC and the ethertype. Used for gratuitous ARP
 * and for broadcast-mode adverts (ucarp `-M`).
 * @module
 */

import {
  AF_PACKET,
  MSG_DONTWAIT,
  SOCK_CLOEXEC,
  SOCK_DGRAM,
  SOCK_NONBLOCK,
} from "./constants.ts";
import { openSocket, OwnedFd } from "./fd.ts";
import { Errno, errno, libc, SyscallError } from "./libc.ts";

/** ff:ff:ff:ff:ff:ff. */
export const BROADCAST_MAC: Uint8Array = new Uint8Array(6).fill(0xff);

/** Encodes a `struct sockaddr_ll` (20 bytes). */
function sockaddrLl(
  ifindex: number,
  ethertype: number,
  mac: Uint8Array,
): Uint8Array {
  const buf = new Uint8Array(20);
  const view = new DataView(buf.buffer);
  view.setUint16(0, AF_PACKET, true);
  view.setUint16(2, ethertype);
  view.setInt32(4, ifindex, true);
  buf[11] = mac.length;
  buf.set(mac, 12);
  return buf;
}

/** A packet socket that only sends. */
export class PacketSocket extends OwnedFd {
  private constructor(fd: number) {
    super(fd, "packet socket");
  }

  /**
   * Opens it.
   *
   * @returns The socket.
   * @throws {SyscallError} Such as EPERM without CAP_NET_RAW.
   */
  static open(): PacketSocket {
    const fd = openSocket(
      AF_PACKET,
      SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
      0,
      "packet socket",
    );
    return new PacketSocket(fd);
  }

  /**
   * Sends one frame payload out of an interface.
   *
   * @param ifindex Interface index.
   * @param ifname Interface name, for messages.
   * @param ethertype Such as 0x0806.
   * @param destination Destination MAC.
   * @param payload What follows the Ethernet header.
   * @returns Whether it was sent (false when the buffer is full).
   * @throws {SyscallError} Naming the interface.
   */
  send(
    ifindex: number,
    ifname: string,
    ethertype: number,
    destination: Uint8Array,
    payload: Uint8Array,
  ): boolean {
    const addr = sockaddrLl(ifindex, ethertype, destination);
    const n = libc.sendto(
      this.fd,
      payload,
      BigInt(payload.length),
      MSG_DONTWAIT,
      addr,
      addr.length,
    );
    if (n < 0n) {
      const err = errno();
      if (err === Errno.EAGAIN || err === Errno.ENOBUFS) return false;
      throw new SyscallError("sendto", `packet socket on "${ifname}"`, err);
    }
    return true;
  }
}
