import assert from "node:assert/strict";
import {
  cpuSeconds,
  descriptorLimit,
  listDirectory,
  openDescriptors,
  threadIds,
} from "../../ffi/process.ts";
import { SyscallError } from "../../ffi/errors.ts";

Deno.test("threadIds() lists this process's threads, where Deno's file API may not look", () => {
  const ids = threadIds();
  assert.ok(ids.includes(Deno.pid), `${ids} lacks ${Deno.pid}`);
  assert.ok(ids.length >= 2, "Deno runs helper threads");
});

Deno.test("openDescriptors(), cpuSeconds() and descriptorLimit() read this process", () => {
  const before = openDescriptors();
  const f = Deno.openSync("/dev/null");
  try {
    assert.equal(openDescriptors(), before + 1);
  } finally {
    f.close();
  }
  const t0 = cpuSeconds();
  let x = 0;
  for (let i = 0; i < 3e7; i++) x += i;
  assert.ok(x > 0);
  assert.ok(cpuSeconds() > t0, "CPU time advances while busy");
  assert.ok(descriptorLimit() >= 1024);
});

Deno.test("listDirectory() names opendir and the path when it fails", () => {
  assert.throws(() => listDirectory("/nonexistent-carpd"), (e: unknown) => {
    assert.ok(e instanceof SyscallError);
    assert.equal(e.code, "ENOENT");
    assert.match(e.message, /opendir "\/nonexistent-carpd"/);
    return true;
  });
});
