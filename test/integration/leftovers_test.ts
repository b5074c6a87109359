/**
 * Nothing left behind: carpd killed while MASTER, its config edited to drop
 * VIPs, started again, removes the dropped ones (IPv4 and IPv6, on an
 * interface whose name leaves no room for a label), and never touches an
 * address it did not add: the admin's own, or another carpd instance's on
 * the same box. A second carpd on the same control socket is refused.
 */

import assert from "node:assert/strict";
import { canBuildLab, eventually, Lab, sh } from "./lab.ts";

const ignore = !canBuildLab;
const CARPD = new URL("../../scripts/carpd", import.meta.url).pathname;
/** 14 characters: `<name>:carp` does not fit the kernel's 15 for a label. */
const LONG = "carpd-macvlan1";

function config(vips7: string[], vips8: string[]): string {
  return `[daemon]
log_level = "info"

[[vhid]]
id = 7
interface = "eth0"
vips = ${JSON.stringify(vips7)}
password = "seven"
advskew = 0

[[vhid]]
id = 8
interface = "${LONG}"
vips = ${JSON.stringify(vips8)}
password = "eight"
advskew = 0
`;
}

/** The addresses on an interface of host 1, as `address/prefix`. */
async function addresses(lab: Lab, dev: string): Promise<string[]> {
  const out = await sh(["ip", "-n", lab.host(1), "-o", "addr", "show", dev]);
  return [...out.matchAll(/ inet6? (\S+)/g)].map((m) => m[1]!);
}

async function all(lab: Lab): Promise<string[]> {
  return [...await addresses(lab, "eth0"), ...await addresses(lab, LONG)];
}

Deno.test({
  name:
    "carpd killed while MASTER and started with VIPs dropped from its config removes them (IPv4, IPv6, a long interface name), and no address it did not add",
  ignore,
  async fn(): Promise<void> {
    const lab = await Lab.up(1);
    try {
      const ns = lab.host(1);
      await lab.exec(ns, [
        ...["ip", "link", "add", LONG, "link", "eth0"],
        ...["type", "macvlan", "mode", "bridge"],
      ]);
      await lab.exec(ns, ["ip", "addr", "add", "10.213.1.11/24", "dev", LONG]);
      await lab.exec(ns, ["ip", "link", "set", LONG, "up"]);
      // The admin's own address, and another carpd instance's VIP.
      await lab.exec(ns, [
        "ip",
        "addr",
        "add",
        "10.213.0.99/24",
        "dev",
        "eth0",
      ]);
      const otherConfig = await lab.file(
        "other.toml",
        `[daemon]\ncontrol_socket = "${lab.dir}/other.sock"\n\n[[vhid]]\nid = 9\ninterface = "eth0"\nvips = ["10.213.0.70/24"]\npassword = "nine"\nadvskew = 0\n`,
      );
      const other = lab.spawn("carpd other", [
        ...["ip", "netns", "exec", ns, CARPD, "run", "-c", otherConfig],
      ]);
      const before = [
        "10.213.0.50/24",
        "10.213.0.51/24",
        "fd13:213::50/64",
        "fd13:213::51/64",
      ];
      const before8 = ["10.213.1.50/24", "10.213.1.51/24"];
      const a = await lab.carpd(1, config(before, before8));
      const mastered = async () =>
        await lab.status(1).then(
          (s) => s.vhids.every((v) => v.state === "MASTER"),
          () => false, // not up yet
        );
      assert.ok(await eventually(mastered, 10_000, 100), a.output);
      assert.ok(
        await other.waitFor(/vhid 9: BACKUP -> MASTER/, 10_000),
        other.output,
      );
      const held = await all(lab);
      for (const v of [...before, ...before8, "10.213.0.70/24"]) {
        assert.ok(held.includes(v), `${v} on: ${held}`);
      }

      a.signal("SIGKILL");
      await a.exit(5000);
      assert.ok((await all(lab)).includes("10.213.0.51/24"), "a crash keeps");
      const after = ["10.213.0.50/24", "fd13:213::50/64"];
      const after8 = ["10.213.1.50/24"];
      const b = await lab.carpd(1, config(after, after8));
      const dropped = ["10.213.0.51/24", "fd13:213::51/64", "10.213.1.51/24"];
      assert.ok(
        await eventually(
          async () => {
            const now = await all(lab);
            return dropped.every((v) => !now.includes(v));
          },
          5000,
          100,
        ),
        `dropped VIPs removed: ${await all(lab)}\n${b.output}`,
      );
      assert.ok(
        await b.waitFor(
          /removed fd13:213::51\/64 from eth0: carpd added it, and no vhid holds it now/,
          1000,
        ),
        b.output,
      );
      assert.ok(await eventually(mastered, 10_000, 100), b.output);
      const again = await all(lab);
      for (
        const v of [...after, ...after8, "10.213.0.70/24", "10.213.0.99/24"]
      ) {
        assert.ok(again.includes(v), `${v} on: ${again}`);
      }

      // A second carpd on the same control socket (so the same files next
      // to it) is refused before it touches anything.
      const twin = await lab.carpd(1, config(after, after8));
      assert.equal((await twin.exit(10_000)).code, 71, twin.output);
      assert.match(twin.output, /another carpd answers on control socket/);
      assert.deepEqual((await all(lab)).sort(), again.sort(), "twin refused");
      assert.ok(await eventually(mastered, 1000, 100), "b still serves");

      // A graceful stop takes every VIP of its own, and only those.
      b.signal("SIGTERM");
      assert.equal((await b.exit(10_000)).code, 0, b.output);
      const left = await all(lab);
      for (const v of [...after, ...after8]) {
        assert.ok(!left.includes(v), `${v} removed at the stop: ${left}`);
      }
      for (const v of ["10.213.0.70/24", "10.213.0.99/24"]) {
        assert.ok(left.includes(v), `${v} not touched: ${left}`);
      }
      assert.equal(
        (await Deno.readTextFile(`${lab.dir}/h1.vips`)).trim(),
        "",
        "the ledger is empty after the stop",
      );
    } finally {
      await lab.down();
    }
  },
});
