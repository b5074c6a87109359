import assert from "node:assert/strict";
import { Errno, SyscallError } from "../../ffi/errors.ts";
import { type Config } from "../../src/config/mod.ts";
import { parseConfig } from "../../src/config/load/mod.ts";
import { configuredIntervalMs } from "../../src/daemon/timing/election_config.ts";
import {
  fastProfileReason,
  HELPER_PRIORITY,
  REALTIME_PRIORITY,
  realtimeBudgetHint,
  Scheduling,
  type ThreadScheduler,
} from "../../src/daemon/timing/scheduling.ts";

function config(daemon: string, vhids: string): Config {
  return parseConfig(
    `[daemon]\n${daemon}\n${vhids}`,
    "carp.toml",
    () => new Uint8Array(),
  );
}

const SLOW =
  `[[vhid]]\nid = 1\ninterface = "eth0"\nvips = ["10.0.0.1/24"]\npassword = "x"\n`;
const FAST = SLOW +
  `[[vhid]]\nid = 2\ninterface = "eth1"\nvips = ["10.0.1.1/24"]\npassword = "x"\nadvbase = 0\nadvskew = 1\n`;

/** Threads in a map: tid -> realtime; `refuse` makes setRealtime fail. */
class FakeThreads implements ThreadScheduler {
  readonly rt = new Map<number, boolean>([[100, false], [101, false]]);
  refuse: number | null = null;
  calls = 0;
  threads(): number[] {
    return [...this.rt.keys()];
  }
  isRealtime(tid: number): boolean {
    const r = this.rt.get(tid);
    if (r === undefined) {
      throw new SyscallError(
        "sched_getscheduler",
        `thread ${tid}`,
        Errno.ESRCH,
      );
    }
    return r;
  }
  readonly priorities = new Map<number, number>();
  name(tid: number): string {
    return tid === 101 ? "V8 DefaultWorke" : "deno";
  }
  setRealtime(tid: number, priority: number): void {
    this.calls++;
    this.priorities.set(tid, priority);
    if (this.refuse !== null) {
      throw new SyscallError(
        "sched_setscheduler",
        `thread ${tid}`,
        this.refuse,
      );
    }
    this.rt.set(tid, true);
  }
  setNormal(tid: number): void {
    this.calls++;
    this.rt.set(tid, false);
  }
  explainRefusal(): string | null {
    return this.refuse === Errno.EPERM ? "no budget" : null;
  }
}

function logger(): {
  lines: string[];
  warning(l: string): void;
  info(l: string): void;
} {
  const lines: string[] = [];
  return {
    lines,
    warning: (l) => lines.push(`warning: ${l}`),
    info: (l) => lines.push(`info: ${l}`),
  };
}

Deno.test("configuredIntervalMs() and fastProfileReason() name the fastest vhid", () => {
  const c = config("", FAST);
  assert.equal(configuredIntervalMs(c.vhids[0]!), 1000);
  assert.equal(configuredIntervalMs(c.vhids[1]!), 1000 / 256);
  assert.equal(
    fastProfileReason(c),
    "vhid 2 on eth1 advertises every 3.9 ms",
  );
  assert.equal(fastProfileReason(config("", SLOW)), null);
  const vrrp = config(
    "",
    `[[vhid]]\nprotocol = "vrrp"\nid = 9\ninterface = "eth0"\nvips = ["10.0.0.1/24"]\nadvert_interval = 0.1\n`,
  );
  assert.equal(configuredIntervalMs(vrrp.vhids[0]!), 100);
  assert.match(fastProfileReason(vrrp)!, /vhid 9 .* every 100 ms/);
});

Deno.test("Scheduling in auto moves every thread for a fast profile, and new ones on the next sweep", () => {
  const os = new FakeThreads();
  const log = logger();
  const s = new Scheduling(os, log);
  s.configure(config("", SLOW));
  assert.equal(os.calls, 0);
  assert.equal(s.status().realtime, false);
  s.configure(config("", FAST));
  assert.deepEqual([...os.rt.values()], [true, true]);
  assert.deepEqual(s.status(), {
    mode: "auto",
    realtime: true,
    reason: "vhid 2 on eth1 advertises every 3.9 ms",
    error: null,
  });
  assert.equal(log.lines.length, 1);
  assert.match(
    log.lines[0]!,
    /^info: realtime scheduling \(SCHED_RR 2, V8's helpers 1\) for 2 thread/,
  );
  // The protocol thread above V8's helpers, which must never hold it off.
  assert.equal(os.priorities.get(100), REALTIME_PRIORITY);
  assert.equal(os.priorities.get(101), HELPER_PRIORITY);
  os.rt.set(102, false); // a helper thread started since
  s.sweep();
  assert.equal(os.rt.get(102), true);
  assert.equal(log.lines.length, 1, "said once");
  // Back to a slow profile: back to normal.
  s.configure(config("", SLOW));
  assert.deepEqual([...os.rt.values()], [false, false, false]);
  assert.equal(s.status().realtime, false);
  assert.match(log.lines.at(-1)!, /normal scheduling/);
});

Deno.test("Scheduling: late timers ask for realtime in auto only; normal never moves", () => {
  const os = new FakeThreads();
  const s = new Scheduling(os, logger());
  s.configure(config("", SLOW));
  s.timerFired(100, 1000); // 10 %: not yet
  assert.equal(s.status().realtime, false);
  s.timerFired(300, 1000);
  assert.equal(s.status().realtime, true);
  assert.match(
    s.status().reason!,
    /fired 300 ms late against adverts every 1000 ms/,
  );
  const never = new FakeThreads();
  const n = new Scheduling(never, logger());
  n.configure(config(`scheduling = "normal"`, FAST));
  n.timerFired(900, 3.9);
  assert.equal(never.calls, 0);
  assert.equal(n.status().realtime, false);
  const always = new FakeThreads();
  const a = new Scheduling(always, logger());
  a.configure(config(`scheduling = "realtime"`, SLOW));
  assert.equal(a.status().realtime, true);
  assert.equal(a.status().reason, `scheduling = "realtime"`);
});

Deno.test("Scheduling: a refusal is said once, shown in status, and not retried every second", () => {
  const os = new FakeThreads();
  os.refuse = Errno.EPERM;
  const log = logger();
  const s = new Scheduling(os, log);
  s.configure(config("", FAST));
  const st = s.status();
  assert.equal(st.realtime, false);
  assert.match(
    st.error!,
    /Cannot sched_setscheduler thread 100: EPERM .*\(no budget\)$/,
  );
  assert.deepEqual([...os.rt.values()], [false, false], "none left moved");
  assert.equal(log.lines.length, 1);
  assert.match(
    log.lines[0]!,
    /^warning: cannot run realtime \(vhid 2 .*CAP_SYS_NICE.*LimitRTPRIO=2/,
  );
  const calls = os.calls;
  for (let i = 0; i < 5; i++) s.sweep();
  assert.equal(os.calls, calls);
  assert.equal(log.lines.length, 1);
});

Deno.test("Scheduling skips a thread that ended between listing and moving", () => {
  const os = new FakeThreads();
  os.threads = () => [100, 555, 101]; // 555 is gone
  const s = new Scheduling(os, logger());
  s.configure(config("", FAST));
  assert.equal(s.status().realtime, true);
  assert.deepEqual([...os.rt.values()], [true, true]);
});

Deno.test("Scheduling: a reload tries again after a refusal", () => {
  const os = new FakeThreads();
  os.refuse = Errno.EPERM;
  const log = logger();
  const s = new Scheduling(os, log);
  s.configure(config("", FAST));
  assert.equal(s.status().realtime, false);
  os.refuse = null; // the admin gave the cgroup a budget
  s.configure(config("", FAST));
  assert.equal(s.status().realtime, true);
  assert.equal(s.status().error, null);
  assert.match(log.lines.at(-1)!, /^info: realtime scheduling/);
});

Deno.test("realtimeBudgetHint() blames a cgroup v1 cpu group without realtime budget", () => {
  const v1 = "12:cpu,cpuacct:/system.slice/carp.service\n1:name=systemd:/x\n";
  const seen: string[] = [];
  const hint = realtimeBudgetHint(v1, (p) => {
    seen.push(p);
    return "0\n";
  });
  assert.deepEqual(seen, ["/system.slice/carp.service"]);
  assert.match(
    hint!,
    /cgroup \/system.slice\/carp.service has cpu.rt_runtime_us = 0/,
  );
  assert.equal(realtimeBudgetHint(v1, () => "950000\n"), null);
  assert.equal(
    realtimeBudgetHint("0::/system.slice/carp.service\n", () => "0"),
    null,
  );
  assert.equal(
    realtimeBudgetHint("1:cpu:/\n", () => "0"),
    null,
    "the root group",
  );
});
