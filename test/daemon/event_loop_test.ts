import assert from "node:assert/strict";
import { Waker } from "../../ffi/poll.ts";
import { EventLoop } from "../../src/daemon/event_loop.ts";
import { createLogger, LogRateLimiter } from "../../src/log.ts";

function loop(lines: string[] = [], turns = { n: 0 }): EventLoop {
  return new EventLoop(
    createLogger({
      level: "debug",
      journald: false,
      sink: (l) => lines.push(l),
    }),
    new LogRateLimiter(),
    { turned: () => turns.n++ },
  );
}

Deno.test("EventLoop calls a descriptor's handler when it is readable", async () => {
  const turns = { n: 0 };
  const l = loop([], turns);
  const fd = Waker.open();
  let calls = 0;
  l.watch(fd.fd, () => {
    fd.drain();
    if (++calls === 2) l.stop();
    else fd.wake();
  });
  fd.wake();
  await l.run();
  assert.equal(calls, 2);
  assert.ok(turns.n >= 1);
  fd.close();
  l.close();
});

Deno.test("EventLoop.run() rejects with what a handler throws (the daemon's fatal path)", async () => {
  const l = loop();
  const fd = Waker.open();
  l.watch(fd.fd, () => {
    throw new Error("boom");
  });
  fd.wake();
  await assert.rejects(() => l.run(), /boom/);
  fd.close();
  l.close();
});

Deno.test("EventLoop reports a descriptor closed under the poll and drops it", async () => {
  const lines: string[] = [];
  const l = loop(lines);
  const fd = Waker.open();
  const number = fd.fd;
  let invalid = 0;
  l.watch(number, () => {}, () => {
    invalid++;
    l.stop();
  });
  fd.close(); // without unwatch: a bug the loop must survive
  await l.run();
  assert.equal(invalid, 1);
  assert.ok(
    lines.some((x) =>
      x.includes(`descriptor ${number} was closed while polled`)
    ),
  );
  l.close();
});

Deno.test("EventLoop stall (test hook) serves nothing while timers run on", async () => {
  const turns = { n: 0 };
  const l = loop([], turns);
  const running = l.run();
  await new Promise((r) => setTimeout(r, 50));
  l.stall(600);
  await new Promise((r) => setTimeout(r, 100));
  const before = turns.n;
  let ticks = 0;
  const t = setInterval(() => ticks++, 50);
  await new Promise((r) => setTimeout(r, 400));
  clearInterval(t);
  assert.equal(turns.n, before, "no turn during the stall");
  assert.ok(ticks >= 5, "timers kept firing");
  l.stop();
  await running;
  l.close();
});
