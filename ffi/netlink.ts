/**
 * rtnetlink sockets: requests (links, addresses, add and remove a VIP) and
 * a monitor for link and address events.
 *
 * Requests never block the event loop: each is sent at once and its reply
 * read without waiting. The kernel answers most requests inside the send
 * call, so the reply is usually there already; when it is not, a poll on
 * the helper thread waits for it, and a request still unanswered after
 * {@linkcode REPLY_TIMEOUT_MS} fails with ETIMEDOUT, naming the request and
 * the object.
 * @module
 */

import {
  AF_NETLINK,
  IFA_F_NODAD,
  NETLINK_ROUTE,
  NLM_F_ACK,
  NLM_F_CREATE,
  NLM_F_DUMP,
  NLM_F_EXCL,
  NLM_F_REQUEST,
  NLMSG_DONE,
  NLMSG_ERROR,
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
import { Errno, errno, libc, SyscallError } from "./libc.ts";
import {
  type Address4Info,
  type Address6Info,
  address6Request,
  type AddressInfo,
  addressRequest,
  encodeMessage,
  errorCode,
  IFADDRMSG_LEN,
  ifinfomsg,
  type LinkInfo,
  type NetlinkMessage,
  parseAddress,
  parseLink,
  splitMessages,
} from "./netlink_message.ts";
import { waitReadable } from "./poll.ts";

export type { Address4Info, Address6Info, AddressInfo, LinkInfo };

/** How long a request may wait for the kernel's answer. */
export const REPLY_TIMEOUT_MS = 2000;
/** sizeof(struct sockaddr_nl). */
const SOCKADDR_NL_SIZE = 12;
/** Room for one datagram of a dump (the kernel sends at most a page or so). */
const RECEIVE_SIZE = 64 * 1024;
/** The monitor's socket buffer: a burst of events between two wake-ups. */
const MONITOR_BUFFER_BYTES = 1 << 20;

/** A link or address change seen by a monitor socket. */
export type NetlinkEvent =
  | { kind: "link"; removed: boolean; link: LinkInfo }
  | { kind: "address"; removed: boolean; address: AddressInfo }
  /** Events were lost (the socket buffer overflowed): re-read everything. */
  | { kind: "overflow" };

/** A request waiting for its reply. */
interface Pending {
  what: string;
  object: string;
  deadline: number;
  messages: NetlinkMessage[];
  done: (m: NetlinkMessage) => boolean;
  resolve: (messages: NetlinkMessage[]) => void;
  reject: (e: Error) => void;
}

function sockaddrNl(groups: number): Uint8Array {
  const addr = new Uint8Array(SOCKADDR_NL_SIZE);
  const view = new DataView(addr.buffer);
  view.setUint16(0, AF_NETLINK, true);
  view.setUint32(8, groups, true);
  return addr;
}

/** An rtnetlink socket. */
export class Netlink extends OwnedFd {
  readonly #rx = new Uint8Array(RECEIVE_SIZE);
  readonly #pending = new Map<number, Pending>();
  #seq = Math.floor(Math.random() * 0x7fffffff);
  #pumping = false;
  /** A socket runs one dump at a time (the kernel says EBUSY otherwise). */
  #dumps: Promise<unknown> = Promise.resolve();

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
      const addr = sockaddrNl(groups);
      if (libc.bind(fd, addr, addr.length) < 0) {
        throw new SyscallError("bind", what, errno());
      }
      if (groups !== 0) {
        s.setInt(SOL_SOCKET, SO_RCVBUF, MONITOR_BUFFER_BYTES, "SO_RCVBUF");
      }
    } catch (e) {
      s.close();
      throw e;
    }
    return s;
  }

  /**
   * Shrinks the receive buffer (tests use it to provoke an overflow).
   *
   * @param bytes The new size.
   */
  setReceiveBuffer(bytes: number): void {
    this.setInt(SOL_SOCKET, SO_RCVBUF, bytes, "SO_RCVBUF");
  }

  /** Closes the socket; requests still waiting fail. */
  override close(): void {
    super.close();
    for (const [seq, p] of this.#pending) {
      this.#pending.delete(seq);
      p.reject(new SyscallError(p.what, p.object, Errno.EBADF, "closed"));
    }
  }

  /** Every link. */
  async links(): Promise<LinkInfo[]> {
    const got = await this.#dump(RTM_GETLINK, ifinfomsg(), "list links");
    return got.flatMap((m) => {
      const l = m.type === RTM_NEWLINK ? parseLink(m.payload) : null;
      return l === null ? [] : [l];
    });
  }

  /** Every IPv4 and IPv6 address. */
  async addresses(): Promise<AddressInfo[]> {
    const fixed = new Uint8Array(IFADDRMSG_LEN); // AF_UNSPEC: every family
    const got = await this.#dump(RTM_GETADDR, fixed, "list addresses");
    return got.flatMap((m) => {
      const a = m.type === RTM_NEWADDR ? parseAddress(m.payload) : null;
      return a === null ? [] : [a];
    });
  }

  /**
   * Adds an IPv4 address; an address already there counts as added.
   *
   * @param link The interface.
   * @param address The address.
   * @param prefix Prefix length.
   * @param label Label such as `eth1:carp`, or `null`.
   * @returns `true` when added now, `false` when it was already there.
   * @throws {SyscallError} Naming the address, the interface and errno.
   */
  async addAddress(
    link: { index: number; name: string },
    address: number,
    prefix: number,
    label: string | null,
  ): Promise<boolean> {
    const { fixed, attrs } = addressRequest(link.index, address, prefix, label);
    const object = `${formatAddress(address, prefix)} on "${link.name}"`;
    const err = await this.#ask(
      RTM_NEWADDR,
      NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL,
      fixed,
      attrs,
      "add address",
      object,
    );
    if (err === Errno.EEXIST) return false;
    if (err !== 0) throw new SyscallError("add address", object, err);
    return true;
  }

  /**
   * Removes an IPv4 address; an absent one counts as removed.
   *
   * @param link The interface.
   * @param address The address.
   * @param prefix Prefix length.
   * @returns `true` when removed now, `false` when it was not there.
   * @throws {SyscallError} Naming the address, the interface and errno.
   */
  async removeAddress(
    link: { index: number; name: string },
    address: number,
    prefix: number,
  ): Promise<boolean> {
    const { fixed, attrs } = addressRequest(link.index, address, prefix, null);
    const object = `${formatAddress(address, prefix)} on "${link.name}"`;
    const err = await this.#ask(
      RTM_DELADDR,
      NLM_F_REQUEST | NLM_F_ACK,
      fixed,
      attrs,
      "remove address",
      object,
    );
    if (
      err === Errno.EADDRNOTAVAIL || err === Errno.ENOENT ||
      err === Errno.ENODEV
    ) return false;
    if (err !== 0) throw new SyscallError("remove address", object, err);
    return true;
  }

  /**
   * Adds an IPv6 address without duplicate address detection (a VIP must
   * serve at once); an address already there counts as added.
   *
   * @param link The interface.
   * @param address The 16 bytes.
   * @param prefix Prefix length.
   * @returns `true` when added now, `false` when it was already there.
   * @throws {SyscallError} Naming the address, the interface and errno.
   */
  async addAddress6(
    link: { index: number; name: string },
    address: Uint8Array,
    prefix: number,
  ): Promise<boolean> {
    const { fixed, attrs } = address6Request(
      link.index,
      address,
      prefix,
      IFA_F_NODAD,
    );
    const object = `${formatIpv6Text(address)}/${prefix} on "${link.name}"`;
    const err = await this.#ask(
      RTM_NEWADDR,
      NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL,
      fixed,
      attrs,
      "add address",
      object,
    );
    if (err === Errno.EEXIST) return false;
    if (err !== 0) throw new SyscallError("add address", object, err);
    return true;
  }

  /**
   * Removes an IPv6 address; an absent one counts as removed.
   *
   * @param link The interface.
   * @param address The 16 bytes.
   * @param prefix Prefix length.
   * @returns `true` when removed now, `false` when it was not there.
   * @throws {SyscallError} Naming the address, the interface and errno.
   */
  async removeAddress6(
    link: { index: number; name: string },
    address: Uint8Array,
    prefix: number,
  ): Promise<boolean> {
    const { fixed, attrs } = address6Request(link.index, address, prefix, 0);
    const object = `${formatIpv6Text(address)}/${prefix} on "${link.name}"`;
    const err = await this.#ask(
      RTM_DELADDR,
      NLM_F_REQUEST | NLM_F_ACK,
      fixed,
      attrs,
      "remove address",
      object,
    );
    if (
      err === Errno.EADDRNOTAVAIL || err === Errno.ENOENT ||
      err === Errno.ENODEV
    ) return false;
    if (err !== 0) throw new SyscallError("remove address", object, err);
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
    return this.#ask(
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
      let n: number | null;
      try {
        n = this.receiveInto(this.#rx);
      } catch (e) {
        if (e instanceof SyscallError && e.errno === Errno.ENOBUFS) {
          out.push({ kind: "overflow" });
          continue;
        }
        throw e;
      }
      if (n === null) return out;
      for (const m of splitMessages(this.#rx.subarray(0, n))) {
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

  /** Requests sent and not yet answered. */
  get waiting(): number {
    return this.#pending.size;
  }

  #next(): number {
    this.#seq = (this.#seq % 0x7fffffff) + 1;
    return this.#seq;
  }

  /** Sends a request whose answer is one NLMSG_ERROR; returns its errno. */
  async #ask(
    type: number,
    flags: number,
    fixed: Uint8Array,
    attrs: Parameters<typeof encodeMessage>[4],
    what: string,
    object: string,
  ): Promise<number> {
    const seq = this.#next();
    const reply = await this.#send(
      encodeMessage(type, flags, seq, fixed, attrs),
      seq,
      what,
      object,
      (m) => m.type === NLMSG_ERROR,
    );
    return errorCode(reply[reply.length - 1]!.payload);
  }

  #dump(
    type: number,
    fixed: Uint8Array,
    what: string,
  ): Promise<NetlinkMessage[]> {
    const run = this.#dumps.then(
      () => this.#dumpNow(type, fixed, what),
      () => this.#dumpNow(type, fixed, what),
    );
    this.#dumps = run.catch(() => {});
    return run;
  }

  async #dumpNow(
    type: number,
    fixed: Uint8Array,
    what: string,
  ): Promise<NetlinkMessage[]> {
    const seq = this.#next();
    const got = await this.#send(
      encodeMessage(type, NLM_F_REQUEST | NLM_F_DUMP, seq, fixed),
      seq,
      what,
      this.what,
      (m) => m.type === NLMSG_DONE || m.type === NLMSG_ERROR,
    );
    const last = got[got.length - 1]!;
    if (last.type === NLMSG_ERROR && errorCode(last.payload) !== 0) {
      throw new SyscallError(what, this.what, errorCode(last.payload));
    }
    return got;
  }

  #send(
    msg: Uint8Array,
    seq: number,
    what: string,
    object: string,
    done: (m: NetlinkMessage) => boolean,
  ): Promise<NetlinkMessage[]> {
    const err = this.sendTo(msg, sockaddrNl(0), `(${what} ${object})`);
    if (err !== null) return Promise.reject(err);
    const reply = new Promise<NetlinkMessage[]>((resolve, reject) => {
      this.#pending.set(seq, {
        what,
        object,
        deadline: performance.now() + REPLY_TIMEOUT_MS,
        messages: [],
        done,
        resolve,
        reject,
      });
    });
    this.#drain();
    if (this.#pending.size > 0) void this.#pump();
    return reply;
  }

  /** Reads every reply waiting, without blocking; settles what is complete. */
  #drain(): void {
    for (;;) {
      let n: number | null;
      try {
        n = this.receiveInto(this.#rx);
      } catch (e) {
        for (const [seq, p] of this.#pending) {
          this.#pending.delete(seq);
          p.reject(e instanceof Error ? e : new Error(String(e)));
        }
        return;
      }
      if (n === null) break;
      for (const m of splitMessages(this.#rx.slice(0, n))) {
        const p = this.#pending.get(m.seq);
        if (p === undefined) continue; // a late reply to an expired request
        p.messages.push(m);
        if (p.done(m)) {
          this.#pending.delete(m.seq);
          p.resolve(p.messages);
        }
      }
    }
    const now = performance.now();
    for (const [seq, p] of this.#pending) {
      if (now < p.deadline) continue;
      this.#pending.delete(seq);
      p.reject(
        new SyscallError(
          p.what,
          p.object,
          Errno.ETIMEDOUT,
          `no reply from the kernel within ${REPLY_TIMEOUT_MS} ms`,
        ),
      );
    }
  }

  /** Waits on the helper thread for replies while requests are pending. */
  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      for (
        let i = 0;
        i < 10_000 && this.#pending.size > 0 && this.fd >= 0;
        i++
      ) {
        const first = Math.min(
          ...[...this.#pending.values()].map((p) => p.deadline),
        );
        const wait = Math.max(0, Math.min(100, first - performance.now()));
        await waitReadable([this.fd], wait);
        this.#drain();
      }
    } finally {
      this.#pumping = false;
    }
  }
}

/** IPv6 text for messages (full groups, no compression: ffi stays small). */
function formatIpv6Text(a: Uint8Array): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) {
    groups.push(((a[i]! << 8) | a[i + 1]!).toString(16));
  }
  return groups.join(":");
}

function formatAddress(address: number, prefix: number): string {
  return `${address >>> 24}.${(address >>> 16) & 255}.${
    (address >>> 8) & 255
  }.${address & 255}/${prefix}`;
}
