import assert from "node:assert/strict";
import { isRealtime, setNormal, setRealtime } from "../../ffi/scheduling.ts";
import { threadIds } from "../../ffi/process.ts";
import { SyscallError } from "../../ffi/errors.ts";

Deno.test("setRealtime() and setNormal() move a thread and back (root)", () => {
  // A helper thread, not the test runner's own.
  const tid = threadIds().find((t) => t !== Deno.pid)!;
  assert.equal(isRealtime(tid), false);
  setRealtime(tid, 1);
  try {
    assert.equal(isRealtime(tid), true);
    // As another process sees it (chrt reads sched_getscheduler too, but
    // from outside).
    const out = new TextDecoder().decode(
      new Deno.Command("chrt", { args: ["-p", String(tid)] }).outputSync()
        .stdout,
    );
    assert.match(out, /SCHED_RR\|SCHED_RESET_ON_FORK/);
    assert.match(out, /priority: 1$/m);
  } finally {
    setNormal(tid);
  }
  assert.equal(isRealtime(tid), false);
});

Deno.test("setRealtime() on a thread that does not exist names the call and ESRCH", () => {
  assert.throws(() => setRealtime(0x3ffffff, 1), (e: unknown) => {
    assert.ok(e instanceof SyscallError);
    assert.equal(e.code, "ESRCH");
    assert.match(e.message, /sched_setscheduler SCHED_RR 1 for thread/);
    return true;
  });
  assert.equal(isRealtime(0x3ffffff), false);
});
