/**
 * The rtnetlink requests carpd makes: list links and addresses, add and
 * remove a VIP (either family), probe whether it may; and, on a monitor
 * socket, the link and address events. The request/reply plumbing is in
 * `netlink_socket.ts`, the events in `netlink_events.ts`.
 * @module
 */

import {
  AF_NETLINK,
  IFA_F_NODAD,
  NETLINK_ROUTE,
  NLM_F_ACK,
  NLM_F_CREATE,
  NLM_F_EXCL,
  NLM_F_REQUEST,
  RTM_DELADDR,
  RTM_GETADDR,
  RTM_GETLINK,
  RTM_NEWADDR,
  RTM_NEWLINK,
  SOCK_CLOEXEC,
  SOCK_NONBLOCK,
  SOCK_RAW,
} from "./constants.ts";
import { Errno, SyscallError } from "./errors.ts";
import { openSocket } from "./fd.ts";
import { formatIpv4, type PrefixedAddress } from "./inet_address.ts";
import { monitorEvents, type NetlinkEvent } from "./netlink_events.ts";
import {
  type Address4Info,
  type Address6Info,
  address6Request,
  type AddressInfo,
  addressRequest,
  IFADDRMSG_LEN,
  ifinfomsg,
  type LinkInfo,
  type NetlinkMessage,
  parseAddress,
  parseLink,
} from "./netlink_message.ts";
import { NetlinkSocket } from "./netlink_socket.ts";

export type {
  Address4Info,
  Address6Info,
  AddressInfo,
  LinkInfo,
  NetlinkEvent,
  PrefixedAddress,
};
export { REPLY_TIMEOUT_MS } from "./netlink_socket.ts";

/** An interface as the address requests name it. */
export interface LinkRef {
  /** Its index. */
  index: number;
  /** Its name, for messages. */
  name: string;
}

/** The answers to a removal that mean the address was not there. */
const ABSENT: ReadonlySet<number> = new Set([
  Errno.EADDRNOTAVAIL,
  Errno.ENOENT,
  Errno.ENODEV,
]);

/** An rtnetlink socket. */
export class Netlink extends NetlinkSocket {
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
      s.bindGroups(groups);
    } catch (e) {
      s.close();
      throw e;
    }
    return s;
  }

  /** Every link. */
  async links(): Promise<LinkInfo[]> {
    const got = await this.dump(RTM_GETLINK, ifinfomsg(), "list links");
    return got.flatMap((m) => {
      const l = m.type === RTM_NEWLINK ? parseLink(m.payload) : null;
      return l === null ? [] : [l];
    });
  }

  /** Every IPv4 and IPv6 address. */
  async addresses(): Promise<AddressInfo[]> {
    const fixed = new Uint8Array(IFADDRMSG_LEN); // AF_UNSPEC: every family
    const got = await this.dump(RTM_GETADDR, fixed, "list addresses");
    return got.flatMap((m) => {
      const a = m.type === RTM_NEWADDR ? parseAddress(m.payload) : null;
      return a === null ? [] : [a];
    });
  }

  /**
   * Adds an address; one already there counts as added. An IPv6 address
   * goes on without duplicate address detection (a VIP must serve at
   * once) and without a label (IPv6 addresses have none).
   *
   * @param link The interface.
   * @param address The address, its family and its prefix length.
   * @param label IPv4: a label such as `eth1:carp`, or `null`.
   * @returns `true` when added now, `false` when it was already there.
   * @throws {SyscallError} Naming the address, the interface and errno.
   */
  async addAddress(
    link: LinkRef,
    address: PrefixedAddress,
    label: string | null,
  ): Promise<boolean> {
    const err = await this.#changeAddress(
      RTM_NEWADDR,
      NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL,
      link,
      address,
      { label, flags6: IFA_F_NODAD },
      "add address",
    );
    if (err === Errno.EEXIST) return false;
    if (err !== 0) {
      throw new SyscallError("add address", addressObject(link, address), err);
    }
    return true;
  }

  /**
   * Removes an address; an absent one counts as removed.
   *
   * @param link The interface.
   * @param address The address, its family and its prefix length.
   * @returns `true` when removed now, `false` when it was not there.
   * @throws {SyscallError} Naming the address, the interface and errno.
   */
  async removeAddress(
    link: LinkRef,
    address: PrefixedAddress,
  ): Promise<boolean> {
    const err = await this.#changeAddress(
      RTM_DELADDR,
      NLM_F_REQUEST | NLM_F_ACK,
      link,
      address,
      { label: null, flags6: 0 },
      "remove address",
    );
    if (ABSENT.has(err)) return false;
    if (err !== 0) {
      throw new SyscallError(
        "remove address",
        addressObject(link, address),
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
  probeAddressChange(): Promise<number> {
    const { fixed, attrs } = addressRequest(0, 0x7f000001, 32, null);
    return this.ask(
      RTM_NEWADDR,
      NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL,
      fixed,
      attrs,
      "probe",
      "an address change",
    );
  }

  /**
   * Drains the events waiting on a monitor socket.
   *
   * @returns Link and address changes, oldest first; an `overflow` when
   *   the kernel dropped some (then the caller must re-read the state).
   */
  events(): NetlinkEvent[] {
    const out: NetlinkEvent[] = [];
    for (;;) {
      let got: NetlinkMessage[] | null;
      try {
        got = this.receiveMessages();
      } catch (e) {
        if (e instanceof SyscallError && e.errno === Errno.ENOBUFS) {
          out.push({ kind: "overflow" });
          continue;
        }
        throw e;
      }
      if (got === null) return out;
      out.push(...monitorEvents(got));
    }
  }

  /** Asks for one address to be added or removed; returns the errno. */
  #changeAddress(
    type: number,
    flags: number,
    link: LinkRef,
    a: PrefixedAddress,
    extra: { label: string | null; flags6: number },
    what: string,
  ): Promise<number> {
    const { fixed, attrs } = a.family === 4
      ? addressRequest(link.index, a.address, a.prefix, extra.label)
      : address6Request(link.index, a.address, a.prefix, extra.flags6);
    return this.ask(
      type,
      flags,
      fixed,
      attrs,
      what,
      addressObject(link, a),
    );
  }
}

/** An address on an interface, in messages: `10.0.0.1/24 on "eth1"`. */
function addressObject(link: LinkRef, a: PrefixedAddress): string {
  const text = a.family === 4
    ? formatIpv4(a.address)
    : formatIpv6Full(a.address);
  return `${text}/${a.prefix} on "${link.name}"`;
}

/**
 * IPv6 text as address messages have always given it: full groups, no
 * compression (the raw socket's messages use RFC 5952).
 */
function formatIpv6Full(a: Uint8Array): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) {
    groups.push(((a[i]! << 8) | a[i + 1]!).toString(16));
  }
  return groups.join(":");
}
