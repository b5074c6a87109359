// The per-vhid driver on the virtual clock: no test here waits on real time.
import assert from "node:assert/strict";
import { IFA_F_TENTATIVE } from "../../ffi/constants.ts";
import type { ElectionAdvert } from "../../src/fsm/mod.ts";
import { parseIpv4, parseIpv6, type PeerAddress } from "../../src/net/mod.ts";
import { decodeVrrp4Packet } from "../../src/vrrp/packet.ts";
import type { HeardAdvert } from "../../src/wire/mod.ts";
import {
  address6,
  Errno,
  FakeBox,
  fastVhid,
  fastVrrp,
  link,
  sockets,
  started,
} from "./_fakes.ts";

const VIP = parseIpv4("10.9.0.50")!;

/** A CARP advert as the wire hands it over. */
function carp(
  source: PeerAddress,
  advbase: number,
  advskew: number,
  counter: bigint,
): HeardAdvert {
  const advert: ElectionAdvert = {
    protocol: "carp",
    advbase,
    advskew,
    counter,
  };
  return {
    ok: true,
    vhid: 7,
    source,
    advert,
    dialect: null,
    addresses: null,
    keyIndex: 0,
  };
}

Deno.test("VhidDriver becomes MASTER in order: VIPs on, then ARP, advert and up hook", async () => {
  const box = new FakeBox();
  const r = started(box);
  assert.ok(await box.clock.until(() => r.state.state === "MASTER"));
  assert.deepEqual(box.added, [VIP]);
  assert.equal(box.frames.length, 1, "one gratuitous ARP");
  assert.ok(box.socket.sent.length >= 1);
  assert.equal(
    box.logged(/vhid 7: BACKUP -> MASTER \(master down\)/).length,
    1,
  );
  r.stop();
  assert.ok(
    box.socket.sent.some((a) => a.advbase === 255 && a.advskew === 255),
  );
  assert.deepEqual(box.removed.slice(-1), [VIP]);
});

Deno.test("VhidDriver never claims MASTER without its VIPs: FAULT, bow-out, no ARP, retry", async () => {
  const box = new FakeBox();
  box.refuseAdd = Errno.EPERM;
  const r = started(box);
  assert.ok(await box.clock.until(() => r.state.state === "FAULT"));
  assert.equal(box.frames.length, 0, "no gratuitous ARP for a VIP we lack");
  assert.deepEqual(
    box.socket.sent.map((a) => [a.advbase, a.advskew]),
    [[255, 255]],
    "only the bow-out advert, never a master's",
  );
  assert.equal(box.logged(/-> MASTER/).length, 0, "MASTER never announced");
  assert.equal(
    box.logged(
      /vhid 7: BACKUP -> FAULT \(cannot add VIPs: Cannot add address .*EPERM.*retrying in 1 s\)/,
    )
      .length,
    1,
    box.lines.join("\n"),
  );
  box.refuseAdd = 0;
  assert.ok(
    await box.clock.until(() => r.state.state === "MASTER", 3000),
    "retried",
  );
  assert.deepEqual(box.added, [VIP]);
  assert.equal(r.state.vipFailures, 0, "back-off reset");
  r.stop();
});

Deno.test("VhidDriver demotes itself while its adverts cannot leave, and recovers", async () => {
  const box = new FakeBox();
  const r = started(box);
  assert.ok(await box.clock.until(() => r.state.state === "MASTER"));
  box.socket.refuse = Errno.EPERM;
  assert.ok(await box.clock.until(() => r.demotions().length > 0));
  assert.deepEqual(r.demotions(), [{
    reason: "send errors, EPERM",
    advskew: 240,
  }]);
  assert.equal(r.state.demotion, 240);
  assert.ok((r.counters.sendErrors.get("EPERM") ?? 0) >= 3);
  const sent = r.counters.advertsSent;
  // A peer (skew 100) takes over; the demoted master yields to it.
  r.receive(carp(parseIpv4("10.9.0.2")!, 0, 100, 1n), box.clock.now());
  assert.equal(r.state.state, "BACKUP");
  assert.equal(r.counters.advertsSent, sent, "refused sends are not counted");
  // Sends work again: the probes (vhid 0) find out, and the demotion ends.
  box.socket.refuse = 0;
  assert.ok(
    await box.clock.until(() => r.demotions().length === 0, 5000),
    "recovered",
  );
  assert.ok(box.socket.sent.some((a) => a.vhid === 0), "probes for vhid 0");
  r.stop();
});

Deno.test("VhidDriver puts back a VIP someone removed while it is MASTER", async () => {
  const box = new FakeBox();
  const l = link();
  const r = started(box, fastVhid(), l);
  assert.ok(await box.clock.until(() => r.state.state === "MASTER"));
  r.attach(sockets(box.socket), l); // the VIP is not on l
  r.addressChanged(VIP, true);
  assert.ok(await box.clock.until(() => r.counters.vipsRestored === 1));
  assert.ok(await box.clock.until(() => box.added.length === 2));
  assert.equal(r.state.state, "MASTER");
  assert.equal(
    box.logged(/was removed from eth0 while MASTER; putting it back/).length,
    1,
  );
  r.stop();
});

Deno.test("VhidDriver follows its interface: missing, re-created, without an address", async () => {
  const box = new FakeBox();
  const r = started(box);
  assert.ok(await box.clock.until(() => r.state.state === "MASTER"));
  r.attach(sockets(null), null);
  assert.equal(r.state.state, "FAULT");
  assert.equal(
    box.logged(/MASTER -> FAULT \(interface missing: waiting for eth0\)/)
      .length,
    1,
  );
  r.attach(
    sockets(box.socket),
    link({ index: 9 }),
  );
  assert.equal(r.state.state, "BACKUP");
  assert.ok(await box.clock.until(() => r.state.state === "MASTER"));
  // Re-created between two looks (an overflow resync): start over.
  r.attach(
    sockets(box.socket),
    link({ index: 12 }),
  );
  assert.equal(
    box.logged(/MASTER -> FAULT \(interface missing: eth0 re-created\)/).length,
    1,
  );
  assert.equal(r.state.state, "BACKUP");
  // The address goes: FAULT; another comes: the new source.
  r.attach(
    sockets(box.socket),
    link({ index: 12, addresses: [] }),
  );
  assert.equal(r.state.state, "FAULT");
  assert.equal(r.iface.sourceText(4), null);
  r.attach(
    sockets(box.socket),
    link({
      index: 12,
      addresses: [{ address: parseIpv4("10.9.0.7")!, prefix: 24 }],
    }),
  );
  assert.equal(r.state.state, "BACKUP");
  assert.equal(r.iface.sourceText(4), "10.9.0.7");
  assert.equal(r.state.config.source, parseIpv4("10.9.0.7"));
  r.stop();
});

Deno.test("VhidDriver keeps its source while that address stays, and never picks a VIP", () => {
  const box = new FakeBox();
  const a = parseIpv4("10.9.0.1")!;
  const b = parseIpv4("10.9.0.2")!;
  const r = started(
    box,
    fastVhid(),
    link({
      addresses: [{ address: VIP, prefix: 24 }, { address: a, prefix: 24 }],
    }),
  );
  assert.equal(r.iface.sourceText(4), "10.9.0.1");
  r.attach(
    sockets(box.socket),
    link({
      addresses: [{ address: b, prefix: 24 }, { address: a, prefix: 24 }],
    }),
  );
  assert.equal(r.iface.sourceText(4), "10.9.0.1", "stable while present");
  r.stop();
});

Deno.test("VhidDriver with replay_protection drops a repeated counter", () => {
  const box = new FakeBox();
  const r = started(box, fastVhid("replay_protection = true"));
  const advert = carp(parseIpv4("10.9.0.2")!, 0, 5, 9n);
  assert.equal(r.receive(advert, 0), "accepted");
  assert.equal(r.receive(advert, 0), "replay");
  assert.equal(r.counters.drops.replay, 1);
  assert.equal(r.counters.advertsReceived, 1);
  r.stop();
});

Deno.test("VhidDriver measures a peer's advert gaps by arrival, not by when it read them", () => {
  const box = new FakeBox();
  const r = started(box);
  const advert = carp(parseIpv4("10.9.0.2")!, 0, 5, 1n);
  r.receive(advert, 1000);
  r.receive(advert, 1019.5); // the peer ran 0.5 ms late
  r.receive(advert, 1039); // read late with the next one: no matter
  assert.equal(r.hearing.timeliness.worstAdvertGapMs, 19.5);
  // A peer silent for a minute (a backup that became master) is not late.
  r.receive(advert, 61_039);
  assert.equal(r.hearing.timeliness.worstAdvertGapMs, 19.5);
  r.stop();
});

Deno.test("VhidDriver with IPv6 VIPs: waits for a link-local out of DAD, advertises to ff02::12, announces with neighbour advertisements", async () => {
  const box = new FakeBox();
  const config = fastVhid("", `"10.9.0.50/24", "2001:db8::50/64"`);
  const r = box.driver(config);
  const tentative = [address6(parseIpv6("fe80::1")!, IFA_F_TENTATIVE)];
  const port = sockets(box.socket, box.socket6);
  r.attach(port, link({ addresses6: tentative }));
  r.start();
  assert.equal(r.state.state, "FAULT", "no usable link-local yet");
  assert.deepEqual(Object.values(r.state.faults), [
    "no usable link-local IPv6 address on eth0 to advertise from yet",
  ]);
  // DAD done: the flags change on the same address.
  r.attach(port, link({ addresses6: [address6(parseIpv6("fe80::1")!)] }));
  assert.ok(await box.clock.until(() => r.state.state === "MASTER"));
  assert.equal(r.iface.sourceText(6), "fe80::1");
  assert.deepEqual(box.added, [VIP, "2001:db8::50/64"]);
  assert.deepEqual(
    box.frames.map((f) => f.ethertype.toString(16)),
    ["806", "86dd"],
    "a gratuitous ARP and a neighbour advertisement",
  );
  assert.deepEqual([...box.frames[1]!.destination], [
    0x33,
    0x33,
    0,
    0,
    0,
    1,
  ]);
  assert.ok(box.socket.sent.length >= 1, "IPv4 adverts");
  assert.ok(
    box.socket6.sent.some((a) =>
      a.destination === "ff02::12" && a.source === "fe80::1" && a.vhid === 7
    ),
    "IPv6 adverts from the link-local",
  );
  r.stop();
  assert.deepEqual(box.removed.slice(-2), [VIP, "2001:db8::50/64"]);
});

Deno.test("VhidDriver puts back an IPv6 VIP someone removed while MASTER", async () => {
  const box = new FakeBox();
  const config = fastVhid("", `"2001:db8::50"`);
  const ll = [address6(parseIpv6("fe80::1")!)];
  const r = box.driver(config);
  r.attach(sockets(box.socket, box.socket6), link({ addresses6: ll }));
  r.start();
  assert.ok(await box.clock.until(() => r.state.state === "MASTER"));
  assert.equal(
    r.iface.sourceText(4),
    null,
    "an IPv6-only vhid needs no IPv4 source",
  );
  assert.equal(box.socket.sent.length, 0, "and sends no IPv4 adverts");
  r.addressChanged(parseIpv6("2001:db8::50")!, true);
  assert.ok(await box.clock.until(() => r.counters.vipsRestored === 1));
  assert.deepEqual(box.added, ["2001:db8::50", "2001:db8::50"]);
  r.stop();
});

Deno.test("VhidDriver with a VRRP vhid: VRRPv3 adverts in the configured dialect, priority 0 on stop, peers and mismatches recorded", async () => {
  const box = new FakeBox();
  const r = started(box, fastVrrp('vrrp_checksum = "plain"'));
  assert.ok(await box.clock.until(() => r.state.state === "MASTER"));
  const rules = { vrids: new Set([7]) };
  const first = decodeVrrp4Packet(box.socket.packets[0]!, rules);
  assert.ok(first.ok, JSON.stringify(first));
  assert.equal(first.dialect, "plain");
  assert.deepEqual(
    [first.advert.priority, first.advert.intervalCs, first.advert.addresses],
    [150, 1, [VIP]],
  );
  assert.equal(box.socket.packets[0]![1], 0xc0, "TOS CS6");

  // A better master with another address list: followed, warned once.
  const heard = (dialect: "pseudo" | "plain"): HeardAdvert => ({
    ok: true,
    vhid: 7,
    source: parseIpv4("10.9.0.2")!,
    advert: { protocol: "vrrp", priority: 200, intervalCs: 1 },
    dialect,
    addresses: ["10.9.0.50", "10.9.0.51"],
    keyIndex: 0,
  });
  r.receive(heard("pseudo"), box.clock.now());
  r.receive(heard("pseudo"), box.clock.now());
  assert.equal(r.state.state, "BACKUP");
  assert.equal(r.counters.vipListMismatches, 2);
  assert.equal(
    box.logged(
      /10\.9\.0\.2 advertises 10\.9\.0\.50, 10\.9\.0\.51 but this vhid has 10\.9\.0\.50/,
    ).length,
    1,
  );
  assert.equal(r.hearing.warnings().length, 1);
  assert.deepEqual(r.hearing.peers(box.clock.now())[0]![1].checksums, {
    pseudo: 2,
  });
  // One advert in the other dialect from the same peer: a flipped bit that
  // happened to verify, most likely; dropped and counted.
  assert.equal(r.receive(heard("plain"), box.clock.now()), "bad_checksum");
  assert.equal(r.counters.drops.bad_checksum, 1);
  assert.equal(r.counters.advertsReceived, 2);

  // Master again once the peer is silent; stop sends priority 0.
  assert.ok(await box.clock.until(() => r.state.state === "MASTER"));
  const before = box.socket.packets.length;
  r.stop();
  const last = decodeVrrp4Packet(box.socket.packets[before]!, rules);
  assert.ok(last.ok && last.advert.priority === 0);
  r.release();
});
