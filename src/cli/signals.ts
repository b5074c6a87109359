/**
 * ucarp's signals for `carpd run`, listened for from the first moment:
 * TERM/INT stop gracefully, HUP reloads (or stops, for ucarp), USR1 logs
 * the states, USR2 steps down. A signal that comes before the daemon is up
 * (while the config loads, while sockets open, between READY and the end
 * of the start) would otherwise take the default action and kill the
 * process with its VIPs on; here it is kept and carried out once the
 * daemon is there.
 * @module
 */

/** What the signals drive. */
export interface SignalTarget {
  /** Graceful stop; `why` names the signal. */
  stop(why: string): void;
  /** Reload the config. */
  reload(): void;
  /** Log every vhid's state. */
  logStates(): void;
  /** Bow out where MASTER. */
  stepDown(): void;
}

/** Where signal listeners go (Deno's, or a test's). */
export interface SignalHost {
  /** Starts listening. */
  add(signal: Deno.Signal, handler: () => void): void;
  /** Stops listening. */
  remove(signal: Deno.Signal, handler: () => void): void;
}

const DENO_SIGNALS: SignalHost = {
  add: (s, h) => Deno.addSignalListener(s, h),
  remove: (s, h) => Deno.removeSignalListener(s, h),
};

/**
 * Listens for the daemon's signals from construction on, and hands them
 * to the daemon once {@linkcode attach} gives it one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SignalRelay } from "./signals.ts";
 * const heard = new Map<string, () => void>();
 * const relay = new SignalRelay("reload", {
 *   add: (s, h) => heard.set(s, h),
 *   remove: (s) => heard.delete(s),
 * });
 * heard.get("SIGHUP")!(); // before the daemon is up: kept
 * const done: string[] = [];
 * relay.attach({
 *   stop: (why) => done.push(why),
 *   reload: () => done.push("reload"),
 *   logStates: () => {},
 *   stepDown: () => {},
 * });
 * assert.deepEqual(done, ["reload"]);
 * relay.close();
 * assert.equal(heard.size, 0);
 * ```
 */
export class SignalRelay {
  readonly #host: SignalHost;
  readonly #handlers: [Deno.Signal, () => void][];
  #target: SignalTarget | null = null;
  #stop: string | null = null;
  #reload = false;

  /**
   * Starts listening.
   *
   * @param hup What SIGHUP does: `reload` (carpd) or `stop` (ucarp).
   * @param host Where listeners go.
   */
  constructor(hup: "reload" | "stop", host: SignalHost = DENO_SIGNALS) {
    this.#host = host;
    const stop = (why: string) => () => {
      if (this.#target !== null) this.#target.stop(why);
      else this.#stop ??= why;
    };
    this.#handlers = [
      ["SIGTERM", stop("SIGTERM")],
      ["SIGINT", stop("SIGINT")],
      [
        "SIGHUP",
        hup === "stop" ? stop("SIGHUP") : () => {
          if (this.#target !== null) this.#target.reload();
          else this.#reload = true;
        },
      ],
      // Before the daemon is up there is no state to log and no MASTER to
      // step down: these are dropped rather than kept.
      ["SIGUSR1", () => this.#target?.logStates()],
      ["SIGUSR2", () => this.#target?.stepDown()],
    ];
    for (const [signal, h] of this.#handlers) host.add(signal, h);
  }

  /** The stop signal that came before the daemon was up, if one did. */
  get stopRequested(): string | null {
    return this.#stop;
  }

  /**
   * Hands signals to the daemon from now on, and carries out what came
   * before: a stop wins over a reload (the daemon stops at once).
   *
   * @param target The daemon.
   */
  attach(target: SignalTarget): void {
    this.#target = target;
    if (this.#stop !== null) target.stop(this.#stop);
    else if (this.#reload) target.reload();
    this.#reload = false;
  }

  /** Stops listening (signals take their default action again). */
  close(): void {
    for (const [signal, h] of this.#handlers) this.#host.remove(signal, h);
    this.#target = null;
  }
}
