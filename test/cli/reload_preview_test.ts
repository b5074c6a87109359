import assert from "node:assert/strict";
import { parseConfig } from "../../src/config/load/mod.ts";
import { type Config, redactSecrets } from "../../src/config/mod.ts";
import { reloadPreview } from "../../src/cli/reload_preview.ts";

function config(vhids: string): Config {
  return parseConfig(vhids, "carp.toml", () => new Uint8Array());
}

function vhid(o: {
  id?: number;
  vips?: string;
  extra?: string;
  password?: string;
} = {}): string {
  const id = o.id ?? 1;
  return `[[vhid]]\nid = ${id}\ninterface = "eth0"\nvips = [${
    o.vips ?? `"10.0.${id}.1/24"`
  }]\npassword = "${o.password ?? "a"}"\n${o.extra ?? ""}\n`;
}

Deno.test("reloadPreview() says what a reload would do to each vhid, and when a roll-out window opens, for what", () => {
  const running = config(
    vhid() + vhid({ id: 2 }) + vhid({ id: 3 }) + vhid({ id: 4 }) +
      vhid({ id: 5 }),
  ).vhids.map(redactSecrets);
  const next = config(
    vhid() + // kept
      vhid({ id: 2, vips: `"10.0.2.1/24", "10.0.2.2/24"`, password: "b" }) +
      vhid({ id: 3, extra: "advskew = 50" }) +
      vhid({ id: 4, vips: `"10.0.4.1/24", "2001:db8::1/64"` }) +
      vhid({ id: 6, extra: "rollout_window = 0", password: "c" }),
  );
  assert.deepEqual(reloadPreview(running, next, new Set(["eth0/4"])), [
    "vhid 1 on eth0: kept",
    "vhid 2 on eth0: updated in place; a roll-out window opens for 600 s (password, 10.0.2.2/24 added)",
    "vhid 3 on eth0: updated in place",
    "vhid 4 on eth0: restarted (address families changed), in standby again",
    "vhid 5 on eth0: stopped (its VIPs released)",
    "vhid 6 on eth0: started",
  ]);
  const now = config(vhid({ extra: "rollout_window = 0", password: "z" }));
  assert.deepEqual(reloadPreview(running.slice(0, 1), now, new Set()), [
    "vhid 1 on eth0: updated in place; switched at once (rollout_window = 0) (password)",
  ]);
});
