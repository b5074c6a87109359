/**
 * This process as the kernel sees it: its threads, open descriptors, CPU
 * time and descriptor limit. Read through libc rather than Deno's file
 * API, which refuses `/proc/self` to a process without `--allow-all`.
 * @module
 */

import { cString } from "./c_string.ts";
import { fail, libc } from "./libc.ts";

/** O_RDONLY | O_CLOEXEC. */
const O_RDONLY_CLOEXEC = 0o2000000;
/** The most of a small kernel file read. */
const SMALL_FILE_BYTES = 65536;
/** Offset of d_name in glibc's struct dirent (x86_64 and aarch64). */
const DIRENT_NAME_OFFSET = 19;
/** RUSAGE_SELF. */
const RUSAGE_SELF = 0;
/** sizeof(struct rusage). */
const RUSAGE_SIZE = 144;
/** RLIMIT_NOFILE. */
const RLIMIT_NOFILE = 7;
/** sizeof(struct rlimit). */
const RLIMIT_SIZE = 16;
/** Bounds a listing (a process has far fewer threads or descriptors). */
const MAX_ENTRIES = 1_000_000;

/**
 * The names in a directory, without `.` and `..`.
 *
 * @param path Such as `/proc/self/task`.
 * @returns The names.
 * @throws {SyscallError} When opendir fails.
 */
export function listDirectory(path: string): string[] {
  const dir = libc.opendir(cString(path));
  if (dir === null) fail("opendir", `"${path}"`);
  const names: string[] = [];
  try {
    for (let i = 0; i < MAX_ENTRIES; i++) {
      const entry = libc.readdir(dir);
      if (entry === null) break;
      const name = new Deno.UnsafePointerView(entry).getCString(
        DIRENT_NAME_OFFSET,
      );
      if (name !== "." && name !== "..") names.push(name);
    }
  } finally {
    libc.closedir(dir);
  }
  return names;
}

/**
 * A small file such as one under `/proc/self` or `/sys/fs/cgroup`.
 *
 * @param path The file.
 * @returns Its text (at most 64 KiB).
 * @throws {SyscallError} When open or read fails.
 */
export function readSmallFile(path: string): string {
  const fd = libc.open(cString(path), O_RDONLY_CLOEXEC);
  if (fd < 0) fail("open", `"${path}"`);
  try {
    const buf = new Uint8Array(SMALL_FILE_BYTES);
    let length = 0;
    for (let i = 0; i < 64 && length < buf.length; i++) {
      const n = Number(
        libc.read(fd, buf.subarray(length), BigInt(buf.length - length)),
      );
      if (n < 0) fail("read", `"${path}"`);
      if (n === 0) break;
      length += n;
    }
    return new TextDecoder().decode(buf.subarray(0, length));
  } finally {
    libc.close(fd);
  }
}

/**
 * This process's command line, as it was started.
 *
 * @returns argv, from `/proc/self/cmdline`.
 * @throws {SyscallError} When it cannot be read.
 */
export function commandLine(): string[] {
  const text = readSmallFile("/proc/self/cmdline");
  return text.split("\0").slice(0, -1);
}

/**
 * This process's thread ids.
 *
 * @returns The ids, from `/proc/self/task`.
 * @throws {SyscallError} When it cannot be read.
 */
export function threadIds(): number[] {
  return listDirectory("/proc/self/task").map(Number)
    .filter((id) => Number.isInteger(id) && id > 0);
}

/**
 * A thread's name.
 *
 * @param tid The thread id.
 * @returns Its `comm`, or "" when it is gone.
 */
export function threadName(tid: number): string {
  try {
    return readSmallFile(`/proc/self/task/${tid}/comm`).trim();
  } catch {
    return "";
  }
}

/**
 * Descriptors this process has open.
 *
 * @returns How many, from `/proc/self/fd` (the listing's own included).
 * @throws {SyscallError} When it cannot be read.
 */
export function openDescriptors(): number {
  return listDirectory("/proc/self/fd").length;
}

/**
 * User and system CPU time this process has used.
 *
 * @returns Seconds.
 * @throws {SyscallError} When getrusage fails.
 */
export function cpuSeconds(): number {
  const usage = new Uint8Array(RUSAGE_SIZE);
  if (libc.getrusage(RUSAGE_SELF, usage) < 0) fail("getrusage", "self");
  const v = new DataView(usage.buffer);
  const seconds = (at: number): number =>
    Number(v.getBigInt64(at, true)) + Number(v.getBigInt64(at + 8, true)) / 1e6;
  return seconds(0) + seconds(16); // ru_utime, ru_stime
}

/**
 * The soft limit on open descriptors.
 *
 * @returns RLIMIT_NOFILE's soft limit (`Infinity` when unlimited).
 * @throws {SyscallError} When getrlimit fails.
 */
export function descriptorLimit(): number {
  const limit = new Uint8Array(RLIMIT_SIZE);
  if (libc.getrlimit(RLIMIT_NOFILE, limit) < 0) {
    fail("getrlimit", "RLIMIT_NOFILE");
  }
  const soft = new DataView(limit.buffer).getBigUint64(0, true);
  return soft === 0xffffffffffffffffn ? Infinity : Number(soft);
}
