/**
 * The one libc symbol table, opened once for the life of the process, plus
 * errno and {@linkcode fail}, which throws the error every wrapper throws
 * (`errors.ts`). Only `ffi/` imports this.
 * @module
 */

import { SyscallError } from "./errors.ts";

/** ppoll(2), for the two ways it is called. */
const PPOLL = {
  name: "ppoll",
  parameters: [
    "buffer", // struct pollfd *fds
    "u64", // nfds_t nfds
    "buffer", // const struct timespec *tmo_p
    "buffer", // const sigset_t *sigmask (NULL)
  ],
  result: "i32",
} as const;

const SYMBOLS = {
  socket: {
    parameters: [
      "i32", // int domain
      "i32", // int type
      "i32", // int protocol
    ],
    result: "i32",
  },
  setsockopt: {
    parameters: [
      "i32", // int sockfd
      "i32", // int level
      "i32", // int optname
      "buffer", // const void *optval
      "u32", // socklen_t optlen
    ],
    result: "i32",
  },
  bind: {
    parameters: [
      "i32", // int sockfd
      "buffer", // const struct sockaddr *addr
      "u32", // socklen_t addrlen
    ],
    result: "i32",
  },
  sendto: {
    parameters: [
      "i32", // int sockfd
      "buffer", // const void *buf
      "usize", // size_t len
      "i32", // int flags
      "buffer", // const struct sockaddr *dest_addr
      "u32", // socklen_t addrlen
    ],
    result: "isize",
  },
  recvfrom: {
    parameters: [
      "i32", // int sockfd
      "buffer", // void *buf
      "usize", // size_t len
      "i32", // int flags
      "buffer", // struct sockaddr *src_addr (may be NULL)
      "buffer", // socklen_t *addrlen (may be NULL)
    ],
    result: "isize",
  },
  recvmsg: {
    parameters: [
      "i32", // int sockfd
      "buffer", // struct msghdr *msg
      "i32", // int flags
    ],
    result: "isize",
  },
  sendmsg: {
    parameters: [
      "i32", // int sockfd
      "buffer", // const struct msghdr *msg
      "i32", // int flags
    ],
    result: "isize",
  },
  read: {
    parameters: [
      "i32", // int fd
      "buffer", // void *buf
      "usize", // size_t count
    ],
    result: "isize",
  },
  write: {
    parameters: [
      "i32", // int fd
      "buffer", // const void *buf
      "usize", // size_t count
    ],
    result: "isize",
  },
  close: {
    parameters: [
      "i32", // int fd
    ],
    result: "i32",
  },
  eventfd: {
    parameters: [
      "u32", // unsigned int initval
      "i32", // int flags
    ],
    result: "i32",
  },
  clock_gettime: {
    parameters: [
      "i32", // clockid_t clockid
      "buffer", // struct timespec *tp
    ],
    result: "i32",
  },
  if_nametoindex: {
    parameters: [
      "buffer", // const char *ifname
    ],
    result: "u32",
  },
  capget: {
    parameters: [
      "buffer", // cap_user_header_t hdrp
      "buffer", // cap_user_data_t datap
    ],
    result: "i32",
  },
  // ppoll on the calling thread: what is readable now, or a short wait that
  // costs one thread wake-up instead of two (pollWait, below, is the same
  // call on a helper thread).
  pollHere: PPOLL,
  open: {
    parameters: [
      "buffer", // const char *pathname
      "i32", // int flags
    ],
    result: "i32",
  },
  ioctl: {
    parameters: [
      "i32", // int fd
      "u64", // unsigned long request
      "buffer", // void *argp
    ],
    result: "i32",
  },
  opendir: {
    parameters: [
      "buffer", // const char *name
    ],
    result: "pointer", // DIR *
  },
  readdir: {
    parameters: [
      "pointer", // DIR *dirp
    ],
    result: "pointer", // struct dirent *
  },
  closedir: {
    parameters: [
      "pointer", // DIR *dirp
    ],
    result: "i32",
  },
  getrusage: {
    parameters: [
      "i32", // int who
      "buffer", // struct rusage *usage
    ],
    result: "i32",
  },
  getrlimit: {
    parameters: [
      "i32", // int resource
      "buffer", // struct rlimit *rlim
    ],
    result: "i32",
  },
  sched_setscheduler: {
    parameters: [
      "i32", // pid_t pid (a thread id)
      "i32", // int policy
      "buffer", // const struct sched_param *param
    ],
    result: "i32",
  },
  sched_getscheduler: {
    parameters: [
      "i32", // pid_t pid (a thread id)
    ],
    result: "i32",
  },
  // A poll that waits runs on a helper thread so the event loop keeps
  // turning; errno is lost there, so callers treat -1 as "try again later".
  // ppoll, for its nanosecond timeout: the daemon's protocol timers are the
  // poll's timeout, not JavaScript timers (which fire a millisecond late).
  pollWait: { ...PPOLL, nonblocking: true },
  __errno_location: {
    parameters: [],
    result: "pointer", // int *
  },
} as const satisfies Deno.ForeignLibraryInterface;

/** libc's functions; never closed. */
export const libc = Deno.dlopen("libc.so.6", SYMBOLS).symbols;

const errnoView = new Deno.UnsafePointerView(libc.__errno_location()!);

/** Reads errno; call on the line right after the failed call. */
export function errno(): number {
  return errnoView.getInt32();
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
