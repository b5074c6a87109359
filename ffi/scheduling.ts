/**
 * Realtime scheduling for the process's own threads (sched_setscheduler(2)
 * by thread id: on Linux a policy belongs to a thread, not a process).
 * @module
 */

import { fail, libc } from "./libc.ts";

/** `SCHED_OTHER`, Linux's normal time-sharing policy. */
export const SCHED_OTHER = 0;
/** `SCHED_FIFO`. */
export const SCHED_FIFO = 1;
/** `SCHED_RR`, realtime round robin. */
export const SCHED_RR = 2;
/**
 * Or'ed into a policy: processes and threads created later start with the
 * normal policy instead of inheriting the realtime one.
 */
export const SCHED_RESET_ON_FORK = 0x40000000;
/** sizeof(struct sched_param): one int. */
const SCHED_PARAM_SIZE = 4;

/**
 * Whether a thread runs under a realtime policy.
 *
 * @param tid The thread id.
 * @returns `true` for SCHED_RR or SCHED_FIFO; `false` otherwise or when the
 *   thread is gone.
 */
export function isRealtime(tid: number): boolean {
  const policy = libc.sched_getscheduler(tid);
  if (policy < 0) return false;
  const base = policy & ~SCHED_RESET_ON_FORK;
  return base === SCHED_RR || base === SCHED_FIFO;
}

/**
 * Puts a thread under SCHED_RR at `priority`, with SCHED_RESET_ON_FORK.
 *
 * @param tid The thread id.
 * @param priority 1-99.
 * @throws {SyscallError} When sched_setscheduler fails (EPERM without
 *   CAP_SYS_NICE or an RLIMIT_RTPRIO of at least `priority`; ESRCH when the
 *   thread is gone).
 */
export function setRealtime(tid: number, priority: number): void {
  setPolicy(
    tid,
    SCHED_RR | SCHED_RESET_ON_FORK,
    priority,
    `SCHED_RR ${priority} for thread ${tid}`,
  );
}

/**
 * Puts a thread back under SCHED_OTHER.
 *
 * @param tid The thread id.
 * @throws {SyscallError} When sched_setscheduler fails.
 */
export function setNormal(tid: number): void {
  setPolicy(tid, SCHED_OTHER, 0, `SCHED_OTHER for thread ${tid}`);
}

function setPolicy(
  tid: number,
  policy: number,
  priority: number,
  what: string,
): void {
  const param = new Uint8Array(SCHED_PARAM_SIZE);
  new DataView(param.buffer).setInt32(0, priority, true);
  if (libc.sched_setscheduler(tid, policy, param) < 0) {
    fail("sched_setscheduler", what);
  }
}
