/**
 * The raw socket CARP and VRRP speak through (IP protocol 112), for either
 * family: bound to one interface, member of the groups asked for there, our
 * own multicast not looped back, hop limit 255, arrivals stamped
 * (SO_TIMESTAMPNS). One class, one open path, one send path (`sendmsg`) and
 * one receive path (`recvmsg`); what a family does its own way is data in
 * {@linkcode FAMILIES}:
 *
 * - IPv4 writes whole IP headers (IP_HDRINCL), so adverts are byte for byte
 *   ucarp's (TOS 0x10, DF, TTL 255, the configured source), and reads whole
 *   packets back: the sender, the TTL and the destination are in the header.
 * - IPv6 has no IP_HDRINCL: the kernel writes the header, from the source
 *   named per packet in an IPV6_PKTINFO control message, and `recvmsg` tells
 *   the sender, the hop limit and the destination. `IPV6_CHECKSUM` stays
 *   off: with it the kernel would silently drop every CARP advert (their
 *   checksum has no pseudo-header).
 * @module
 */

import {
  AF_INET,
  AF_INET6,
  IP_ADD_MEMBERSHIP,
  IP_DROP_MEMBERSHIP,
  IP_HDRINCL,
  IP_MULTICAST_IF,
  IP_MULTICAST_LOOP,
  IP_MULTICAST_TTL,
  IPPROTO_IP,
  IPPROTO_IPV6,
  IPV6_JOIN_GROUP,
  IPV6_LEAVE_GROUP,
  IPV6_MULTICAST_ALL,
  IPV6_MULTICAST_HOPS,
  IPV6_MULTICAST_IF,
  IPV6_MULTICAST_LOOP,
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
import { Errno, SyscallError } from "./errors.ts";
import { openSocket, OwnedFd } from "./fd.ts";
import {
  formatSocketAddress,
  ipMreqn,
  ipv4Of,
  ipv6Mreq,
  ipv6Of,
  SOCKADDR_IN6_SIZE,
  sockaddrIn,
  sockaddrIn6,
  type SocketAddress,
} from "./inet_address.ts";
import { errno, libc } from "./libc.ts";
import { ReceiveMessage, SendMessage } from "./socket_message.ts";

/** IP protocol number of CARP (and VRRP). */
const IPPROTO_CARP = 112;
/** Room for a burst of adverts (and a flood) between two wake-ups. */
const RECEIVE_BUFFER_BYTES = 1 << 20;
/** Largest packet read: a jumbo frame's worth, far above any advert. */
const RECEIVE_SIZE = 9216;
/**
 * Room for the hop limit (24), the packet info (40) and the arrival time
 * SO_TIMESTAMPNS adds (32); too little would truncate the packet info.
 */
const CONTROL_SIZE = 96;
/** Adverts are link-local: they must arrive with the hop limit they left with. */
const HOP_LIMIT = 255;

/** An IP version. */
export type IpFamily = 4 | 6;

/** How a family's addresses are given: a network-order number, or 16 bytes. */
export type AddressOf<F extends IpFamily> = F extends 4 ? number : Uint8Array;

/** Where the socket lives. */
export interface RawSocketOptions<F extends IpFamily> {
  /** The IP version. */
  family: F;
  /** Interface name. */
  ifname: string;
  /** Its index. */
  ifindex: number;
  /** Multicast groups to join (none for unicast only). */
  groups: readonly AddressOf<F>[];
  /** Hop limit (TTL) of what it sends: 255 unless a test wants a wrong one. */
  hopLimit?: number;
}

/** A packet received, with what the kernel said about it. */
export interface Received {
  /**
   * IPv4: the whole packet, header included; IPv6: the payload. A view
   * valid until the next call.
   */
  bytes: Uint8Array;
  /** It did not fit and was cut. */
  truncated: boolean;
  /** IPv6: the sender; IPv4: `null` (it is in the header). */
  source: Uint8Array | null;
  /** IPv6: the hop limit it came with, `null` when not said (and IPv4). */
  hopLimit: number | null;
  /** IPv6: its destination, `null` when not said (and IPv4). */
  destination: Uint8Array | null;
}

/** A socket option: where, which, its value (a C `int` or bytes), its name. */
interface SocketOption {
  level: number;
  name: number;
  value: number | Uint8Array;
  label: string;
}

/** What a family does its own way. */
interface FamilyRules {
  /** AF_INET or AF_INET6. */
  domain: number;
  /** The socket, in messages. */
  noun: string;
  /** The call a failed send is reported as (the name it has always had). */
  sendCall: string;
  /** The call a failed receive is reported as. */
  receiveCall: string;
  /** The options set once the socket is bound to its interface. */
  options(ifindex: number, hopLimit: number): SocketOption[];
  /** The option that joins (or leaves) a group. */
  membership(
    group: SocketAddress,
    ifindex: number,
    join: boolean,
  ): SocketOption;
  /** The `struct sockaddr_*` of a destination. */
  sockaddr(address: SocketAddress, ifindex: number): Uint8Array;
  /** Whether a send names its source in a control message (IPv6 only). */
  sourceControl: boolean;
  /** The sender `recvmsg` named, or `null` when the packet carries it. */
  sender(name: Uint8Array): Uint8Array | null;
}

/** What each family does its own way. */
const FAMILIES: Record<IpFamily, FamilyRules> = {
  4: {
    domain: AF_INET,
    noun: "raw CARP socket",
    sendCall: "sendto",
    receiveCall: "recv",
    options: (ifindex, hopLimit) => [
      { level: IPPROTO_IP, name: IP_HDRINCL, value: 1, label: "IP_HDRINCL" },
      {
        level: IPPROTO_IP,
        name: IP_MULTICAST_LOOP,
        value: 0,
        label: "IP_MULTICAST_LOOP",
      },
      {
        level: IPPROTO_IP,
        name: IP_MULTICAST_TTL,
        value: hopLimit,
        label: "IP_MULTICAST_TTL",
      },
      {
        level: IPPROTO_IP,
        name: IP_MULTICAST_IF,
        value: ipMreqn(0, 0, ifindex),
        label: "IP_MULTICAST_IF",
      },
    ],
    membership: (group, ifindex, join) => ({
      level: IPPROTO_IP,
      name: join ? IP_ADD_MEMBERSHIP : IP_DROP_MEMBERSHIP,
      value: ipMreqn(ipv4Of(group), 0, ifindex),
      label: join ? "IP_ADD_MEMBERSHIP" : "IP_DROP_MEMBERSHIP",
    }),
    sockaddr: (address) => sockaddrIn(ipv4Of(address)),
    sourceControl: false,
    sender: () => null,
  },
  6: {
    domain: AF_INET6,
    noun: "raw IPv6 CARP socket",
    sendCall: "sendmsg",
    receiveCall: "recvmsg",
    options: (ifindex, hopLimit) => [
      // Only the groups joined here, not every group the interface is in.
      {
        level: IPPROTO_IPV6,
        name: IPV6_MULTICAST_ALL,
        value: 0,
        label: "IPV6_MULTICAST_ALL",
      },
      {
        level: IPPROTO_IPV6,
        name: IPV6_RECVHOPLIMIT,
        value: 1,
        label: "IPV6_RECVHOPLIMIT",
      },
      {
        level: IPPROTO_IPV6,
        name: IPV6_RECVPKTINFO,
        value: 1,
        label: "IPV6_RECVPKTINFO",
      },
      {
        level: IPPROTO_IPV6,
        name: IPV6_MULTICAST_HOPS,
        value: hopLimit,
        label: "IPV6_MULTICAST_HOPS",
      },
      {
        level: IPPROTO_IPV6,
        name: IPV6_UNICAST_HOPS,
        value: hopLimit,
        label: "IPV6_UNICAST_HOPS",
      },
      {
        level: IPPROTO_IPV6,
        name: IPV6_MULTICAST_LOOP,
        value: 0,
        label: "IPV6_MULTICAST_LOOP",
      },
      {
        level: IPPROTO_IPV6,
        name: IPV6_MULTICAST_IF,
        value: ifindex,
        label: "IPV6_MULTICAST_IF",
      },
    ],
    membership: (group, ifindex, join) => ({
      level: IPPROTO_IPV6,
      name: join ? IPV6_JOIN_GROUP : IPV6_LEAVE_GROUP,
      value: ipv6Mreq(ipv6Of(group), ifindex),
      label: join ? "IPV6_JOIN_GROUP" : "IPV6_LEAVE_GROUP",
    }),
    sockaddr: (address, ifindex) => sockaddrIn6(ipv6Of(address), ifindex),
    sourceControl: true,
    sender: (name) => name.slice(8, 24),
  },
};

/**
 * A raw CARP/VRRP socket on one interface.
 *
 * @example
 * ```ts ignore
 * const s = RawSocket.open({
 *   family: 4,
 *   ifname: "eth1",
 *   ifindex: 3,
 *   groups: [0xe0000012], // 224.0.0.18
 * });
 * const got = s.receive(); // null when nothing waits
 * s.close();
 * ```
 */
export class RawSocket<F extends IpFamily = IpFamily> extends OwnedFd {
  readonly #rules: FamilyRules;
  readonly #ifindex: number;
  #arrivalMs: number | null = null;
  readonly #rx = new ReceiveMessage(
    RECEIVE_SIZE,
    SOCKADDR_IN6_SIZE,
    CONTROL_SIZE,
  );
  readonly #tx = new SendMessage();

  private constructor(
    fd: number,
    what: string,
    rules: FamilyRules,
    ifindex: number,
  ) {
    super(fd, what);
    this.#rules = rules;
    this.#ifindex = ifindex;
  }

  /**
   * Opens the socket and joins the groups.
   *
   * @param o The family, the interface and the groups.
   * @returns The socket.
   * @throws {SyscallError} Naming the call, the interface and errno.
   */
  static open<F extends IpFamily>(o: RawSocketOptions<F>): RawSocket<F> {
    const rules = FAMILIES[o.family];
    const what = `${rules.noun} on "${o.ifname}"`;
    const fd = openSocket(
      rules.domain,
      SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
      IPPROTO_CARP,
      what,
    );
    const s = new RawSocket<F>(fd, what, rules, o.ifindex);
    try {
      s.bindToDevice(o.ifname);
      for (const option of rules.options(o.ifindex, o.hopLimit ?? HOP_LIMIT)) {
        s.#set(option);
      }
      s.setInt(SOL_SOCKET, SO_RCVBUF, RECEIVE_BUFFER_BYTES, "SO_RCVBUF");
      // Arrival times: the gaps between a peer's adverts as they came,
      // whatever kept this process from reading them at once.
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
   * @param group The group, such as 224.0.0.18 or ff02::12.
   * @throws {SyscallError} Naming the option, the socket and errno.
   */
  join(group: AddressOf<F>): void {
    this.#set(this.#rules.membership(group, this.#ifindex, true));
  }

  /**
   * Leaves a multicast group.
   *
   * @param group The group.
   * @throws {SyscallError} Naming the option, the socket and errno.
   */
  leave(group: AddressOf<F>): void {
    this.#set(this.#rules.membership(group, this.#ifindex, false));
  }

  /**
   * Sends one packet without blocking. Nothing is thrown: a packet the
   * kernel did not take is reported, so callers count only what left.
   *
   * @param bytes IPv4: the whole packet, header included; IPv6: the payload.
   * @param destination The group or a unicast peer.
   * @param source IPv6: the address to send from (a link-local of the
   *   interface), `null` to let the kernel choose. IPv4: not used, the
   *   header names it.
   * @returns `null` when the kernel took it, else why not (EAGAIN and
   *   ENOBUFS included: a full queue loses the packet too).
   */
  send(
    bytes: Uint8Array,
    destination: AddressOf<F>,
    source: AddressOf<F> | null = null,
  ): SyscallError | null {
    const rules = this.#rules;
    const header = this.#tx.header(
      bytes,
      rules.sockaddr(destination, this.#ifindex),
      rules.sourceControl && source !== null
        ? { address: ipv6Of(source), ifindex: this.#ifindex }
        : null,
    );
    const n = libc.sendmsg(this.fd, header, MSG_DONTWAIT);
    if (n >= 0n) return null;
    const err = errno();
    const to = `${this.what} to ${formatSocketAddress(destination)}`;
    return new SyscallError(rules.sendCall, to, err);
  }

  /**
   * Takes one waiting packet.
   *
   * @returns It and what the kernel said of it, or `null` when none waits.
   * @throws {SyscallError} On failure other than "nothing waiting".
   */
  receive(): Received | null {
    const rx = this.#rx;
    const n = libc.recvmsg(this.fd, rx.header(), MSG_DONTWAIT);
    if (n < 0n) {
      const err = errno();
      if (err === Errno.EAGAIN || err === Errno.EINTR) return null;
      throw new SyscallError(this.#rules.receiveCall, this.what, err);
    }
    const { hopLimit, destination, arrivalMs } = rx.controls();
    this.#arrivalMs = arrivalMs;
    return {
      bytes: rx.data.subarray(0, Number(n)),
      truncated: (rx.flags & (MSG_TRUNC | MSG_CTRUNC)) !== 0,
      source: this.#rules.sender(rx.name),
      hopLimit,
      destination,
    };
  }

  /**
   * When the kernel received the packet read last (its SCM_TIMESTAMPNS
   * control message).
   *
   * @returns Milliseconds since the epoch, or `null` when not stamped.
   */
  override lastArrivalMs(): number | null {
    return this.#arrivalMs;
  }

  /** Sets one option, an `int` or bytes. */
  #set(o: SocketOption): void {
    if (typeof o.value === "number") {
      this.setInt(o.level, o.name, o.value, o.label);
    } else this.setBytes(o.level, o.name, o.value, o.label);
  }
}
