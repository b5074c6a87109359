/**
 * An rtnetlink socket's plumbing: open and bind (to event groups, for a
 * monitor), requests and their replies, dumps one at a time. What is asked
 * is in `netlink.ts`; how messages are laid out, in `netlink_message.ts`.
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
  NLM_F_DUMP,
  NLM_F_REQUEST,
  NLMSG_DONE,
  NLMSG_ERROR,
  SO_RCVBUF,
  SOL_SOCKET,
} from "./constants.ts";
import { Errno, SyscallError } from "./errors.ts";
import { OwnedFd } from "./fd.ts";
import { errno, libc } from "./libc.ts";
import {
  encodeMessage,
  errorCode,
  type NetlinkMessage,
  splitMessages,
} from "./netlink_message.ts";
import { waitReadable } from "./poll.ts";

/** How long a request may wait for the kernel's answer. */
export const REPLY_TIMEOUT_MS = 2000;
/** sizeof(struct sockaddr_nl). */
const SOCKADDR_NL_SIZE = 12;
/** Room for one datagram of a dump (the kernel sends at most a page or so). */
const RECEIVE_SIZE = 64 * 1024;
/** The monitor's socket buffer: a burst of events between two wake-ups. */
const MONITOR_BUFFER_BYTES = 1 << 20;

/** The attributes of a request, as {@linkcode encodeMessage} takes them. */
export type Attributes = Parameters<typeof encodeMessage>[4];

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

/** An rtnetlink socket: requests, replies, and messages as they come. */
export class NetlinkSocket extends OwnedFd {
  readonly #rx = new Uint8Array(RECEIVE_SIZE);
  readonly #pending = new Map<number, Pending>();
  #seq = Math.floor(Math.random() * 0x7fffffff);
  #pumping = false;
  /** A socket runs one dump at a time (the kernel says EBUSY otherwise). */
  #dumps: Promise<unknown> = Promise.resolve();

  protected constructor(fd: number, what: string) {
    super(fd, what);
  }

  /**
   * Binds the socket; with `groups` it also receives those multicast
   * events, into a buffer big enough for a burst of them.
   *
   * @param groups Event groups, 0 for a request-only socket.
   * @throws {SyscallError} Naming the call and errno.
   */
  protected bindGroups(groups: number): void {
    const addr = sockaddrNl(groups);
    if (libc.bind(this.fd, addr, addr.length) < 0) {
      throw new SyscallError("bind", this.what, errno());
    }
    if (groups !== 0) {
      this.setInt(SOL_SOCKET, SO_RCVBUF, MONITOR_BUFFER_BYTES, "SO_RCVBUF");
    }
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

  /** Requests sent and not yet answered. */
  get waiting(): number {
    return this.#pending.size;
  }

  /**
   * Takes one waiting datagram, without blocking.
   *
   * @returns Its messages (copies), or `null` when nothing is waiting.
   * @throws {SyscallError} Such as ENOBUFS when events were lost.
   */
  protected receiveMessages(): NetlinkMessage[] | null {
    const n = this.receiveInto(this.#rx);
    return n === null ? null : splitMessages(this.#rx.slice(0, n));
  }

  /**
   * Sends a request whose answer is one NLMSG_ERROR.
   *
   * @param type RTM_*.
   * @param flags NLM_F_*.
   * @param fixed The family-specific struct.
   * @param attrs Attributes.
   * @param what The request, for messages (`add address`).
   * @param object What it is about, for messages.
   * @returns The errno of the answer (0 = done).
   */
  protected async ask(
    type: number,
    flags: number,
    fixed: Uint8Array,
    attrs: Attributes,
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

  /**
   * Runs a dump, after any other dump of this socket.
   *
   * @param type RTM_GET*.
   * @param fixed The family-specific struct.
   * @param what The request, for messages (`list links`).
   * @returns Every message of the answer.
   * @throws {SyscallError} When the kernel refused.
   */
  protected dump(
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

  #next(): number {
    this.#seq = (this.#seq % 0x7fffffff) + 1;
    return this.#seq;
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
      let got: NetlinkMessage[] | null;
      try {
        got = this.receiveMessages();
      } catch (e) {
        for (const [seq, p] of this.#pending) {
          this.#pending.delete(seq);
          p.reject(e instanceof Error ? e : new Error(String(e)));
        }
        return;
      }
      if (got === null) break;
      for (const m of got) {
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
