import assert from "node:assert/strict";
import { parseConfig } from "../../src/config/load/mod.ts";
import { preflight } from "../../src/daemon/preflight.ts";
import type { CapabilityName } from "../../ffi/capabilities.ts";

const CONFIG = parseConfig(
  `[[vhid]]\nid = 3\ninterface = "eth1"\nvips = ["10.0.0.1/24"]\npassword = "x"\n`,
  "carp.toml",
  () => new Uint8Array(),
);

function probe(caps: CapabilityName[], addressErrno = 19): {
  has: (n: CapabilityName) => boolean;
  addressChange: () => Promise<number>;
} {
  return {
    has: (n) => caps.includes(n),
    addressChange: () => Promise.resolve(addressErrno),
  };
}

Deno.test("preflight() passes with CAP_NET_RAW and CAP_NET_ADMIN and a kernel that allows address changes", async () => {
  assert.deepEqual(
    await preflight(CONFIG, probe(["CAP_NET_RAW", "CAP_NET_ADMIN"])),
    [],
  );
});

Deno.test("preflight() names each missing capability and what it is for", async () => {
  const problems = await preflight(CONFIG, probe([]));
  assert.equal(problems.length, 2);
  assert.match(
    problems[0]!,
    /missing capability CAP_NET_RAW, needed for the raw CARP socket/,
  );
  assert.match(
    problems[1]!,
    /missing capability CAP_NET_ADMIN, needed to add and remove the virtual IPs/,
  );
});

Deno.test("preflight() reports a kernel that refuses address changes despite the capability", async () => {
  const problems = await preflight(
    CONFIG,
    probe(["CAP_NET_RAW", "CAP_NET_ADMIN"], 1),
  );
  assert.equal(problems.length, 1);
  assert.match(
    problems[0]!,
    /refuses address changes \(EPERM\) although CAP_NET_ADMIN is effective/,
  );
});

Deno.test("preflight() does not ask for CAP_NET_ADMIN when scripts manage the VIPs", async () => {
  const scripts = {
    ...CONFIG,
    vhids: CONFIG.vhids.map((v) => ({ ...v, manageVips: false })),
  };
  assert.deepEqual(await preflight(scripts, probe(["CAP_NET_RAW"])), []);
});
