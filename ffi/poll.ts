/**
 * Waiting for readable descriptors without blocking the event loop: poll
 * runs on a helper thread (a nonblocking FFI call), timers keep firing, and
 * an eventfd lets the daemon cut a wait short.
 * @module
 */

import {
  EFD_CLOEXEC,
  EFD_NONBLOCK,
  POLLERR,
  POLLHUP,
  POLLIN,
  POLLNVAL,
} from "./constants.ts";
import { fail, libc } from "./libc.ts";
import { OwnedFd } from "./fd.ts";
import { cString } from "./c_string.ts";

/** sizeof(struct pollfd): int fd, short events, short revents. */
export const POLLFD_SIZE = 8;
/** sizeof(struct timespec). */
const TIMESPEC_SIZE = 16;
/** An eventfd counter is a uint64_t. */
const EVENTFD_VALUE_SIZE = 8;

/** An eventfd that wakes a pending {@linkcode waitReadable}. */
export class Waker extends OwnedFd {
  readonly #one = new Uint8Array(EVENTFD_VALUE_SIZE);
  readonly #sink = new Uint8Array(EVENTFD_VALUE_SIZE);

  private constructor(fd: number) {
    super(fd, "eventfd");
    this.#one[0] = 1;
  }

  /** Opens one. */
  static open(): Waker {
    const fd = libc.eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (fd < 0) fail("open", "eventfd");
    return new Waker(fd);
  }

  /** Makes the descriptor readable. */
  wake(): void {
    libc.write(this.fd, this.#one, BigInt(EVENTFD_VALUE_SIZE));
  }

  /** Resets it after a wake-up. */
  drain(): void {
    libc.read(this.fd, this.#sink, BigInt(EVENTFD_VALUE_SIZE));
  }
}

/** What one poll found. */
export interface PollResult {
  /** Descriptors with data, an error or a hang-up to read. */
  readable: number[];
  /** Descriptors poll did not know (POLLNVAL): closed under the wait. */
  invalid: number[];
  /** poll itself failed (its errno is lost on the helper thread). */
  failed: boolean;
}

/**
 * Waits until some of `fds` are readable, or the timeout passes.
 *
 * @param fds Descriptors to watch.
 * @param timeoutMs Longest wait, to the microsecond.
 * @returns What was found; all empty on timeout or interruption.
 */
export async function waitReadable(
  fds: readonly number[],
  timeoutMs: number,
): Promise<PollResult> {
  // A fresh buffer each time: the pending call owns it until it returns.
  const buf = pollFds(fds);
  const n = await libc.pollWait(
    buf,
    BigInt(fds.length),
    timespec(timeoutMs),
    null,
  );
  return pollResult(fds, buf, n);
}

/**
 * Which of `fds` are readable right now, without waiting.
 *
 * @param fds Descriptors to look at.
 * @returns What was found (closed descriptors come back `invalid`).
 */
export function readableNow(fds: readonly number[]): PollResult {
  return waitReadableHere(fds, 0);
}

/**
 * Waits on the calling thread, blocking it, until some of `fds` are
 * readable or the timeout passes: for waits of a few milliseconds, where
 * the helper thread's hand-off costs more than the wait (two thread
 * wake-ups instead of one).
 *
 * @param fds Descriptors to watch.
 * @param timeoutMs Longest wait, to the microsecond; keep it short.
 * @returns What was found; all empty on timeout or interruption.
 */
export function waitReadableHere(
  fds: readonly number[],
  timeoutMs: number,
): PollResult {
  const buf = pollFds(fds);
  const n = libc.pollHere(buf, BigInt(fds.length), timespec(timeoutMs), null);
  return pollResult(fds, buf, n);
}

/** A struct timespec of `ms` milliseconds, to the nanosecond. */
function timespec(ms: number): Uint8Array<ArrayBuffer> {
  const buf = new Uint8Array(TIMESPEC_SIZE);
  const ns = Math.max(0, Math.ceil(ms * 1e6));
  const v = new DataView(buf.buffer);
  v.setBigInt64(0, BigInt(Math.floor(ns / 1e9)), true);
  v.setBigInt64(8, BigInt(ns % 1e9), true);
  return buf;
}

/** struct pollfd[] asking for POLLIN on each of `fds`. */
function pollFds(fds: readonly number[]): Uint8Array<ArrayBuffer> {
  const buf = new Uint8Array(POLLFD_SIZE * fds.length);
  const view = new DataView(buf.buffer);
  fds.forEach((fd, i) => {
    view.setInt32(POLLFD_SIZE * i, fd, true);
    view.setInt16(POLLFD_SIZE * i + 4, POLLIN, true);
  });
  return buf;
}

/** What poll's `n` and the revents in `buf` say. */
function pollResult(
  fds: readonly number[],
  buf: Uint8Array<ArrayBuffer>,
  n: number,
): PollResult {
  const result: PollResult = { readable: [], invalid: [], failed: n < 0 };
  if (n <= 0) return result;
  const view = new DataView(buf.buffer);
  fds.forEach((fd, i) => {
    const revents = view.getInt16(POLLFD_SIZE * i + 6, true);
    if (revents & POLLNVAL) result.invalid.push(fd);
    else if (revents & (POLLIN | POLLERR | POLLHUP)) result.readable.push(fd);
  });
  return result;
}

/**
 * The index of an interface.
 *
 * @param name Interface name.
 * @returns The index, or 0 when there is none.
 */
export function interfaceIndex(name: string): number {
  return libc.if_nametoindex(cString(name));
}
