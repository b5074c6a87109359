import assert from "node:assert/strict";
import { type Config } from "../../src/config/mod.ts";
import { parseConfig } from "../../src/config/load/mod.ts";
import type { Status, VhidStatus } from "../../src/control/status.ts";
import { profileWarnings } from "../../src/cli/profile_warnings.ts";
import { configuredMasterDownMs } from "../../src/daemon/timing/election_config.ts";

function config(text: string): Config {
  return parseConfig(text, "carp.toml", () => new Uint8Array());
}

const FAST = `[[vhid]]
id = 7
interface = "eth0"
vips = ["10.0.0.1/24"]
password = "x"
advbase = 0
advskew = 2
`;

function running(
  worstTimerLatenessMs: number,
  vhid: Partial<VhidStatus> = {},
  error: string | null = null,
): Status {
  return {
    worstTimerLatenessMs,
    scheduling: { mode: "auto", realtime: error === null, reason: null, error },
    vhids: [{
      vhid: 7,
      interface: "eth0",
      worstTimerLatenessMs: 0,
      worstAdvertGapMs: 0,
      ...vhid,
    } as VhidStatus],
  } as Status;
}

Deno.test("configuredMasterDownMs() follows CARP's and VRRP's rules", () => {
  assert.equal(configuredMasterDownMs(config(FAST).vhids[0]!), 3 * 2000 / 256);
  const vrrp = config(
    `[[vhid]]\nprotocol = "vrrp"\nid = 9\ninterface = "eth0"\nvips = ["10.0.0.1/24"]\npriority = 100\nadvert_interval = 0.01\n`,
  ).vhids[0]!;
  assert.equal(configuredMasterDownMs(vrrp), 30 + 156 * 10 / 256);
  const slow = config(FAST.replace("advbase = 0", "advbase = 1")).vhids[0]!;
  assert.equal(configuredMasterDownMs(slow), 3000 + 2000 / 256);
});

Deno.test("profileWarnings(): a fast profile on normal scheduling", () => {
  const c = config(`[daemon]\nscheduling = "normal"\n${FAST}`);
  const w = profileWarnings(c, null);
  assert.equal(w.length, 1);
  assert.match(
    w[0]!,
    /vhid 7 on eth0 advertises every 7.8 ms with scheduling = "normal"/,
  );
  assert.deepEqual(profileWarnings(config(FAST), null), []);
});

Deno.test("profileWarnings(): what the running daemon saw on this box", () => {
  const c = config(FAST);
  assert.deepEqual(
    profileWarnings(c, running(4.5)),
    [],
    "4.5 ms late is under one interval of 7.8 ms",
  );
  const late = profileWarnings(c, running(9.5));
  assert.equal(late.length, 1);
  assert.match(
    late[0]!,
    /every 7.8 ms, but the running daemon's timers have fired up to 9.5 ms late/,
  );
  // Per vhid, too.
  assert.equal(
    profileWarnings(c, running(0, { worstTimerLatenessMs: 8 })).length,
    1,
  );
  const gap = profileWarnings(c, running(0, { worstAdvertGapMs: 20 }));
  assert.match(
    gap[0]!,
    /adverts have arrived up to 20 ms apart, against a master-down interval of 23.4 ms/,
  );
  assert.deepEqual(profileWarnings(c, running(0, { worstAdvertGapMs: 9 })), []);
  const refused = profileWarnings(
    c,
    running(0, {}, "Cannot sched_setscheduler: EPERM"),
  );
  assert.match(
    refused[0]!,
    /cannot run realtime: Cannot sched_setscheduler: EPERM/,
  );
  // A slow profile is safe from all of it.
  const slow = config(FAST.replace("advbase = 0", "advbase = 1"));
  assert.deepEqual(
    profileWarnings(slow, running(40, { worstAdvertGapMs: 900 }, "EPERM")),
    [],
  );
});
