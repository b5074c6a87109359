import assert from "node:assert/strict";
import { HookQueue, runCommand } from "../../src/hooks/runner.ts";
import { createLogger } from "../../src/log.ts";

Deno.test("runCommand() reports the exit code and the tail of the output", async () => {
  const r = await runCommand({
    argv: [
      "sh",
      "-c",
      "head -c 100000 /dev/zero | tr '\\0' x; echo END; exit 3",
    ],
    timeoutMs: 5000,
    label: "t",
  });
  assert.equal(r.code, 3);
  assert.equal(r.timedOut, false);
  assert.ok(r.outputTail.length <= 2048);
  assert.match(r.outputTail, /xEND\n$/);
});

Deno.test("runCommand() kills a command and its children at the timeout", async () => {
  const marker = `${Math.floor(Math.random() * 1e6) + 2000}`;
  const started = performance.now();
  const r = await runCommand({
    argv: ["sh", "-c", `sleep ${marker} & sleep ${marker}`],
    timeoutMs: 200,
    label: "t",
  });
  assert.ok(performance.now() - started < 2000);
  assert.equal(r.timedOut, true);
  assert.equal(r.code, null);
  const ps = await new Deno.Command("pgrep", {
    args: ["-f", `slee[p] ${marker}`],
  }).output();
  assert.equal(ps.success, false, "no child left");
});

Deno.test("runCommand() reports a program that cannot start", async () => {
  const r = await runCommand({
    argv: ["/nonexistent/hook"],
    timeoutMs: 1000,
    label: "t",
  });
  assert.equal(r.code, null);
  assert.match(r.error ?? "", /No such file|not found/i);
});

Deno.test("HookQueue runs its jobs one at a time, in order, and logs failures", async () => {
  const lines: string[] = [];
  const log = createLogger({
    level: "debug",
    journald: true,
    sink: (l) => lines.push(l),
  });
  const q = new HookQueue(log);
  const dir = await Deno.makeTempDir();
  const out = `${dir}/order`;
  for (let i = 0; i < 5; i++) {
    q.enqueue({
      argv: ["sh", "-c", `sleep 0.0${5 - i}; echo ${i} >> ${out}`],
      timeoutMs: 5000,
      label: `job ${i}`,
    });
  }
  q.enqueue({
    argv: ["sh", "-c", "echo oops >&2; exit 7"],
    timeoutMs: 5000,
    label: "bad",
  });
  await q.idle();
  assert.equal(await Deno.readTextFile(out), "0\n1\n2\n3\n4\n");
  assert.ok(
    lines.some((l) => l === "<4>bad: sh exited with 7; output ends: oops"),
    lines.join("\n"),
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test({
  name:
    "runCommand() starts its command in /, so another user runs it whatever directory carpd started in",
  ignore: Deno.uid() !== 0, // running as another user needs root
  async fn(): Promise<void> {
    const dir = await Deno.makeTempDir(); // mode 0700: nobody cannot enter
    const was = Deno.cwd();
    Deno.chdir(dir);
    try {
      const r = await runCommand({
        argv: ["sh", "-c", 'test "$(id -u)" = 65534 && pwd'],
        timeoutMs: 5000,
        label: "t",
        as: { uid: 65534, gid: 65534 },
      });
      assert.equal(r.error ?? null, null);
      assert.equal(r.code, 0, r.outputTail);
      assert.equal(r.outputTail, "/\n");
    } finally {
      Deno.chdir(was);
      await Deno.remove(dir);
    }
  },
});
