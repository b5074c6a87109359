/**
 * The receive loop: one poll (on a helper thread) over every descriptor the
 * daemon reads, a handler per descriptor, and the protocol timers: the poll
 * sleeps until the earliest deadline and the loop fires what is due.
 * A failing poll backs off instead of spinning, and says so at most once
 * per window; a descriptor closed under the poll (POLLNVAL) is reported to
 * its owner and dropped from the set. An exception out of a handler is not
 * caught here: it ends {@linkcode EventLoop.run}, and the daemon stops.
 * @module
 */

import {
  readableNow,
  waitReadable,
  waitReadableHere,
  Waker,
} from "../../ffi/poll.ts";
import type { PollResult } from "../../ffi/poll.ts";
import { type Logger, logLimited, type LogRateLimiter } from "../log.ts";
import { TimerQueue } from "./timers.ts";

/** Longest a poll waits before the loop looks around again. */
export const POLL_TIMEOUT_MS = 1000;
/**
 * Waits this short are made on the JavaScript thread itself, blocking it:
 * the helper thread's hand-off costs two thread wake-ups a turn where this
 * costs one (at 256 adverts a second that is most of the daemon's CPU, and
 * each hand-off adds to the timer's lateness). The runtime's own work
 * (control and metrics sockets, health checks, signals) then waits at most
 * this long.
 */
export const WAIT_HERE_MAX_MS = 5;
/**
 * While waits are made here, the loop hands the thread back to the runtime
 * at least this often (every wait would double the cost of a turn).
 */
export const RUNTIME_EVERY_MS = 25;
/** Timers this late read the sockets again before they fire. */
const LATE_READ_MS = 1;
/** First pause after a failed poll; it doubles up to the next. */
const POLL_BACKOFF_FIRST_MS = 10;
const POLL_BACKOFF_MAX_MS = 1000;

interface Watch {
  onReadable: () => void;
  onInvalid: () => void;
}

/** What the loop tells the outside about its health. */
export interface LoopObserver {
  /** A poll came back and its ready descriptors were serviced. */
  turned(): void;
}

/** One loop for the whole daemon. */
export class EventLoop {
  readonly #log: Logger;
  readonly #limiter: LogRateLimiter;
  readonly #observer: LoopObserver;
  readonly #waker = Waker.open();
  readonly #watches = new Map<number, Watch>();
  #running = true;
  #backoffMs = 0;
  #pollFailures = 0;
  /** Test hooks: run once in the next turn, and a stall before polling. */
  #injected: (() => void) | null = null;
  #stallMs = 0;
  /**
   * When the helper's poll under way will time out by itself; -Infinity
   * when none is (a wait on this thread cannot be cut short, and need not:
   * no JavaScript runs to set an earlier timer meanwhile).
   */
  #pollUntil = -Infinity;
  /** When the runtime last had the thread. */
  #runtimeAt = 0;
  /** The protocol timers this loop fires. */
  readonly timers: TimerQueue = new TimerQueue((deadline) => {
    // An earlier deadline than the poll sleeps to: cut the sleep short.
    if (deadline < this.#pollUntil) this.#waker.wake();
  });

  constructor(log: Logger, limiter: LogRateLimiter, observer: LoopObserver) {
    this.#log = log;
    this.#limiter = limiter;
    this.#observer = observer;
  }

  /**
   * Reads `fd` whenever it is readable.
   *
   * @param fd The descriptor.
   * @param onReadable Called when it is readable (or in error).
   * @param onInvalid Called once if it was closed under the poll.
   */
  watch(
    fd: number,
    onReadable: () => void,
    onInvalid: () => void = () => {},
  ): void {
    this.#watches.set(fd, { onReadable, onInvalid });
    this.wake();
  }

  /** Stops reading `fd` (call before closing it). */
  unwatch(fd: number): void {
    if (this.#watches.delete(fd)) this.wake();
  }

  /** Cuts the current wait short, so a changed set takes effect. */
  wake(): void {
    this.#waker.wake();
  }

  /**
   * Test hook: runs `f` inside the next turn, as a handler would.
   *
   * @param f What to run (it may throw, to test the fatal path).
   */
  inject(f: () => void): void {
    this.#injected = f;
    this.wake();
  }

  /**
   * Test hook: serve no socket for `ms` (timers go on), as a stuck helper
   * thread would.
   *
   * @param ms How long.
   */
  stall(ms: number): void {
    this.#stallMs = ms;
    this.wake();
  }

  /** Makes {@linkcode run} return after the current turn. */
  stop(): void {
    this.#running = false;
    this.wake();
  }

  /**
   * Polls and dispatches until {@linkcode stop}.
   *
   * @throws What a handler throws: the daemon treats it as fatal.
   */
  async run(): Promise<void> {
    while (this.#running) {
      if (this.#stallMs > 0) {
        const ms = this.#stallMs;
        this.#stallMs = 0;
        await new Promise((r) => setTimeout(r, ms));
      }
      const fds = [this.#waker.fd, ...this.#watches.keys()];
      const now = performance.now();
      const next = this.timers.next();
      const timeout = next === null
        ? POLL_TIMEOUT_MS
        : Math.min(POLL_TIMEOUT_MS, Math.max(0, next - now));
      let result: PollResult;
      if (timeout <= WAIT_HERE_MAX_MS) {
        result = waitReadableHere(fds, timeout);
        if (performance.now() - this.#runtimeAt >= RUNTIME_EVERY_MS) {
          // A round trip through the runtime, so its own work runs too.
          await waitReadable([], 0);
          this.#runtimeAt = performance.now();
        }
      } else {
        this.#pollUntil = now + timeout;
        result = await waitReadable(fds, timeout);
        this.#pollUntil = -Infinity;
        this.#runtimeAt = performance.now();
      }
      if (!this.#running) break;
      if (result.failed) {
        this.timers.runDue(performance.now());
        await this.#backOff();
        continue;
      }
      this.#backoffMs = 0;
      this.#serve(result);
      const injected = this.#injected;
      this.#injected = null;
      injected?.();
      this.#runDueTimers();
      this.#observer.turned();
    }
  }

  #serve(result: PollResult): void {
    for (const fd of result.invalid) {
      const w = this.#watches.get(fd);
      if (w === undefined) continue; // unwatched and closed meanwhile
      this.#watches.delete(fd);
      this.#log.error(
        `receive loop: descriptor ${fd} was closed while polled`,
      );
      w.onInvalid();
    }
    for (const fd of result.readable) {
      if (fd === this.#waker.fd) this.#waker.drain();
      else this.#watches.get(fd)?.onReadable();
    }
  }

  /**
   * Fires the due timers; when late, having first read what arrived since
   * the poll returned: when the process ran late, the adverts that came
   * meanwhile are waiting in the sockets, and a backup must hear them
   * before its master-down timer decides the master is gone.
   */
  #runDueTimers(): void {
    const now = performance.now();
    const next = this.timers.next();
    if (next === null || next > now) return;
    if (now - next > LATE_READ_MS) {
      const late = readableNow([...this.#watches.keys()]);
      if (!late.failed) this.#serve(late);
    }
    this.timers.runDue(performance.now());
  }

  /** Closes the loop's own descriptor. */
  close(): void {
    this.#waker.close();
  }

  async #backOff(): Promise<void> {
    this.#pollFailures++;
    this.#backoffMs = Math.min(
      POLL_BACKOFF_MAX_MS,
      Math.max(POLL_BACKOFF_FIRST_MS, this.#backoffMs * 2),
    );
    logLimited(
      this.#log,
      this.#limiter,
      "poll failed",
      performance.now(),
      "error",
      `receive loop: poll failed (${this.#pollFailures} times so far); retrying in ${this.#backoffMs} ms`,
    );
    await new Promise((r) => setTimeout(r, this.#backoffMs));
  }
}
