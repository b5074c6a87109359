/**
 * Measures carpd failover on the namespace lab: cable cut on the master, then
 * SIGTERM (bow-out), three times. Run as root: scripts/failover-times.sh
 * (scripts/bench.sh will compare with ucarp and keepalived).
 */
import { Lab, sleep, vhidConfig } from "../test/integration/lab.ts";
const VIP = "10.213.0.50";
const lab = await Lab.up(2);
try {
  for (let rep = 0; rep < 3; rep++) {
    const a = await lab.carpd(1, vhidConfig({ vip: VIP, advskew: 0 }));
    const b = await lab.carpd(
      2,
      vhidConfig({ vip: VIP, advskew: 50, preempt: false }),
    );
    await a.waitFor(/BACKUP -> MASTER/, 8000);
    await sleep(1000 + rep * 333);
    const t0 = Date.now();
    await lab.cut(1);
    const line = (await b.waitFor(/BACKUP -> MASTER/, 8000))!;
    const cut = Date.parse(line.split(" ")[0]!) - t0;
    await lab.plug(1);
    await a.waitFor(/FAULT -> BACKUP/, 3000);
    await sleep(500);
    b.signal("SIGTERM");
    const stopLine = (await b.waitFor(/stopping/, 2000))!;
    const take = (await a.waitFor(/master bowing out/, 3000))!;
    const stop = Date.parse(take.split(" ")[0]!) -
      Date.parse(stopLine.split(" ")[0]!);
    // deno-lint-ignore no-console
    console.log(
      `cut->backup MASTER ${cut} ms; SIGTERM->backup MASTER ${stop} ms`,
    );
    a.signal("SIGKILL");
    await a.exit();
    await b.exit();
  }
} finally {
  await lab.down();
}
