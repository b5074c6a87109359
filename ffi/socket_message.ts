/**
 * `struct msghdr` for `sendmsg`/`recvmsg`: a header with its one iovec, its
 * name and its control messages, in buffers a socket owns and reuses for
 * every call in one direction; the IPV6_PKTINFO message that names the
 * source of a packet sent, and the IPv6 messages read back (hop limit,
 * destination). Layouts from `<sys/socket.h>`, `<bits/uio.h>` and
 * `<netinet/in.h>` on 64-bit Linux (size_t and pointers are 8 bytes).
 * @module
 */

import {
  IPPROTO_IPV6,
  IPV6_HOPLIMIT,
  IPV6_PKTINFO,
  SO_TIMESTAMPNS,
  SOL_SOCKET,
} from "./constants.ts";

/** The control message SO_TIMESTAMPNS adds: the same number. */
const SCM_TIMESTAMPNS = SO_TIMESTAMPNS;
/** sizeof(struct timespec) on 64-bit Linux. */
const TIMESPEC_SIZE = 16;

/** sizeof(struct msghdr). */
export const MSGHDR_SIZE = 56;
/** sizeof(struct iovec). */
export const IOVEC_SIZE = 16;
/** sizeof(struct cmsghdr): len (size_t), level, type. */
export const CMSGHDR_SIZE = 16;
/** sizeof(struct in6_pktinfo): the address and the interface index. */
export const IN6_PKTINFO_SIZE = 20;
/** CMSG_SPACE(sizeof(struct in6_pktinfo)). */
const PKTINFO_SPACE = 40;
/** CMSG_LEN(sizeof(int)): the smallest hop limit message. */
const HOPLIMIT_LEN = CMSGHDR_SIZE + 4;

/** Offsets in `struct msghdr`. */
const MSG = {
  name: 0,
  namelen: 8,
  iov: 16,
  iovlen: 24,
  control: 32,
  controllen: 40,
  flags: 48,
} as const;

/** Where a buffer is, for a pointer field; the buffer must outlive the call. */
function addressOf(buf: Uint8Array): bigint {
  return BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(buf)));
}

/** A header pointing at one iovec, itself pointing at nothing yet. */
function newHeader(iov: Uint8Array): Uint8Array {
  const header = new Uint8Array(MSGHDR_SIZE);
  const msg = new DataView(header.buffer);
  msg.setBigUint64(MSG.iov, addressOf(iov), true);
  msg.setBigUint64(MSG.iovlen, 1n, true);
  return header;
}

/** Points an iovec at a buffer. */
function setIovec(iov: Uint8Array, data: Uint8Array): void {
  const v = new DataView(iov.buffer);
  v.setBigUint64(0, addressOf(data), true);
  v.setBigUint64(8, BigInt(data.length), true);
}

/** What the IPv6 control messages of a packet received said. */
export interface ReceivedControls {
  /** The hop limit it arrived with (IPV6_HOPLIMIT), `null` if not said. */
  hopLimit: number | null;
  /** Its destination (IPV6_PKTINFO), `null` if not said. */
  destination: Uint8Array | null;
  /**
   * When the kernel received it (SCM_TIMESTAMPNS, once SO_TIMESTAMPNS is
   * on), milliseconds since the epoch; `null` if not said.
   */
  arrivalMs: number | null;
}

/** The receiving side: a header whose buffers are filled by `recvmsg`. */
export class ReceiveMessage {
  /** Where the packet goes. */
  readonly data: Uint8Array;
  /** Where the sender's `struct sockaddr_*` goes. */
  readonly name: Uint8Array;
  readonly #control: Uint8Array;
  readonly #iov = new Uint8Array(IOVEC_SIZE);
  readonly #header: Uint8Array;
  readonly #msg: DataView;

  /**
   * @param dataSize The largest packet read.
   * @param nameSize Room for the sender's address.
   * @param controlSize Room for the control messages.
   */
  constructor(dataSize: number, nameSize: number, controlSize: number) {
    this.data = new Uint8Array(dataSize);
    this.name = new Uint8Array(nameSize);
    this.#control = new Uint8Array(controlSize);
    setIovec(this.#iov, this.data);
    this.#header = newHeader(this.#iov);
    this.#msg = new DataView(this.#header.buffer);
    this.#msg.setBigUint64(MSG.name, addressOf(this.name), true);
    this.#msg.setBigUint64(MSG.control, addressOf(this.#control), true);
  }

  /**
   * Resets what the last call changed.
   *
   * @returns The header to pass to `recvmsg`.
   */
  header(): Uint8Array {
    this.#msg.setUint32(MSG.namelen, this.name.length, true);
    this.#msg.setBigUint64(MSG.controllen, BigInt(this.#control.length), true);
    this.#msg.setInt32(MSG.flags, 0, true);
    return this.#header;
  }

  /** `msg_flags` of the last call (MSG_TRUNC, MSG_CTRUNC). */
  get flags(): number {
    return this.#msg.getInt32(MSG.flags, true);
  }

  /**
   * Reads the control messages of the last call: the arrival stamp (either
   * family), the hop limit and the destination (IPv6); others are skipped.
   * With SO_TIMESTAMPNS on, the stamp comes here and nowhere else
   * (SIOCGSTAMPNS then finds none).
   *
   * @returns What was said, each `null` when absent.
   */
  controls(): ReceivedControls {
    const out: ReceivedControls = {
      hopLimit: null,
      destination: null,
      arrivalMs: null,
    };
    const length = Number(this.#msg.getBigUint64(MSG.controllen, true));
    const c = new DataView(this.#control.buffer);
    for (let off = 0; off + CMSGHDR_SIZE <= length;) {
      const len = Number(c.getBigUint64(off, true));
      if (len < CMSGHDR_SIZE || off + len > length) break;
      const level = c.getInt32(off + 8, true);
      const type = c.getInt32(off + 12, true);
      const body = off + CMSGHDR_SIZE;
      if (level === IPPROTO_IPV6 && type === IPV6_HOPLIMIT) {
        if (len >= HOPLIMIT_LEN) out.hopLimit = c.getInt32(body, true);
      } else if (level === IPPROTO_IPV6 && type === IPV6_PKTINFO) {
        if (len >= CMSGHDR_SIZE + 16) {
          out.destination = this.#control.slice(body, body + 16);
        }
      } else if (level === SOL_SOCKET && type === SCM_TIMESTAMPNS) {
        if (len >= CMSGHDR_SIZE + TIMESPEC_SIZE) {
          const ms = Number(c.getBigInt64(body, true)) * 1000 +
            Number(c.getBigInt64(body + 8, true)) / 1e6;
          if (ms > 0) out.arrivalMs = ms;
        }
      }
      off += (len + 7) & ~7;
    }
    return out;
  }
}

/** The sending side: a header pointed at each packet in turn. */
export class SendMessage {
  readonly #iov = new Uint8Array(IOVEC_SIZE);
  readonly #pktinfo = new Uint8Array(PKTINFO_SPACE);
  readonly #header: Uint8Array;
  readonly #msg: DataView;
  /** The destination the header points at, kept alive while a send runs. */
  #name: Uint8Array = new Uint8Array(0);

  constructor() {
    this.#header = newHeader(this.#iov);
    this.#msg = new DataView(this.#header.buffer);
  }

  /**
   * Points the header at one packet.
   *
   * @param data The packet (alive until the send returns).
   * @param name The destination's `struct sockaddr_*`.
   * @param source With IPV6_PKTINFO, the source and its interface index;
   *   `null` for no control message.
   * @returns The header to pass to `sendmsg`.
   */
  header(
    data: Uint8Array,
    name: Uint8Array,
    source: { address: Uint8Array; ifindex: number } | null,
  ): Uint8Array {
    this.#name = name;
    setIovec(this.#iov, data);
    this.#msg.setBigUint64(MSG.name, addressOf(this.#name), true);
    this.#msg.setUint32(MSG.namelen, name.length, true);
    if (source === null) {
      this.#msg.setBigUint64(MSG.control, 0n, true);
      this.#msg.setBigUint64(MSG.controllen, 0n, true);
      return this.#header;
    }
    const c = new DataView(this.#pktinfo.buffer);
    this.#pktinfo.fill(0);
    c.setBigUint64(0, BigInt(CMSGHDR_SIZE + IN6_PKTINFO_SIZE), true);
    c.setInt32(8, IPPROTO_IPV6, true);
    c.setInt32(12, IPV6_PKTINFO, true);
    this.#pktinfo.set(source.address, CMSGHDR_SIZE);
    c.setUint32(CMSGHDR_SIZE + 16, source.ifindex, true);
    this.#msg.setBigUint64(MSG.control, addressOf(this.#pktinfo), true);
    this.#msg.setBigUint64(MSG.controllen, BigInt(PKTINFO_SPACE), true);
    return this.#header;
  }
}
