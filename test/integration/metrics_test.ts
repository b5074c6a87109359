/**
 * carpd's Prometheus endpoint on a real (namespaced) LAN: Debian's
 * Prometheus scrapes two boxes and sees a failover, promtool finds the
 * exposition and the alert rules clean, the transition history tells the
 * story, and abuse of the endpoint (wrong requests, a huge head, idle
 * connections, a scrape flood) delays no advert and crashes nothing.
 */

import assert from "node:assert/strict";
import {
  canBuildLab,
  eventually,
  Lab,
  type Proc,
  sh,
  sleep,
  soleHolder,
  vhidConfig,
} from "./lab.ts";

const VIP = "10.213.0.50";
const PORT = 9650;
const ignore = !canBuildLab;
const RULES = new URL("../../units/carpd-alerts.yml", import.meta.url)
  .pathname;
const ABUSE = new URL("./metrics_abuse.ts", import.meta.url).pathname;

function withMetrics(lab: Lab, i: number, config: string): string {
  return config.replace(
    "[daemon]\n",
    `[daemon]\nmetrics = "${lab.address(i)}:${PORT}"\n`,
  );
}

/** `curl` from the client namespace; returns the body. */
function scrape(lab: Lab, i: number): Promise<string> {
  return lab.exec(lab.client, [
    "curl",
    "-sS",
    "-m",
    "3",
    `http://${lab.address(i)}:${PORT}/metrics`,
  ]);
}

/** The `*_total` series of an exposition and their values. */
function counters(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const l of text.split("\n")) {
    if (!/^\S+_total[{ ]/.test(l)) continue;
    const i = l.lastIndexOf(" ");
    out.set(l.slice(0, i), Number(l.slice(i + 1)));
  }
  return out;
}

/** An instant query against Prometheus in the client namespace. */
async function query(lab: Lab, expr: string): Promise<string> {
  return await lab.exec(lab.client, [
    "promtool",
    "query",
    "instant",
    "http://127.0.0.1:9090",
    expr,
  ]).catch((e) => String(e));
}

async function startPrometheus(lab: Lab): Promise<Proc> {
  const config = await lab.file(
    "prometheus.yml",
    `global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - ${RULES}
scrape_configs:
  - job_name: carpd
    static_configs:
      - targets: ["${lab.address(1)}:${PORT}", "${lab.address(2)}:${PORT}"]
`,
  );
  return lab.spawn("prometheus", [
    "ip",
    "netns",
    "exec",
    lab.client,
    "prometheus",
    `--config.file=${config}`,
    `--storage.tsdb.path=${lab.dir}/tsdb`,
    "--web.listen-address=127.0.0.1:9090",
    "--log.level=warn",
  ]);
}

Deno.test({
  name:
    "Prometheus scrapes two carpd boxes: promtool finds the metrics and rules clean, a cable cut shows as a state change, counters only rise, status shows the history",
  ignore,
  async fn(): Promise<void> {
    const lab = await Lab.up(2);
    try {
      // Box 1's vhid is in a one-member group: its metrics are linted too.
      const a = await lab.carpd(
        1,
        withMetrics(
          lab,
          1,
          vhidConfig({
            vip: VIP,
            advskew: 0,
            extra: '\n[[group]]\nname = "web"\nvhids = [7]\n',
          }),
        ),
      );
      await soleHolder(lab, VIP, 1, 2, 6000);
      const b = await lab.carpd(
        2,
        withMetrics(lab, 2, vhidConfig({ vip: VIP, advskew: 50 })),
      );
      assert.ok(
        await b.waitFor(
          /serving metrics on http:\/\/10\.213\.0\.12:9650\/metrics/,
          5000,
        ),
      );
      await sleep(1500);

      // The exposition, as promtool judges it.
      const text = await scrape(lab, 1);
      assert.match(
        text,
        /^carpd_vhid_state\{vhid="7",interface="eth0",protocol="carp",group="web"\} 2$/m,
      );
      assert.match(text, /^carpd_group_state\{group="web"\} 2$/m);
      assert.match(text, /^carpd_group_split\{group="web"\} 0$/m);
      assert.match(text, /^process_resident_memory_bytes \d+$/m);
      const lint = await sh([
        "sh",
        "-c",
        `ip netns exec ${lab.client} curl -sS -m 3 http://${
          lab.address(1)
        }:${PORT}/metrics | promtool check metrics; echo "exit $?"`,
      ]);
      assert.match(lint, /exit 0\s*$/, lint);
      const rules = await sh(["promtool", "check", "rules", RULES]);
      assert.match(rules, /SUCCESS: 8 rules found/, rules);

      const prom = await startPrometheus(lab);
      assert.ok(
        await eventually(
          async () =>
            /=> 1 @/.test(await query(lab, `sum(up{job="carpd"}) == 2`)) ||
            /=> 2 @/.test(await query(lab, `sum(up{job="carpd"})`)),
          20_000,
          500,
        ),
        `Prometheus scrapes both: ${await query(lab, "up")}\n${prom.output}`,
      );
      const before = counters(await scrape(lab, 2));

      // Cable cut: h2 takes over; Prometheus sees h2's state change.
      await lab.cut(1);
      await soleHolder(lab, VIP, 2, 2, 6000);
      assert.ok(
        await eventually(
          async () =>
            /instance="10\.213\.0\.12:9650".*\} => [1-9]/
              .test(
                await query(
                  lab,
                  `changes(carpd_vhid_state{instance="${
                    lab.address(2)
                  }:${PORT}"}[1m]) > 0`,
                ),
              ),
          10_000,
          500,
        ),
        await query(lab, "carpd_vhid_state"),
      );
      const loaded = await lab.exec(lab.client, [
        "curl",
        "-sS",
        "-m",
        "3",
        "http://127.0.0.1:9090/api/v1/rules",
      ]);
      for (
        const name of [
          "CarpdVhidWithoutMaster",
          "CarpdVhidSplitBrain",
          "CarpdVhidFlapping",
          "CarpdCheckFailing",
          "CarpdDown",
        ]
      ) assert.match(loaded, new RegExp(`"name":"${name}"`), loaded);
      assert.doesNotMatch(loaded, /"health":"err"/, loaded);

      const after = counters(await scrape(lab, 2));
      for (const [series, v] of before) {
        assert.ok((after.get(series) ?? -1) >= v, `${series} fell`);
      }
      assert.ok(
        (after.get(
          'carpd_vhid_transitions_total{vhid="7",interface="eth0",protocol="carp"}',
        ) ?? 0) >
          (before.get(
            'carpd_vhid_transitions_total{vhid="7",interface="eth0",protocol="carp"}',
          ) ?? 0),
      );

      // The history: when, from, to, why.
      const v = (await lab.status(2)).vhids[0]!;
      const last = v.history.at(-1)!;
      assert.deepEqual([last.from, last.to, last.reason], [
        "BACKUP",
        "MASTER",
        "master down",
      ]);
      assert.ok(Math.abs(Date.parse(last.at) - Date.now()) < 30_000);
      const shown = await lab.ctl(2, "status");
      assert.match(shown.out, /Z BACKUP -> MASTER \(master down\)/, shown.out);
      assert.doesNotMatch(a.output + b.output, /Uncaught|panicked|error: /i);
    } finally {
      await lab.down();
    }
  },
});

Deno.test({
  name:
    "abuse of the metrics endpoint (wrong requests, a 1 MB head, 200 idle connections, a 10 s scrape flood, twice): no advert more than 10 ms late, no crash, memory bounded",
  ignore,
  async fn(): Promise<void> {
    const lab = await Lab.up(2);
    try {
      const a = await lab.carpd(
        1,
        withMetrics(lab, 1, vhidConfig({ vip: VIP, advskew: 0 })),
      );
      await soleHolder(lab, VIP, 1, 2, 6000);
      await lab.carpd(2, vhidConfig({ vip: VIP, advskew: 50 }));
      await sleep(3000);
      const rss = async (): Promise<number> =>
        Number(
          /VmRSS:\s+(\d+)/.exec(
            await Deno.readTextFile(`/proc/${a.pid}/status`),
          )?.[1] ?? 0,
        ) / 1024;
      const rssBefore = await rss();
      const dump = lab.spawn("tcpdump", [
        "ip",
        "netns",
        "exec",
        lab.host(2),
        "tcpdump",
        "-l",
        "-n",
        "-tt",
        "-i",
        "eth0",
        `ip proto 112 and src ${lab.address(1)}`,
      ]);
      await sleep(1500);
      const runAbuse = (): Promise<string> =>
        lab.exec(lab.client, [
          Deno.execPath(),
          "run",
          "-A",
          "--no-config",
          "--no-lock",
          ABUSE,
          lab.address(1),
          String(PORT),
          "10",
        ]);
      const abuse = await runAbuse();
      await sleep(1000);
      const rssFirst = await rss();
      // Twice: the second round must find the memory the first one took.
      await runAbuse();
      await sleep(1500);
      dump.signal("SIGTERM");
      await dump.exit(3000);
      const r = JSON.parse(abuse.trim().split("\n").at(-1)!);
      assert.match(r.wrongPath, /^HTTP\/1\.1 404/);
      assert.match(r.wrongMethod, /^HTTP\/1\.1 405/);
      assert.match(r.head, /^HTTP\/1\.1 200/);
      assert.match(r.garbage, /^HTTP\/1\.1 400/);
      assert.match(r.hugeHead, /^HTTP\/1\.1 431|closed without an answer/);
      assert.ok(
        r.slowClosedAfterMs >= 4000 && r.slowClosedAfterMs <= 6000,
        `a slow client was cut off after ${r.slowClosedAfterMs} ms`,
      );
      assert.equal(r.idleOpened, 200);
      assert.match(r.scrapeWithIdle, /^HTTP\/1\.1 200/, JSON.stringify(r));
      assert.ok(r.floodOk > 100, JSON.stringify(r));

      // Adverts seen on the wire from h1: one per second throughout.
      const times = dump.lines
        .map((l) => /^(\d+\.\d+) IP /.exec(l)?.[1])
        .filter((t) => t !== undefined)
        .map(Number);
      assert.ok(times.length >= 24, dump.output);
      let worst = 0;
      for (let i = 1; i < times.length; i++) {
        worst = Math.max(worst, (times[i]! - times[i - 1]!) * 1000 - 1000);
      }
      const rssAfter = await rss();
      const s = await lab.status(1);
      assert.equal(s.vhids[0]!.state, "MASTER");
      assert.equal(s.vhids[0]!.counters.transitions, 2, "no failover");
      assert.ok(worst <= 10, `an advert was ${worst.toFixed(1)} ms late`);
      const memory = `resident memory ${rssBefore.toFixed(1)} -> ${
        rssFirst.toFixed(1)
      } -> ${rssAfter.toFixed(1)} MB`;
      assert.ok(rssAfter - rssFirst < 10, memory);
      assert.ok(rssAfter - rssBefore < 60, memory);
      assert.doesNotMatch(a.output, /Uncaught|panicked|error: /i);
      // deno-lint-ignore no-console
      console.log(
        `  ${r.floodOk} scrapes in 10 s (twice); worst advert lateness ${
          worst.toFixed(1)
        } ms; ${memory}`,
      );
    } finally {
      await lab.down();
    }
  },
});

Deno.test({
  name:
    "a metrics address that cannot be bound stops carpd run with exit 71; a malformed one is a config error (78)",
  ignore,
  async fn(): Promise<void> {
    const lab = await Lab.up(1);
    try {
      const p = await lab.carpd(
        1,
        vhidConfig({ vip: VIP, advskew: 0 }).replace(
          "[daemon]\n",
          `[daemon]\nmetrics = "10.213.0.99:${PORT}"\n`,
        ),
      );
      const status = await p.exit(10_000);
      assert.equal(status.code, 71, p.output);
      assert.match(p.output, /cannot serve metrics on 10\.213\.0\.99:9650/);
      const bad = await lab.file(
        "bad.toml",
        vhidConfig({ vip: VIP, advskew: 0 }).replace(
          "[daemon]\n",
          `[daemon]\nmetrics = "localhost"\n`,
        ),
      );
      const checked = await lab.spawn("check", [
        new URL("../../scripts/carpd", import.meta.url).pathname,
        "check",
        "-c",
        bad,
      ]).exit(10_000);
      assert.equal(checked.code, 78);
    } finally {
      await lab.down();
    }
  },
});
