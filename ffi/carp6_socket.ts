/**
 * The IPv6 CARP socket: raw IPv6, next header 112, bound to one interface,
 * member of ff02::12 there, hop limit 255, our own multicast not looped
 * back. An IPv6 raw socket has no IP_HDRINCL: the kernel writes the header,
 * from the source we name in an IPV6_PKTINFO control message; we read the
 * sender, the hop limit and the destination back from `recvmsg`.
 *
 * `IPV6_CHECKSUM` stays off: with it the kernel would silently drop every
 * CARP advert (their checksum has no pseudo-header).
 * @module
 */

import {
  AF_INET6,
  IPPROTO_IPV6,
  IPV6_HOPLIMIT,
  IPV6_JOIN_GROUP,
  IPV6_LEAVE_GROUP,
  IPV6_MULTICAST_ALL,
  IPV6_MULTICAST_HOPS,
  IPV6_MULTICAST_IF,
  IPV6_MULTICAST_LOOP,
  IPV6_PKTINFO,
  IPV6_RECVHOPLIMIT,
  IPV6_RECVPKTINFO,
  IPV6_UNICAST_HOPS,
  MSG_CTRUNC,
  MSG_DONTWAIT,
  MSG_TRUNC,
  SO_RCVBUF,
  SO_TIMESTAMPNS,
  SOCK_CLOEXEC,
  SOCK_NONBLOCK,
  SOCK_RAW,
  SOL_SOCKET,
} from "./constants.ts";
import { openSocket, OwnedFd } from "./fd.ts";
import { Errno, errno, libc, SyscallError } from "./libc.ts";

/** IP protocol number of CARP (and VRRP). */
const IPPROTO_CARP = 112;
/** sizeof(struct sockaddr_in6). */
export const SOCKADDR_IN6_SIZE = 28;
/** sizeof(struct ipv6_mreq). */
export const IPV6_MREQ_SIZE = 20;
/** sizeof(struct in6_pktinfo): the address and the interface index. */
export const IN6_PKTINFO_SIZE = 20;
/** sizeof(struct msghdr). */
export const MSGHDR_SIZE = 56;
/** sizeof(struct iovec). */
export const IOVEC_SIZE = 16;
/** sizeof(struct cmsghdr): len (size_t), level, type. */
export const CMSGHDR_SIZE = 16;
/** CMSG_SPACE(sizeof(struct in6_pktinfo)). */
const PKTINFO_SPACE = 40;
/**
 * Room for the hop limit (24), the packet info (40) and the arrival time
 * SO_TIMESTAMPNS adds (32); too little would truncate the packet info.
 */
const CONTROL_SIZE = 96;
/** Largest payload read: a jumbo frame's worth, far above any advert. */
const RECEIVE_SIZE = 9216;
/** Room for a burst of adverts between two wake-ups. */
const RECEIVE_BUFFER_BYTES = 1 << 20;
/** Adverts are link-local: they must arrive with the hop limit they left with. */
const HOP_LIMIT = 255;

function pointer(buf: Uint8Array): bigint {
  return BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(buf)));
}

/**
 * Encodes a `struct sockaddr_in6`.
 *
 * @param address The 16 bytes.
 * @param scopeId The interface index, for link-local and multicast.
 * @returns 28 bytes.
 */
export function sockaddrIn6(address: Uint8Array, scopeId: number): Uint8Array {
  const buf = new Uint8Array(SOCKADDR_IN6_SIZE);
  new DataView(buf.buffer).setUint16(0, AF_INET6, true);
  buf.set(address, 8);
  new DataView(buf.buffer).setUint32(24, scopeId, true);
  return buf;
}

/** Encodes a `struct ipv6_mreq`. */
function ipv6Mreq(group: Uint8Array, ifindex: number): Uint8Array {
  const buf = new Uint8Array(IPV6_MREQ_SIZE);
  buf.set(group, 0);
  new DataView(buf.buffer).setUint32(16, ifindex, true);
  return buf;
}

/** A payload received, with what the kernel said about it. */
export interface Received6 {
  /** The payload (a view valid until the next call). */
  payload: Uint8Array;
  /** The sender. */
  source: Uint8Array;
  /** The hop limit it arrived with, `null` when the kernel did not say. */
  hopLimit: number | null;
  /** Its destination, `null` when the kernel did not say. */
  destination: Uint8Array | null;
  /** It did not fit and was cut. */
  truncated: boolean;
}

/** Where the socket lives. */
export interface Carp6SocketOptions {
  /** Interface name. */
  ifname: string;
  /** Its index. */
  ifindex: number;
  /** Groups to join (ff02::12), none for unicast only. */
  groups: readonly Uint8Array[];
  /** Hop limit of what it sends: 255 unless a test wants a wrong one. */
  hopLimit?: number;
}

/** A raw IPv6 socket for CARP on one interface. */
export class Carp6Socket extends OwnedFd {
  readonly #ifindex: number;
  readonly #rx = new Uint8Array(RECEIVE_SIZE);
  readonly #rxName = new Uint8Array(SOCKADDR_IN6_SIZE);
  readonly #rxControl = new Uint8Array(CONTROL_SIZE);
  readonly #rxIov = new Uint8Array(IOVEC_SIZE);
  readonly #rxMsg = new Uint8Array(MSGHDR_SIZE);
  readonly #txIov = new Uint8Array(IOVEC_SIZE);
  readonly #txControl = new Uint8Array(PKTINFO_SPACE);
  readonly #txMsg = new Uint8Array(MSGHDR_SIZE);
  /** What the send path points at; kept alive while a send runs. */
  #txName: Uint8Array = new Uint8Array(SOCKADDR_IN6_SIZE);

  private constructor(fd: number, what: string, ifindex: number) {
    super(fd, what);
    this.#ifindex = ifindex;
    const iov = new DataView(this.#rxIov.buffer);
    iov.setBigUint64(0, pointer(this.#rx), true);
    iov.setBigUint64(8, BigInt(RECEIVE_SIZE), true);
    const msg = new DataView(this.#rxMsg.buffer);
    msg.setBigUint64(0, pointer(this.#rxName), true);
    msg.setBigUint64(16, pointer(this.#rxIov), true);
    msg.setBigUint64(24, 1n, true);
    msg.setBigUint64(32, pointer(this.#rxControl), true);
    const tx = new DataView(this.#txMsg.buffer);
    tx.setBigUint64(16, pointer(this.#txIov), true);
    tx.setBigUint64(24, 1n, true);
    tx.setBigUint64(32, pointer(this.#txControl), true);
    tx.setBigUint64(40, BigInt(PKTINFO_SPACE), true);
  }

  /**
   * Opens the socket and joins the groups.
   *
   * @param o The interface and groups.
   * @returns The socket.
   * @throws {SyscallError} Naming the call, the interface and errno.
   */
  static open(o: Carp6SocketOptions): Carp6Socket {
    const what = `raw IPv6 CARP socket on "${o.ifname}"`;
    const fd = openSocket(
      AF_INET6,
      SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
      IPPROTO_CARP,
      what,
    );
    const s = new Carp6Socket(fd, what, o.ifindex);
    try {
      s.bindToDevice(o.ifname);
      // Only the groups joined here, not every group the interface is in.
      s.setInt(IPPROTO_IPV6, IPV6_MULTICAST_ALL, 0, "IPV6_MULTICAST_ALL");
      s.setInt(IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1, "IPV6_RECVHOPLIMIT");
      s.setInt(IPPROTO_IPV6, IPV6_RECVPKTINFO, 1, "IPV6_RECVPKTINFO");
      s.setInt(
        IPPROTO_IPV6,
        IPV6_MULTICAST_HOPS,
        o.hopLimit ?? HOP_LIMIT,
        "IPV6_MULTICAST_HOPS",
      );
      s.setInt(
        IPPROTO_IPV6,
        IPV6_UNICAST_HOPS,
        o.hopLimit ?? HOP_LIMIT,
        "IPV6_UNICAST_HOPS",
      );
      s.setInt(IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 0, "IPV6_MULTICAST_LOOP");
      s.setInt(IPPROTO_IPV6, IPV6_MULTICAST_IF, o.ifindex, "IPV6_MULTICAST_IF");
      s.setInt(SOL_SOCKET, SO_RCVBUF, RECEIVE_BUFFER_BYTES, "SO_RCVBUF");
      s.setInt(SOL_SOCKET, SO_TIMESTAMPNS, 1, "SO_TIMESTAMPNS");
      for (const g of o.groups) s.join(g);
    } catch (e) {
      s.close();
      throw e;
    }
    return s;
  }

  /**
   * Joins a multicast group on the socket's interface.
   *
   * @param group The group, such as ff02::12.
   */
  join(group: Uint8Array): void {
    this.setBytes(
      IPPROTO_IPV6,
      IPV6_JOIN_GROUP,
      ipv6Mreq(group, this.#ifindex),
      "IPV6_JOIN_GROUP",
    );
  }

  /**
   * Leaves a multicast group.
   *
   * @param group The group.
   */
  leave(group: Uint8Array): void {
    this.setBytes(
      IPPROTO_IPV6,
      IPV6_LEAVE_GROUP,
      ipv6Mreq(group, this.#ifindex),
      "IPV6_LEAVE_GROUP",
    );
  }

  /**
   * Sends a payload from `source` to `destination` (hop limit 255).
   *
   * @param payload The CARP header.
   * @param destination ff02::12, or a unicast peer.
   * @param source The address to send from (a link-local of the interface).
   * @param to The destination as text, for messages.
   * @returns `null` when the kernel took it, else why not.
   */
  send(
    payload: Uint8Array,
    destination: Uint8Array,
    source: Uint8Array,
    to: string,
  ): SyscallError | null {
    this.#txName = sockaddrIn6(destination, this.#ifindex);
    const iov = new DataView(this.#txIov.buffer);
    iov.setBigUint64(0, pointer(payload), true);
    iov.setBigUint64(8, BigInt(payload.length), true);
    const control = new DataView(this.#txControl.buffer);
    this.#txControl.fill(0);
    control.setBigUint64(0, BigInt(CMSGHDR_SIZE + IN6_PKTINFO_SIZE), true);
    control.setInt32(8, IPPROTO_IPV6, true);
    control.setInt32(12, IPV6_PKTINFO, true);
    this.#txControl.set(source, CMSGHDR_SIZE);
    control.setUint32(CMSGHDR_SIZE + 16, this.#ifindex, true);
    const msg = new DataView(this.#txMsg.buffer);
    msg.setBigUint64(0, pointer(this.#txName), true);
    msg.setUint32(8, SOCKADDR_IN6_SIZE, true);
    const n = libc.sendmsg(this.fd, this.#txMsg, MSG_DONTWAIT);
    if (n >= 0n) return null;
    return new SyscallError("sendmsg", `${this.what} to ${to}`, errno());
  }

  /**
   * Takes one waiting payload.
   *
   * @returns It and what the kernel said of it, or `null` when none waits.
   * @throws {SyscallError} On failure other than "nothing waiting".
   */
  receive(): Received6 | null {
    const msg = new DataView(this.#rxMsg.buffer);
    msg.setUint32(8, SOCKADDR_IN6_SIZE, true);
    msg.setBigUint64(40, BigInt(CONTROL_SIZE), true);
    msg.setInt32(48, 0, true);
    const n = libc.recvmsg(this.fd, this.#rxMsg, MSG_DONTWAIT);
    if (n < 0n) {
      const err = errno();
      if (err === Errno.EAGAIN || err === Errno.EINTR) return null;
      throw new SyscallError("recvmsg", this.what, err);
    }
    const flags = msg.getInt32(48, true);
    let hopLimit: number | null = null;
    let destination: Uint8Array | null = null;
    const controlLength = Number(msg.getBigUint64(40, true));
    const c = new DataView(this.#rxControl.buffer);
    for (let off = 0; off + CMSGHDR_SIZE <= controlLength;) {
      const len = Number(c.getBigUint64(off, true));
      if (len < CMSGHDR_SIZE || off + len > controlLength) break;
      const level = c.getInt32(off + 8, true);
      const type = c.getInt32(off + 12, true);
      if (level === IPPROTO_IPV6 && type === IPV6_HOPLIMIT && len >= 20) {
        hopLimit = c.getInt32(off + CMSGHDR_SIZE, true);
      } else if (level === IPPROTO_IPV6 && type === IPV6_PKTINFO && len >= 32) {
        destination = this.#rxControl.slice(off + CMSGHDR_SIZE, off + 32);
      }
      off += (len + 7) & ~7;
    }
    return {
      payload: this.#rx.subarray(0, Number(n)),
      source: this.#rxName.slice(8, 24),
      hopLimit,
      destination,
      truncated: (flags & (MSG_TRUNC | MSG_CTRUNC)) !== 0,
    };
  }
}
