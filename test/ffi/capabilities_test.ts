import assert from "node:assert/strict";
import { hasCapability } from "../../ffi/capabilities.ts";

Deno.test("hasCapability() agrees with /proc/PID/status", async () => {
  // Deno wants --allow-all to read /proc/self; a child may read it for us.
  const out = await new Deno.Command("cat", {
    args: [`/proc/${Deno.pid}/status`],
    stdout: "piped",
  }).output();
  const status = new TextDecoder().decode(out.stdout);
  const eff = BigInt(`0x${/^CapEff:\s*([0-9a-f]+)$/m.exec(status)![1]}`);
  for (
    const [name, bit] of [["CAP_NET_ADMIN", 12n], ["CAP_NET_RAW", 13n], [
      "CAP_KILL",
      5n,
    ]] as const
  ) {
    assert.equal(hasCapability(name), ((eff >> bit) & 1n) === 1n, name);
  }
});
