import assert from "node:assert/strict";
import {
  checkHint,
  type CheckOs,
  CheckRunner,
} from "../../src/health/check_runner.ts";
import { runCommand } from "../../src/hooks/runner.ts";
import { createLogger } from "../../src/log.ts";
import type { CheckConfig } from "../../src/config/mod.ts";

Deno.test("checkHint() calls out a check that never passed, or dies by a signal run after run", () => {
  const base = { runs: 1, everPassed: false, lastSignal: null };
  assert.equal(checkHint(base, 0, 2), null, "too early to tell");
  assert.match(
    checkHint({ ...base, runs: 2 }, 0, 2)!,
    /has not passed once in 2 runs since carpd started; .*sandbox may block it/,
  );
  assert.equal(checkHint({ ...base, runs: 9, everPassed: true }, 0, 2), null);
  assert.match(
    checkHint({ runs: 9, everPassed: true, lastSignal: "SIGSEGV" }, 3, 2)!,
    /died by SIGSEGV in each of its last 3 runs/,
  );
  assert.equal(
    checkHint({ runs: 9, everPassed: true, lastSignal: "SIGSEGV" }, 2, 2),
    null,
  );
});

/** The machine: these tests run real commands (signals, another user). */
const REAL: CheckOs = {
  now: () => performance.now(),
  after(ms, fire): () => void {
    const t = setTimeout(fire, ms);
    return () => clearTimeout(t);
  },
  spawn: runCommand,
};

function config(command: string[]): CheckConfig {
  return {
    name: "t",
    command,
    intervalMs: 50,
    timeoutMs: 2000,
    fall: 2,
    rise: 2,
    demote: 100,
    fault: false,
    vhids: null,
    user: null,
  };
}

async function runs(c: CheckConfig, n: number): Promise<{
  runner: CheckRunner;
  lines: string[];
}> {
  const lines: string[] = [];
  const log = createLogger({
    level: "debug",
    journald: false,
    sink: (l) => lines.push(l),
  });
  const runner = new CheckRunner(c, log, () => {}, REAL);
  runner.start();
  for (let i = 0; i < 200 && runner.stats.runs < n; i++) {
    await new Promise((r) => setTimeout(r, 20));
  }
  await runner.stop();
  return { runner, lines };
}

Deno.test("CheckRunner names the signal that killed a run and logs the hint once", async () => {
  const { runner, lines } = await runs(
    config(["sh", "-c", "kill -SEGV $$"]),
    4,
  );
  assert.equal(runner.stats.lastSignal, "SIGSEGV");
  assert.equal(runner.stats.lastCode, null);
  assert.equal(runner.verdict.up, false);
  assert.match(runner.stats.hint!, /died by SIGSEGV/);
  assert.equal(lines.filter((l) => /looks broken/.test(l)).length, 1);
  assert.ok(lines.some((l) => /failed: exit by signal SIGSEGV/.test(l)));
});

Deno.test("CheckRunner clears the hint once the check passes", async () => {
  const { runner } = await runs(config(["true"]), 3);
  assert.equal(runner.stats.everPassed, true);
  assert.equal(runner.stats.hint, null);
});

Deno.test({
  name: "CheckRunner runs a check as its configured user",
  ignore: Deno.uid() !== 0,
  async fn(): Promise<void> {
    const c = {
      ...config(["sh", "-c", 'test "$(id -u)" = 65534']),
      user: { name: "nobody", uid: 65534, gid: 65534 },
    };
    const { runner } = await runs(c, 2);
    assert.equal(runner.stats.failures, 0);
    assert.equal(runner.stats.everPassed, true);
  },
});
