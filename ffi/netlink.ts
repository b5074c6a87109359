/**
 * rtnetlink sockets: requests (links, addresses, add and remove a VIP) and
 * a monitor for link and address events.
 * @module
 */

import {
  AF_NETLINK,
  NETLINK_ROUTE,
  NLM_F_ACK,
  NLM_F_CREATE,
  NLM_F_DUMP,
  NLM_F_EXCL,
  NLM_F_REQUEST,
  NLMSG_DONE,
  NLMSG_ERROR,
  POLLIN,
  RTM_DELADDR,
  RTM_DELLINK,
  RTM_GETADDR,
  RTM_GETLINK,
  RTM_NEWADDR,
  RTM_NEWLINK,
  SO_RCVBUF,
  SOCK_CLOEXEC,
  SOCK_NONBLOCK,
  SOCK_RAW,
  SOL_SOCKET,
} from "./constants.ts";
import { openSocket, OwnedFd } from "./fd.ts";
import { Errno, fail, libc, SyscallError } from "./libc.ts";
import {
  type AddressInfo,
  addressRequest,
  encodeMessage,
  errorCode,
  ifinfomsg,
  type LinkInfo,
  type NetlinkMessage,
  parseAddress,
  parseLink,
  splitMessages,
} from "./netlink_message.ts";

export type { AddressInfo, LinkInfo };

/** How long a request may wait for the kernel's answer. */
const REPLY_TIMEOUT_MS = 2000;

/** A link or address change seen by a monitor socket. */
export type NetlinkEvent =
  | { kind: "link"; removed: boolean; link: LinkInfo }
  | { kind: "address"; removed: boolean; address: AddressInfo };

/** An rtnetlink socket. */
export class Netlink extends OwnedFd {
  readonly #rx = new Uint8Array(64 * 1024);
  #seq = Math.floor(Math.random() * 0x7fffffff);

  private constructor(fd: number, what: string) {
    super(fd, what);
  }

  /**
   * Opens a socket; with `groups` it also receives those multicast events
   * (RTMGRP_LINK, RTMGRP_IPV4_IFADDR).
   *
   * @param groups Event groups, 0 for a request-only socket.
   * @returns The socket.
   */
  static open(groups = 0): Netlink {
    const what = groups === 0 ? "rtnetlink socket" : "rtnetlink monitor";
    const fd = openSocket(
      AF_NETLINK,
      SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
      NETLINK_ROUTE,
      what,
    );
    const s = new Netlink(fd, what);
    try {
      const addr = new Uint8Array(12);
      const view = new DataView(addr.buffer);
      view.setUint16(0, AF_NETLINK, true);
      view.setUint32(8, groups, true);
      if (libc.bind(fd, addr, addr.length) < 0) fail("bind", what);
      if (groups !== 0) s.setInt(SOL_SOCKET, SO_RCVBUF, 1 << 20, "SO_RCVBUF");
    } catch (e) {
      s.close();
      throw e;
    }
    return s;
  }

  /** Every link. */
  links(): LinkInfo[] {
    return this.#dump(RTM_GETLINK, ifinfomsg(), "list links")
      .flatMap((m) =>
        m.type === RTM_NEWLINK
          ? [parseLink(m.payload)].filter((l) => l !== null)
          : []
      );
  }

  /**
   * One link by name.
   *
   * @param name Interface name.
   * @returns The link, or `null` when there is none of that name.
   */
  link(name: string): LinkInfo | null {
    return this.links().find((l) => l.name === name) ?? null;
  }

  /** Every IPv4 address. */
  addresses(): AddressInfo[] {
    const fixed = new Uint8Array(8);
    fixed[0] = 2; // AF_INET
    return this.#dump(RTM_GETADDR, fixed, "list addresses")
      .flatMap((m) =>
        m.type === RTM_NEWADDR
          ? [parseAddress(m.payload)].filter((a) => a !== null)
          : []
      );
  }

  /**
   * Adds an IPv4 address; an address already there counts as added.
   *
   * @param link The interface.
   * @param address The address.
   * @param prefix Prefix length.
   * @param label Label such as `eth1:carp`, or `null`.
   * @returns `true` when added now, `false` when it was already there.
   */
  addAddress(
    link: { index: number; name: string },
    address: number,
    prefix: number,
    label: string | null,
  ): boolean {
    const { fixed, attrs } = addressRequest(link.index, address, prefix, label);
    const err = this.#request(
      encodeMessage(
        RTM_NEWADDR,
        NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL,
        this.#next(),
        fixed,
        attrs,
      ),
      `add address on "${link.name}"`,
    );
    if (err === Errno.EEXIST) return false;
    if (err !== 0) {
      throw new SyscallError(
        "add address",
        `${formatAddress(address, prefix)} on "${link.name}"`,
        err,
      );
    }
    return true;
  }

  /**
   * Removes an IPv4 address; an absent one counts as removed.
   *
   * @param link The interface.
   * @param address The address.
   * @param prefix Prefix length.
   * @returns `true` when removed now, `false` when it was not there.
   */
  removeAddress(
    link: { index: number; name: string },
    address: number,
    prefix: number,
  ): boolean {
    const { fixed, attrs } = addressRequest(link.index, address, prefix, null);
    const err = this.#request(
      encodeMessage(
        RTM_DELADDR,
        NLM_F_REQUEST | NLM_F_ACK,
        this.#next(),
        fixed,
        attrs,
      ),
      `remove address on "${link.name}"`,
    );
    if (
      err === Errno.EADDRNOTAVAIL || err === Errno.ENOENT ||
      err === Errno.ENODEV
    ) return false;
    if (err !== 0) {
      throw new SyscallError(
        "remove address",
        `${formatAddress(address, prefix)} on "${link.name}"`,
        err,
      );
    }
    return true;
  }

  /**
   * Asks the kernel to add an IPv4 address to interface index 0, which does
   * not exist: a process that may change addresses gets ENODEV, one that
   * may not gets EPERM. Nothing changes either way.
   *
   * @returns The errno of the refusal (ENODEV when allowed).
   */
  probeAddressChange(): number {
    const { fixed, attrs } = addressRequest(0, 0x7f000001, 32, null);
    return this.#request(
      encodeMessage(
        RTM_NEWADDR,
        NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL,
        this.#next(),
        fixed,
        attrs,
      ),
      "probe address change",
    );
  }

  /**
   * Drains the events waiting on a monitor socket.
   *
   * @returns Link and address changes, oldest first.
   */
  events(): NetlinkEvent[] {
    const out: NetlinkEvent[] = [];
    for (;;) {
      const batch = this.#receive();
      if (batch === null) return out;
      for (const m of batch) {
        if (m.type === RTM_NEWLINK || m.type === RTM_DELLINK) {
          const link = parseLink(m.payload);
          if (link) {
            out.push({ kind: "link", removed: m.type === RTM_DELLINK, link });
          }
        } else if (m.type === RTM_NEWADDR || m.type === RTM_DELADDR) {
          const address = parseAddress(m.payload);
          if (address) {
            out.push({
              kind: "address",
              removed: m.type === RTM_DELADDR,
              address,
            });
          }
        }
      }
    }
  }

  #next(): number {
    this.#seq = (this.#seq + 1) >>> 0;
    return this.#seq;
  }

  #send(msg: Uint8Array, what: string): void {
    const addr = new Uint8Array(12);
    new DataView(addr.buffer).setUint16(0, AF_NETLINK, true);
    if (
      libc.sendto(this.fd, msg, BigInt(msg.length), 0, addr, addr.length) < 0n
    ) fail("send", `${this.what} (${what})`);
  }

  /** Receives one datagram; `null` when nothing is waiting. */
  #receive(): NetlinkMessage[] | null {
    let n: number | null;
    try {
      n = this.receiveInto(this.#rx);
    } catch (e) {
      // Events were lost (the socket buffer overflowed); the caller re-reads.
      if (e instanceof SyscallError && e.errno === Errno.ENOBUFS) return [];
      throw e;
    }
    return n === null ? null : splitMessages(this.#rx.slice(0, n));
  }

  /** Waits (bounded) for the reply to `seq`, returning its messages. */
  #collect(
    seq: number,
    what: string,
    until: (m: NetlinkMessage) => boolean,
  ): NetlinkMessage[] {
    const deadline = performance.now() + REPLY_TIMEOUT_MS;
    const got: NetlinkMessage[] = [];
    for (;;) {
      const batch = this.#receive();
      if (batch === null) {
        const left = Math.ceil(deadline - performance.now());
        if (left <= 0) {
          throw new SyscallError(
            "wait for reply",
            `${this.what} (${what})`,
            110, /* ETIMEDOUT */
          );
        }
        const pfd = new Uint8Array(8);
        const view = new DataView(pfd.buffer);
        view.setInt32(0, this.fd, true);
        view.setInt16(4, POLLIN, true);
        libc.pollNow(pfd, 1n, left);
        continue;
      }
      for (const m of batch) {
        if (m.seq !== seq) continue;
        got.push(m);
        if (until(m)) return got;
      }
    }
  }

  #request(msg: Uint8Array, what: string): number {
    const seq = new DataView(msg.buffer).getUint32(8, true);
    this.#send(msg, what);
    const reply = this.#collect(seq, what, (m) => m.type === NLMSG_ERROR);
    return errorCode(reply[reply.length - 1]!.payload);
  }

  #dump(type: number, fixed: Uint8Array, what: string): NetlinkMessage[] {
    const seq = this.#next();
    this.#send(
      encodeMessage(type, NLM_F_REQUEST | NLM_F_DUMP, seq, fixed),
      what,
    );
    const got = this.#collect(
      seq,
      what,
      (m) => m.type === NLMSG_DONE || m.type === NLMSG_ERROR,
    );
    const last = got[got.length - 1]!;
    if (last.type === NLMSG_ERROR && errorCode(last.payload) !== 0) {
      throw new SyscallError(what, this.what, errorCode(last.payload));
    }
    return got;
  }
}

function formatAddress(address: number, prefix: number): string {
  return `${address >>> 24}.${(address >>> 16) & 255}.${
    (address >>> 8) & 255
  }.${address & 255}/${prefix}`;
}
