import assert from "node:assert/strict";
import { createLogger, LogRateLimiter } from "../src/log.ts";

Deno.test("createLogger() prefixes sd-daemon priorities under journald", () => {
  const lines: string[] = [];
  const log = createLogger({
    level: "debug",
    journald: true,
    sink: (l) => lines.push(l),
  });
  log.error("e");
  log.warning("w");
  log.info("i");
  log.debug("d\nforged");
  assert.deepEqual(lines, ["<3>e", "<4>w", "<6>i", "<7>d\\nforged"]);
});

Deno.test("createLogger() stamps time and level otherwise, and filters by level", () => {
  const lines: string[] = [];
  const log = createLogger({
    level: "info",
    journald: false,
    sink: (l) => lines.push(l),
    clock: () => 0,
  });
  log.debug("hidden");
  log.warning("shown");
  assert.deepEqual(lines, ["1970-01-01T00:00:00.000Z [WARNING] shown"]);
});

Deno.test("LogRateLimiter lets a burst through, then counts what it suppressed", () => {
  const r = new LogRateLimiter(1000, 2);
  assert.deepEqual([0, 1, 2, 3].map((t) => r.admit("k", t)), [
    0,
    0,
    null,
    null,
  ]);
  assert.equal(r.admit("k", 1500), 2);
  assert.equal(r.admit("other", 1500), 0);
});
