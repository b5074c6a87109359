/**
 * The machine as the shell's platform: the poll-based receive loop and its
 * timer queue, `performance.now()`, `Date.now()` and the system's random
 * source, rtnetlink, raw and packet sockets through `ffi/`, and real
 * processes for hooks and checks.
 * @module
 */

import {
  RTMGRP_IPV4_IFADDR,
  RTMGRP_IPV6_IFADDR,
  RTMGRP_LINK,
} from "../../ffi/constants.ts";
import { Netlink } from "../../ffi/netlink.ts";
import { PacketSocket } from "../../ffi/packet_socket.ts";
import { RawSocket } from "../../ffi/raw_socket.ts";
import { readSmallFile, threadIds, threadName } from "../../ffi/process.ts";
import { isRealtime, setNormal, setRealtime } from "../../ffi/scheduling.ts";
import { runCommand } from "../hooks/mod.ts";
import type { Logger, LogRateLimiter } from "../log.ts";
import { systemClock } from "./clock.ts";
import { EventLoop } from "./event_loop.ts";
import type { LoopObserver, Platform, RuntimeFiles } from "./platform.ts";
import { realtimeBudgetHint } from "./timing/mod.ts";

/**
 * The machine's platform.
 *
 * @param log The logger (the loop reports poll failures).
 * @param limiter Its rate limiter.
 * @param observer Told each time the loop comes round.
 * @returns The platform.
 */
export function systemPlatform(
  log: Logger,
  limiter: LogRateLimiter,
  observer: LoopObserver,
): Platform {
  const loop = new EventLoop(log, limiter, observer);
  return {
    loop,
    clock: systemClock(loop.timers),
    spawn: runCommand,
    openNetlink: () => Netlink.open(),
    openMonitor: () =>
      Netlink.open(RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR),
    openFrames: () => PacketSocket.open(),
    openSocket4: (place) => RawSocket.open({ family: 4, ...place }),
    openSocket6: (place) => RawSocket.open({ family: 6, ...place }),
    threads: {
      threads: threadIds,
      isRealtime,
      name: threadName,
      setRealtime,
      setNormal,
      explainRefusal: explainRealtimeRefusal,
    },
    files: RUN_FILES,
  };
}

/** Files under /run: written whole to a temporary name, then renamed. */
const RUN_FILES: RuntimeFiles = {
  read(path: string): string | null {
    try {
      return Deno.readTextFileSync(path);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return null;
      throw e;
    }
  },
  write(path: string, text: string): void {
    const slash = path.lastIndexOf("/");
    if (slash > 0) {
      Deno.mkdirSync(path.slice(0, slash), { recursive: true, mode: 0o755 });
    }
    const temporary = `${path}.new`;
    Deno.writeTextFileSync(temporary, text, { mode: 0o600 });
    Deno.renameSync(temporary, path);
  },
};

/** Looks for the one refusal of realtime the kernel lets us explain. */
function explainRealtimeRefusal(): string | null {
  const budget = (path: string): string | null => {
    for (const mount of ["cpu", "cpu,cpuacct"]) {
      try {
        return readSmallFile(
          `/sys/fs/cgroup/${mount}${path}/cpu.rt_runtime_us`,
        );
      } catch {
        // not mounted there
      }
    }
    return null;
  };
  try {
    return realtimeBudgetHint(readSmallFile("/proc/self/cgroup"), budget);
  } catch {
    return null;
  }
}
