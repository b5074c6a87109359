import { Lab, sleep, eventually } from "../test/integration/lab.ts";
const VIP = "10.213.0.50";
const impl = Deno.args[0] ?? "carpd";
const lab = await Lab.up(2, "t-probe");
try {
  for (const i of [1, 2]) {
    const prio = i === 1 ? 200 : 100;
    if (impl === "carpd") {
      await lab.carpd(i, `[daemon]\nlog_level = "debug"\n\n[[vhid]]\nprotocol = "vrrp"\nid = 9\ninterface = "eth0"\nvips = ["${VIP}/24"]\npriority = ${prio}\nadvert_interval = 0.1\n`);
    } else {
      await lab.keepalived(i, "  vrrp_version 3\n  vrrp_garp_master_delay 1", `vrrp_instance V { \n state BACKUP\n interface eth0\n virtual_router_id 9\n priority ${prio}\n advert_int 0.1\n virtual_ipaddress {\n ${VIP}/24\n }\n}`);
    }
    if (i === 1) await eventually(() => lab.has(1, VIP), 5000, 20);
  }
  await sleep(2000);
  const dump = lab.spawn("dump", ["ip", "netns", "exec", lab.host(2), "tcpdump", "-l", "-n", "-tt", "-i", "eth0", "ip proto 112 or arp"]);
  await sleep(1000);
  const t = Date.now();
  await lab.cut(1);
  console.log("cut at", t / 1000);
  await eventually(() => lab.has(2, VIP), 3000, 5);
  await sleep(500);
  dump.signal("SIGTERM");
  await dump.exit(2000);
  console.log(dump.lines.slice(-30).join("\n"));
} finally {
  await lab.down();
}
