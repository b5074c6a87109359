/**
 * The five-minute tour: three carpd boxes and a client on a namespaced LAN.
 * Run through scripts/demo.sh (as root).
 */

import type { Status } from "../src/control/mod.ts";
import { Lab, PingStream, sleep, vhidConfig } from "../test/integration/lab.ts";

const VIP = "10.213.0.50";
const SKEWS = [0, 50, 100];
const encoder = new TextEncoder();
let gaveUp = 0;

function say(line = ""): void {
  Deno.stdout.writeSync(encoder.encode(line + "\n"));
}

/** Waits for `probe`, showing a spinner; returns whether it came true. */
async function waiting(
  what: string,
  probe: () => Promise<boolean>,
  timeoutMs: number,
): Promise<boolean> {
  const frames = "|/-\\";
  const start = performance.now();
  let ok = false;
  const animate = Deno.stdout.isTerminal();
  for (let k = 0; performance.now() - start < timeoutMs; k++) {
    if (await probe()) {
      ok = true;
      break;
    }
    if (animate) {
      const t = ((performance.now() - start) / 1000).toFixed(1);
      Deno.stdout.writeSync(
        encoder.encode(`\r  ${frames[k % 4]} ${what} (${t} s)`),
      );
    }
    await sleep(100);
  }
  const t = ((performance.now() - start) / 1000).toFixed(1);
  const line = `  ${ok ? "ok" : "gave up"}: ${what} (${t} s)`;
  Deno.stdout.writeSync(
    encoder.encode(animate ? `\r${line}\x1b[K\n` : `${line}\n`),
  );
  if (!ok) gaveUp++;
  return ok;
}

async function table(lab: Lab): Promise<void> {
  say("    box  address       state    advskew  master seen");
  for (let i = 1; i <= 3; i++) {
    const r = await lab.ctl(i, "status", "--json");
    if (r.code !== 0) {
      say(`    h${i}   ${lab.address(i)}  (not running)`);
      continue;
    }
    const v = (JSON.parse(r.out) as Status).vhids[0]!;
    const rank = v.advskew ?? v.priority;
    const skew = rank === null || rank.effective === rank.configured
      ? `${rank?.effective}`
      : `${rank.effective}*`;
    say(
      `    h${i}   ${lab.address(i)}  ${v.state.padEnd(7)}  ${
        skew.padEnd(7)
      }  ${v.master ?? "-"}`,
    );
  }
}

async function main(): Promise<void> {
  say(
    "carpd demo: three boxes (h1, h2, h3) and a client on a LAN built from network",
  );
  say(`namespaces; one virtual IP, ${VIP}, that must stay reachable.\n`);
  say("[1/6] building the lab (scripts/lab.sh: a bridge, 3 hosts, 1 client)");
  const lab = await Lab.up(3, "carpdemo");
  let cleaned = false;
  const cleanup = async (): Promise<void> => {
    if (cleaned) return;
    cleaned = true;
    say("\n[6/6] cleaning up: stopping carpd, deleting the namespaces");
    await lab.down();
    say("  done; nothing is left behind");
  };
  const onInterrupt = (): void => {
    void cleanup().then(() => Deno.exit(130));
  };
  Deno.addSignalListener("SIGINT", onInterrupt);
  Deno.addSignalListener("SIGTERM", onInterrupt);
  try {
    say(
      `\n[2/6] starting carpd on each box: same vhid and password, advskew ${
        SKEWS.join(" / ")
      }, preempt on`,
    );
    for (let i = 1; i <= 3; i++) {
      await lab.carpd(i, vhidConfig({ vip: VIP, advskew: SKEWS[i - 1]! }));
    }
    await waiting(
      "waiting for an election (master-down is 3 s)",
      () => lab.has(1, VIP),
      10_000,
    );
    await table(lab);
    const pings = new PingStream(lab, VIP);
    await waiting(
      "client pinging the VIP every 10 ms",
      () => Promise.resolve(pings.flowing()),
      5000,
    );
    await sleep(1500);

    say("\n[3/6] cutting h1's cable (its port on the switch goes down)");
    const cut = Date.now();
    await lab.cut(1);
    await waiting(
      "h2 takes over when h1's adverts stop",
      () => lab.has(2, VIP),
      10_000,
    );
    await waiting(
      "pings flow again",
      () => Promise.resolve(pings.flowing() && Date.now() - cut > 200),
      5000,
    );
    await sleep(500);
    say(
      `  outage seen by the client: ${
        pings.gapSince(cut)
      } ms (advbase 1, deadratio 3)`,
    );
    await table(lab);

    say(
      "\n[4/6] plugging h1 back in: it is preferred (advskew 0) and preempts",
    );
    const plug = Date.now();
    await lab.plug(1);
    await waiting(
      "h1 is MASTER again",
      async () => (await lab.holders(VIP, 3)).join() === "1",
      10_000,
    );
    await sleep(1000);
    say(`  outage seen by the client: ${pings.gapSince(plug)} ms`);
    await table(lab);

    say(
      "\n[5/6] planned handover: carpd standby on h1 (bow-out advert, VIPs released at once)",
    );
    const standby = Date.now();
    await lab.ctl(1, "standby");
    await waiting("h2 serves the VIP", () => lab.has(2, VIP), 5000);
    await sleep(1000);
    say(
      `  outage seen by the client: ${
        pings.gapSince(standby)
      } ms; h1 stays away until carpd resume`,
    );
    await table(lab);
    await pings.stop();
    say(`  client: ${pings.replies().length} replies in all`);
  } finally {
    Deno.removeSignalListener("SIGINT", onInterrupt);
    Deno.removeSignalListener("SIGTERM", onInterrupt);
    await cleanup();
  }
  say(
    "\nNext: scripts/test.sh runs the whole test suite; scripts/bench.sh compares with ucarp and keepalived.",
  );
}

await main();
if (gaveUp > 0) {
  say(`\n${gaveUp} step(s) did not complete in time`);
  Deno.exit(1);
}
