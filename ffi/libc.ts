/**
 * The one libc symbol table, opened once for the life of the process, plus
 * errno and the error every wrapper throws. Only `ffi/` imports this.
 * @module
 */

import { getSystemErrorMessage, getSystemErrorName } from "node:util";

const SYMBOLS = {
  socket: { parameters: ["i32", "i32", "i32"], result: "i32" }, // (domain, type, protocol)
  setsockopt: {
    parameters: ["i32", "i32", "i32", "buffer", "u32"],
    result: "i32",
  }, // (fd, level, name, *val, len)
  bind: { parameters: ["i32", "buffer", "u32"], result: "i32" }, // (fd, *addr, len)
  sendto: {
    parameters: ["i32", "buffer", "usize", "i32", "buffer", "u32"], // (fd, *buf, len, flags, *addr, addrlen)
    result: "isize",
  },
  recvfrom: {
    parameters: ["i32", "buffer", "usize", "i32", "buffer", "buffer"], // (fd, *buf, len, flags, *addr, *addrlen)
    result: "isize",
  },
  read: { parameters: ["i32", "buffer", "usize"], result: "isize" }, // (fd, *buf, count)
  write: { parameters: ["i32", "buffer", "usize"], result: "isize" }, // (fd, *buf, count)
  close: { parameters: ["i32"], result: "i32" }, // (fd)
  eventfd: { parameters: ["u32", "i32"], result: "i32" }, // (initval, flags)
  clock_gettime: { parameters: ["i32", "buffer"], result: "i32" }, // (clockid, struct timespec *)
  if_nametoindex: { parameters: ["buffer"], result: "u32" }, // (const char *name)
  capget: { parameters: ["buffer", "buffer"], result: "i32" }, // (cap_user_header_t hdrp, cap_user_data_t datap)
  // poll that waits runs on a helper thread so the event loop keeps turning;
  // its errno is lost there, so callers treat -1 as "try again".
  pollWait: {
    name: "poll",
    parameters: ["buffer", "u64", "i32"],
    result: "i32",
    nonblocking: true,
  }, // (*fds, nfds, timeout)
  // The same poll, on this thread, for short bounded waits (netlink replies).
  pollNow: {
    name: "poll",
    parameters: ["buffer", "u64", "i32"],
    result: "i32",
  }, // (*fds, nfds, timeout)
  __errno_location: { parameters: [], result: "pointer" }, // int *(void)
} as const satisfies Deno.ForeignLibraryInterface;

/** libc's functions; never closed. */
export const libc = Deno.dlopen("libc.so.6", SYMBOLS).symbols;

const errnoView = new Deno.UnsafePointerView(libc.__errno_location()!);

/** Reads errno; call on the line right after the failed call. */
export function errno(): number {
  return errnoView.getInt32();
}

/** A failed system call: which call, on what, and errno. */
export class SyscallError extends Error {
  override name = "SyscallError";
  /** The call, such as `"bind"`. */
  readonly syscall: string;
  /** errno. */
  readonly errno: number;
  /** Its name, such as `"EPERM"`. */
  readonly code: string;

  constructor(syscall: string, object: string, err: number) {
    const code = errnoName(err);
    super(`Cannot ${syscall} ${object}: ${code} (${errnoMessage(err)})`);
    this.syscall = syscall;
    this.errno = err;
    this.code = code;
  }
}

function errnoName(err: number): string {
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

/**
 * Throws a {@linkcode SyscallError} with the current errno.
 *
 * @param syscall The call that failed.
 * @param object What it was called on, such as `raw socket on "eth1"`.
 */
export function fail(syscall: string, object: string): never {
  throw new SyscallError(syscall, object, errno());
}

/** errno values the wrappers handle by name. */
export const Errno = {
  EPERM: 1,
  EACCES: 13,
  EINTR: 4,
  EAGAIN: 11,
  ENODEV: 19,
  EEXIST: 17,
  EADDRNOTAVAIL: 99,
  ENOENT: 2,
  ENOBUFS: 105,
  ESRCH: 3,
} as const;

/** A NUL-terminated C string. */
export function cString(s: string): Uint8Array {
  return new TextEncoder().encode(s + "\0");
}
