/**
 * The errors of the libc wrappers: {@linkcode SyscallError} (which call, on
 * what, and errno) and the errno values handled by name. Nothing here loads
 * libc, so `src/` imports its errors from this module, never `libc.ts`.
 * @module
 */

import { getSystemErrorMessage, getSystemErrorName } from "node:util";

/** A failed system call: which call, on what, and errno. */
export class SyscallError extends Error {
  /** `"SyscallError"`. */
  override name = "SyscallError";
  /** The call, such as `"bind"`. */
  readonly syscall: string;
  /** errno. */
  readonly errno: number;
  /** Its name, such as `"EPERM"`. */
  readonly code: string;

  /**
   * The error of a failed call, its message naming the call, the object
   * and errno.
   *
   * @param syscall The call, such as `"sendto"`.
   * @param object What it was called on, such as `raw CARP socket on "eth1"`.
   * @param err errno.
   * @param detail Said after errno's own message, when there is more to say.
   */
  constructor(syscall: string, object: string, err: number, detail?: string) {
    const code = errnoName(err);
    super(
      `Cannot ${syscall} ${object}: ${code} (${errnoMessage(err)}${
        detail === undefined ? "" : `; ${detail}`
      })`,
    );
    this.syscall = syscall;
    this.errno = err;
    this.code = code;
  }
}

/**
 * errno's symbolic name.
 *
 * @param err errno.
 * @returns Such as `"EPERM"`, or `"errno 4242"` when unknown.
 */
export function errnoName(err: number): string {
  try {
    return getSystemErrorName(-err);
  } catch {
    return `errno ${err}`;
  }
}

function errnoMessage(err: number): string {
  try {
    return getSystemErrorMessage(-err);
  } catch {
    return "unknown error";
  }
}

/** errno values the wrappers handle by name. */
export const Errno = {
  EPERM: 1,
  ENOENT: 2,
  ESRCH: 3,
  EINTR: 4,
  EBADF: 9,
  EAGAIN: 11,
  EACCES: 13,
  EEXIST: 17,
  ENODEV: 19,
  ENETDOWN: 100,
  EADDRNOTAVAIL: 99,
  ENOBUFS: 105,
  ETIMEDOUT: 110,
} as const;
