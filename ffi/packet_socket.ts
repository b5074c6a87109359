/**
 * A send-only packet socket (AF_PACKET, SOCK_DGRAM, protocol 0: it receives
 * nothing). The kernel adds the Ethernet header with the interface's own MAC;
 * we choose the destination MAC and the ethertype. Used for gratuitous ARP
 * and for broadcast-mode adverts (ucarp `-M`).
 * @module
 */

import {
  AF_PACKET,
  SOCK_CLOEXEC,
  SOCK_DGRAM,
  SOCK_NONBLOCK,
} from "./constants.ts";
import { openSocket, OwnedFd } from "./fd.ts";
import type { SyscallError } from "./errors.ts";

/** sizeof(struct sockaddr_ll). */
export const SOCKADDR_LL_SIZE = 20;
/** Offset of sll_halen; sll_addr follows it. */
const SLL_HALEN_OFFSET = 11;

/** Encodes a `struct sockaddr_ll`. */
export function sockaddrLl(
  ifindex: number,
  ethertype: number,
  mac: Uint8Array,
): Uint8Array {
  const buf = new Uint8Array(SOCKADDR_LL_SIZE);
  const view = new DataView(buf.buffer);
  view.setUint16(0, AF_PACKET, true);
  view.setUint16(2, ethertype);
  view.setInt32(4, ifindex, true);
  buf[SLL_HALEN_OFFSET] = mac.length;
  buf.set(mac, SLL_HALEN_OFFSET + 1);
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
   * @returns `null` when the kernel took it, else why not.
   */
  send(
    ifindex: number,
    ifname: string,
    ethertype: number,
    destination: Uint8Array,
    payload: Uint8Array,
  ): SyscallError | null {
    return this.sendTo(
      payload,
      sockaddrLl(ifindex, ethertype, destination),
      `on "${ifname}"`,
    );
  }
}
