/**
 * Hooks (up/down scripts, notify commands): run without a shell, one at a
 * time per queue (the box has one) so they keep their order, killed with
 * their whole process group at their timeout.
 * @module
 */

import type { Logger } from "../log.ts";
import { errorMessage } from "../errors.ts";

/** What to run. */
export interface HookJob {
  /** Program and arguments. */
  argv: string[];
  /** Killed after this long. */
  timeoutMs: number;
  /** For log lines, such as `vhid 3 up script`. */
  label: string;
  /** Run as this user and group instead of carpd's own (root). */
  as?: { uid: number; gid: number };
}

/** How a hook ended. */
export interface HookResult {
  /** The job's label, for the log. */
  label: string;
  /** The program and arguments it ran. */
  argv: string[];
  /** Exit code, or `null` when killed or not started. */
  code: number | null;
  /** The signal that ended it (`"SIGSEGV"`), when one did. */
  signal: Deno.Signal | null;
  /** Killed at its timeout. */
  timedOut: boolean;
  /** Why it could not start, if it did not. */
  error: string | null;
  /** The last bytes of its output. */
  outputTail: string;
}

/** Bytes of output kept for the log. */
const TAIL_BYTES = 2048;

/**
 * Runs one command with a timeout; never throws.
 *
 * @param job The command.
 * @returns How it ended.
 */
export async function runCommand(job: HookJob): Promise<HookResult> {
  const base = { label: job.label, argv: job.argv };
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(job.argv[0]!, {
      args: job.argv.slice(1),
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      // Daemons run their children from /: a check or hook run as another
      // user must not depend on reaching the directory carpd started in.
      cwd: "/",
      detached: true, // its own process group, so a timeout kills its children too
      ...(job.as === undefined ? {} : { uid: job.as.uid, gid: job.as.gid }),
    }).spawn();
  } catch (e) {
    const error = errorMessage(e);
    return {
      ...base,
      code: null,
      signal: null,
      timedOut: false,
      error,
      outputTail: "",
    };
  }
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup(child.pid);
  }, job.timeoutMs);
  const [status, out, err] = await Promise.all([
    child.status,
    tail(child.stdout),
    tail(child.stderr),
  ]);
  clearTimeout(timer);
  killGroup(child.pid); // leftovers the hook forked and forgot
  const outputTail = (out + err).slice(-TAIL_BYTES);
  return {
    ...base,
    code: timedOut || status.signal !== null ? null : status.code,
    signal: timedOut ? null : status.signal,
    timedOut,
    error: null,
    outputTail,
  };
}

function killGroup(pid: number): void {
  try {
    Deno.kill(-pid, "SIGKILL");
  } catch {
    // already gone
  }
}

/** Reads a stream to the end, keeping only its last bytes. */
async function tail(stream: ReadableStream<Uint8Array>): Promise<string> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of stream) {
    chunks.push(chunk);
    size += chunk.length;
    while (size - chunks[0]!.length >= TAIL_BYTES) {
      size -= chunks.shift()!.length;
    }
  }
  const all = new Uint8Array(size);
  let off = 0;
  for (const c of chunks) {
    all.set(c, off);
    off += c.length;
  }
  return new TextDecoder().decode(all.subarray(Math.max(0, size - TAIL_BYTES)));
}

/**
 * Runs a command to its end (or its timeout) and says how it ended;
 * {@linkcode runCommand} in production, simulated processes in the
 * simulator.
 */
export type Spawner = (job: HookJob) => Promise<HookResult>;

/** A queue that runs its jobs one after another, in order. */
export class HookQueue {
  #last: Promise<void> = Promise.resolve();
  #pending = 0;
  readonly #log: Logger;
  readonly #spawn: Spawner;

  /**
   * An empty queue.
   *
   * @param log Where failures are reported.
   * @param spawn How commands run.
   */
  constructor(log: Logger, spawn: Spawner = runCommand) {
    this.#log = log;
    this.#spawn = spawn;
  }

  /** Jobs queued or running. */
  get pending(): number {
    return this.#pending;
  }

  /**
   * Queues a job; returns at once.
   *
   * @param job The command.
   * @param after The job (and those behind it) starts once this settled.
   * @returns A promise of its result (callers need not wait).
   */
  enqueue(job: HookJob, after?: Promise<unknown>): Promise<HookResult> {
    this.#pending++;
    const result = this.#last.then(() => after).then(() => this.#spawn(job));
    this.#last = result.then((r) => {
      this.#pending--;
      this.#report(r);
    });
    return result;
  }

  /** Resolves when every queued job has finished. */
  idle(): Promise<void> {
    return this.#last;
  }

  #report(r: HookResult): void {
    if (r.error !== null) {
      this.#log.error(`${r.label}: cannot run ${r.argv[0]}: ${r.error}`);
    } else if (r.timedOut) {
      this.#log.error(
        `${r.label}: ${r.argv[0]} killed after its timeout${tailNote(r)}`,
      );
    } else if (r.code !== 0) {
      this.#log.warning(
        `${r.label}: ${r.argv[0]} exited with ${
          r.code ?? r.signal ?? "a signal"
        }${tailNote(r)}`,
      );
    } else {
      this.#log.debug(`${r.label}: ${r.argv.join(" ")} ok`);
    }
  }
}

function tailNote(r: HookResult): string {
  const t = r.outputTail.trim();
  return t === "" ? "" : `; output ends: ${t.slice(-300)}`;
}
