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
  IP_DROP_MEMBERSHIP,
  IP_HDRINCL,
  IP_MULTICAST_IF,
  IP_MULTICAST_LOOP,
  IP_MULTICAST_TTL,
  IPPROTO_IP,
  SO_RCVBUF,
  SO_TIMESTAMPNS,
  SOCK_CLOEXEC,
  SOCK_NONBLOCK,
  SOCK_RAW,
  SOL_SOCKET,
} from "./constants.ts";
import { ipMreqn, openSocket, OwnedFd, sockaddrIn } from "./fd.ts";
import type { SyscallError } from "./libc.ts";

/** IP protocol number of CARP (and VRRP). */
const IPPROTO_CARP = 112;
/** Room for a burst of adverts (and a flood) between two wake-ups. */
const RECEIVE_BUFFER_BYTES = 1 << 20;
/** Only link-local multicast is sent: it is never routed. */
const MULTICAST_TTL = 255;
/** Largest packet read: a jumbo frame's worth, far above any advert. */
const RECEIVE_SIZE = 9216;

function formatAddress(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

/** Where the socket lives. */
export interface CarpSocketOptions {
  /** Interface name. */
  ifname: string;
  /** Its index. */
  ifindex: number;
  /** Multicast groups to join (none for unicast only). */
  groups: readonly number[];
}

/** A raw CARP socket on one interface. */
export class CarpSocket extends OwnedFd {
  readonly #rx = new Uint8Array(RECEIVE_SIZE);

  private constructor(fd: number, what: string) {
    super(fd, what);
  }

  /**
   * Opens the socket and joins the groups.
   *
   * @param o The interface and groups.
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
      s.setInt(IPPROTO_IP, IP_MULTICAST_TTL, MULTICAST_TTL, "IP_MULTICAST_TTL");
      s.setBytes(
        IPPROTO_IP,
        IP_MULTICAST_IF,
        ipMreqn(0, 0, o.ifindex),
        "IP_MULTICAST_IF",
      );
      for (const g of o.groups) s.join(g, o.ifindex);
      s.setInt(SOL_SOCKET, SO_RCVBUF, RECEIVE_BUFFER_BYTES, "SO_RCVBUF");
      // Arrival times: the gaps between a peer's adverts as they came,
      // whatever kept this process from reading them at once.
      s.setInt(SOL_SOCKET, SO_TIMESTAMPNS, 1, "SO_TIMESTAMPNS");
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
   * Leaves a multicast group.
   *
   * @param group The group.
   * @param ifindex The interface index.
   */
  leave(group: number, ifindex: number): void {
    this.setBytes(
      IPPROTO_IP,
      IP_DROP_MEMBERSHIP,
      ipMreqn(group, 0, ifindex),
      "IP_DROP_MEMBERSHIP",
    );
  }

  /**
   * Sends one IPv4 packet (header included) to `destination`.
   *
   * @param packet The packet.
   * @param destination The IPv4 destination (group or peer).
   * @returns `null` when the kernel took it, else why not.
   */
  send(packet: Uint8Array, destination: number): SyscallError | null {
    return this.sendTo(
      packet,
      sockaddrIn(destination),
      `to ${formatAddress(destination)}`,
    );
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
