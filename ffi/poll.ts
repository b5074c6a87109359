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
} from "./constants.ts";
import { fail, libc } from "./libc.ts";
import { OwnedFd } from "./fd.ts";

/** An eventfd that wakes a pending {@linkcode waitReadable}. */
export class Waker extends OwnedFd {
  private constructor(fd: number) {
    super(fd, "eventfd");
  }

  /** Opens one. */
  static open(): Waker {
    const fd = libc.eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (fd < 0) fail("open", "eventfd");
    return new Waker(fd);
  }

  /** Makes the descriptor readable. */
  wake(): void {
    const one = new Uint8Array(8);
    one[0] = 1;
    libc.write(this.fd, one, 8n);
  }

  /** Resets it after a wake-up. */
  drain(): void {
    libc.read(this.fd, new Uint8Array(8), 8n);
  }
}

/**
 * Waits until some of `fds` are readable, or the timeout passes.
 *
 * @param fds Descriptors to watch.
 * @param timeoutMs Longest wait.
 * @returns The descriptors that are readable (or in error); empty on timeout
 *   or interruption.
 */
export async function waitReadable(
  fds: readonly number[],
  timeoutMs: number,
): Promise<number[]> {
  // A fresh buffer each time: the pending call owns it until it returns.
  const buf = new Uint8Array(8 * fds.length);
  const view = new DataView(buf.buffer);
  fds.forEach((fd, i) => {
    view.setInt32(8 * i, fd, true);
    view.setInt16(8 * i + 4, POLLIN, true);
  });
  const n = await libc.pollWait(
    buf,
    BigInt(fds.length),
    Math.max(0, Math.round(timeoutMs)),
  );
  if (n <= 0) return [];
  const ready: number[] = [];
  fds.forEach((fd, i) => {
    if (view.getInt16(8 * i + 6, true) & (POLLIN | POLLERR | POLLHUP)) {
      ready.push(fd);
    }
  });
  return ready;
}

/**
 * The index of an interface.
 *
 * @param name Interface name.
 * @returns The index, or 0 when there is none.
 */
export function interfaceIndex(name: string): number {
  return libc.if_nametoindex(new TextEncoder().encode(name + "\0"));
}
