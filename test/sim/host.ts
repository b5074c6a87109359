/**
 * A simulated box as the daemon's platform: its loop (readiness of its
 * sockets and monitor, delivered on the virtual clock), its view of the
 * clock (nothing of a killed daemon runs again; nothing of a paused box
 * runs until it resumes), its processes (hooks and checks that end after a
 * while, as the box's health says), its rtnetlink, frames and sockets.
 * One incarnation per daemon started: killing it makes every port inert.
 */

import type { Cancel, Clock } from "../../src/daemon/clock.ts";
import type {
  FramePort,
  LoopObserver,
  LoopPort,
  Platform,
  SocketPlace,
} from "../../src/daemon/platform.ts";
import type { ThreadScheduler } from "../../src/daemon/timing/scheduling.ts";
import type { HookJob, HookResult } from "../../src/hooks/runner.ts";
import type { SimKernel } from "./kernel.ts";
import type { Attachment, Lan, SimSocket } from "./lan.ts";
import type { VirtualClock } from "./virtual_clock.ts";

/** EtherType of IPv4 (broadcast-mode adverts). */
const ETH_P_IP = 0x0800;

/** A process run on the box, as the simulation saw it. */
export interface ProcessRecord {
  /** When it started and ended (virtual ms); `end` null while running. */
  start: number;
  end: number | null;
  /** Which of the box's daemons ran it. */
  generation: number;
  label: string;
  argv: string[];
}

/** What the platform needs of its box. */
export interface BoxView {
  /** Its number. */
  readonly id: number;
  /** Until when it is paused (a VM stopped), virtual ms. */
  readonly pausedUntil: number;
  /** The interface as the LAN sees it. */
  attachment(ifname: string): Attachment;
  /** Whether a check of this name passes now. */
  checkPasses(name: string): boolean;
  /** Records a process. */
  processes: ProcessRecord[];
  /** How many daemons the box has started. */
  readonly generation: number;
  /** Something threw where nothing should. */
  failure(e: unknown): void;
}

/** One daemon's life on a box. */
export class Incarnation {
  alive = true;
  readonly sockets: SimSocket<number | Uint8Array>[] = [];
}

/** How long simulated hooks and checks take. */
const HOOK_MS = 15;
const CHECK_MS = 8;

/** No threads to move: the simulator has no realtime. */
const NO_THREADS: ThreadScheduler = {
  threads: () => [],
  isRealtime: () => false,
  name: () => "",
  setRealtime: () => {},
  setNormal: () => {},
  explainRefusal: () => null,
};

/**
 * The clock as one incarnation sees it.
 *
 * @param world The world's clock.
 * @param box The box.
 * @param inc The incarnation.
 * @returns The clock.
 */
export function boxClock(
  world: VirtualClock,
  box: BoxView,
  inc: Incarnation,
): Clock {
  const guard = (fire: () => void): () => void => {
    const run = (): void => {
      if (!inc.alive) return;
      if (box.pausedUntil > world.now()) {
        world.at(box.pausedUntil, run);
        return;
      }
      try {
        fire();
      } catch (e) {
        box.failure(e);
      }
    };
    return run;
  };
  return {
    now: () => world.now(),
    wallMs: () => world.wallMs(),
    random32: () => world.random32(),
    at: (deadline, fire): Cancel => world.at(deadline, guard(fire)),
    after: (ms, fire): Cancel => world.after(ms, guard(fire)),
  };
}

/** The loop of one incarnation. */
class SimLoop implements LoopPort {
  readonly #clock: Clock;
  readonly #watches = new Map<
    number,
    { onReadable: () => void; onInvalid: () => void }
  >();
  readonly #pending = new Set<number>();
  #stop: (() => void) | null = null;
  #fail: ((e: unknown) => void) | null = null;
  readonly #observer: LoopObserver;
  readonly timers: { at(deadline: number, fire: () => void): Cancel };

  constructor(clock: Clock, observer: LoopObserver) {
    this.#clock = clock;
    this.#observer = observer;
    this.timers = { at: (d, f) => clock.at(d, () => this.#guarded(f)) };
  }

  watch(fd: number, onReadable: () => void, onInvalid = (): void => {}): void {
    this.#watches.set(fd, { onReadable, onInvalid });
  }

  unwatch(fd: number): void {
    this.#watches.delete(fd);
  }

  /** Data arrived on a descriptor: its handler runs in a turn of its own. */
  readable(fd: number): void {
    if (this.#pending.has(fd)) return;
    this.#pending.add(fd);
    this.#clock.after(0, () => {
      this.#pending.delete(fd);
      const w = this.#watches.get(fd);
      if (w === undefined) return;
      this.#guarded(w.onReadable);
      this.#observer.turned();
    });
  }

  run(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#stop = resolve;
      this.#fail = reject;
    });
  }

  stop(): void {
    this.#stop?.();
  }

  inject(f: () => void): void {
    this.#clock.after(0, () => this.#guarded(f));
  }

  stall(ms: number): void {
    // The simulator pauses whole boxes instead (see the box's pausedUntil).
    void ms;
  }

  close(): void {
    this.#watches.clear();
  }

  /** As the production loop: an exception ends `run`, and the daemon stops. */
  #guarded(f: () => void): void {
    try {
      f();
    } catch (e) {
      if (this.#fail === null) throw e;
      this.#fail(e);
    }
  }
}

/**
 * The platform of one incarnation of a daemon on a box.
 *
 * @param world The world's clock.
 * @param lan The network.
 * @param kernel The box's kernel.
 * @param box The box.
 * @param inc The incarnation.
 * @param observer The daemon's loop observer.
 * @returns The platform.
 */
export function simPlatform(
  world: VirtualClock,
  lan: Lan,
  kernel: SimKernel,
  box: BoxView,
  inc: Incarnation,
  observer: LoopObserver,
): Platform {
  const clock = boxClock(world, box, inc);
  const loop = new SimLoop(clock, observer);
  const socket = <A extends number | Uint8Array>(
    family: 4 | 6,
    place: SocketPlace<A>,
  ): SimSocket<A> => {
    const fd = kernel.fds.next++;
    const s = lan.open<A>(
      box.attachment(place.ifname),
      family,
      fd,
      () => loop.readable(fd),
    );
    for (const g of place.groups) s.join(g);
    inc.sockets.push(s as unknown as SimSocket<number | Uint8Array>);
    return s;
  };
  const frames: FramePort = {
    send(_index, ifname, ethertype, _destination, payload): null {
      if (!inc.alive) return null;
      if (ethertype === ETH_P_IP) lan.broadcast(box.id, ifname, payload);
      return null;
    },
    close(): void {},
  };
  return {
    loop,
    clock,
    spawn: (job) => run(job, box, clock, inc),
    openNetlink: () => kernel.netlink(() => inc.alive),
    openMonitor: () => {
      const fd = kernel.fds.next;
      const port = kernel.monitor(() => loop.readable(fd));
      return port;
    },
    openFrames: () => frames,
    openSocket4: (place) => socket<number>(4, place),
    openSocket6: (place) => socket<Uint8Array>(6, place),
    threads: NO_THREADS,
    files: {
      read: (path) => kernel.runFiles.get(path) ?? null,
      write: (path, text) => {
        if (inc.alive) kernel.runFiles.set(path, text);
      },
    },
  };
}

/** A simulated process: hooks succeed, checks as the box's health says. */
function run(
  job: HookJob,
  box: BoxView,
  clock: Clock,
  inc: Incarnation,
): Promise<HookResult> {
  const record: ProcessRecord = {
    start: clock.now(),
    end: null,
    generation: box.generation,
    label: job.label,
    argv: job.argv,
  };
  // Hooks are judged by their order; checks only by their effect.
  if (inc.alive && job.label.startsWith("vhid ")) box.processes.push(record);
  const check = job.argv[0] === "sim-check";
  const ok = !check || box.checkPasses(job.argv[1] ?? "");
  return new Promise((resolve) =>
    clock.after(check ? CHECK_MS : HOOK_MS, () => {
      record.end = clock.now();
      resolve({
        label: job.label,
        argv: job.argv,
        code: ok ? 0 : 1,
        signal: null,
        timedOut: false,
        error: null,
        outputTail: "",
      });
    })
  );
}
