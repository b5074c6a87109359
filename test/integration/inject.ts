/**
 * A hostile or broken neighbour, for tests: sends crafted CARP packets from
 * inside a lab host. Run as
 *   deno run -A inject.ts <kind> <json options>
 * kinds: "replay" (one valid advert, repeated), "openbsd" (an OpenBSD master
 * advertising `advskew` and its `demote` count every second, `count` times),
 * "garbage" (every kind of bad
 * packet, then a flood), "garbage6" (the same over IPv6, to ff02::12, from
 * `source6`, for an IPv6 `vip`). Prints a JSON summary of what it sent.
 */

import { interfaceIndex } from "../../ffi/poll.ts";
import { RawSocket } from "../../ffi/raw_socket.ts";
import {
  type CarpAuth,
  encodeAdvert,
  encodeCarpPacket,
} from "../../src/carp/mod.ts";
import {
  CARP6_GROUP,
  CARP_GROUP,
  internetChecksum,
  parseIpv4,
  parseIpv6,
} from "../../src/net/mod.ts";

interface Options {
  source: string;
  /** The injector's link-local, for IPv6 kinds. */
  source6?: string;
  vhid: number;
  password: string;
  vip: string;
  counter?: string;
  count?: number;
  floodSeconds?: number;
  floodPps?: number;
  /** kind "openbsd": the advskew and demote count it advertises. */
  advskew?: number;
  demote?: number;
}

const [kind, json] = Deno.args;
const o = JSON.parse(json ?? "{}") as Options;
const v6 = kind === "garbage6";
const ifindex = interfaceIndex("eth0");
const socket = RawSocket.open({
  family: 4,
  ifname: "eth0",
  ifindex,
  groups: v6 ? [] : [CARP_GROUP],
});
const socket6 = v6
  ? RawSocket.open({ family: 6, ifname: "eth0", ifindex, groups: [] })
  : null;
// A neighbour a router away: its adverts arrive with hop limit 64.
const routed6 = v6
  ? RawSocket.open({
    family: 6,
    ifname: "eth0",
    ifindex,
    groups: [],
    hopLimit: 64,
  })
  : null;
const source = parseIpv4(o.source)!;
const source6 = v6 ? parseIpv6(o.source6 ?? "")! : new Uint8Array(16);
const auth: CarpAuth = v6
  ? {
    key: new TextEncoder().encode(o.password),
    vips: [],
    vips6: [parseIpv6(o.vip)!],
  }
  : { key: new TextEncoder().encode(o.password), vips: [parseIpv4(o.vip)!] };
const sent: Record<string, number> = {};

/** Sends an IPv4 packet, or over IPv6 the CARP payload after its header. */
function send(label: string, packet: Uint8Array): void {
  let err;
  if (!v6) err = socket.send(packet, CARP_GROUP);
  else {
    const via = label.includes("hop limit") ? routed6! : socket6!;
    err = via.send(packet.subarray(20), CARP6_GROUP, source6);
  }
  if (err === null) sent[label] = (sent[label] ?? 0) + 1;
}

function valid(
  fields: {
    advskew?: number;
    counter?: bigint;
    vhid?: number;
    key?: Uint8Array;
    demote?: number;
  } = {},
): Uint8Array {
  const header = encodeAdvert(
    {
      vhid: fields.vhid ?? o.vhid,
      advbase: 1,
      advskew: fields.advskew ?? 200,
      counter: fields.counter ?? 1n,
      demote: fields.demote ?? 0,
    },
    { ...auth, key: fields.key ?? auth.key },
  );
  return encodeCarpPacket({ source, id: 7 }, header);
}

/** Recomputes both checksums after an edit. */
function fix(p: Uint8Array): Uint8Array {
  const v = new DataView(p.buffer, p.byteOffset);
  v.setUint16(10, 0);
  v.setUint16(10, internetChecksum(p.subarray(0, 20)));
  if (p.length >= 56) {
    v.setUint16(26, 0);
    v.setUint16(26, internetChecksum(p.subarray(20, 56)));
  }
  return p;
}

function badPackets(): [string, Uint8Array][] {
  const random = crypto.getRandomValues(new Uint8Array(56));
  const garbage = fix(
    encodeCarpPacket({ source, id: 1 }, random.subarray(0, 36)),
  );
  const truncated = fix(valid().slice(0, 40));
  new DataView(truncated.buffer).setUint16(2, 40);
  const ttl = valid();
  ttl[8] = 64;
  // Version 1: no protocol of ours (2 is CARP, 3 VRRP).
  const version = valid();
  version[20] = 0x11;
  // A VRRPv3 header on a CARP vhid's packet (dropped as bad_version by the
  // vhid over IPv4, or by VRRP's own rules over IPv6).
  const vrrp = valid();
  vrrp[20] = 0x31;
  const type = valid();
  type[20] = 0x22;
  const checksum = valid();
  checksum[22] = checksum[22]! ^ 1;
  const hmac = valid();
  hmac[40] = hmac[40]! ^ 0xff;
  return [
    ["random bytes", garbage],
    ["truncated", truncated],
    v6 ? ["bad hop limit", valid()] : ["bad ttl", fix(ttl)],
    ["bad version", fix(version)],
    ["VRRPv3 header", fix(vrrp)],
    ["bad type", fix(type)],
    ["bad checksum", checksum],
    ["bad hmac", fix(hmac)],
    [
      "forged better priority, wrong password",
      valid({ advskew: 0, key: new TextEncoder().encode("guess") }),
    ],
    ["other vhid", valid({ vhid: o.vhid === 200 ? 201 : 200 })],
  ];
}

if (kind === "openbsd") {
  // An OpenBSD master: adverts every second with its demote count.
  for (let i = 0; i < (o.count ?? 3); i++) {
    send(
      "openbsd advert",
      valid({
        advskew: o.advskew ?? 0,
        demote: o.demote ?? 0,
        counter: BigInt(1000 + i),
      }),
    );
    await new Promise((r) => setTimeout(r, 1000));
  }
} else if (kind === "replay") {
  const packet = valid({ counter: BigInt(o.counter ?? "1"), advskew: 250 });
  for (let i = 0; i < (o.count ?? 3); i++) {
    send("replayed advert", packet);
    await new Promise((r) => setTimeout(r, 100));
  }
} else if (kind === "garbage" || kind === "garbage6") {
  const kinds = badPackets();
  for (let round = 0; round < 3; round++) {
    for (const [label, p] of kinds) send(label, p);
    await new Promise((r) => setTimeout(r, 200));
  }
  const pps = o.floodPps ?? 10_000;
  const end = performance.now() + (o.floodSeconds ?? 0) * 1000;
  const batch = Math.max(1, Math.round(pps / 100)); // every 10 ms
  for (let tick = 0; performance.now() < end && tick < 1_000_000; tick++) {
    const next = performance.now() + 10;
    for (let i = 0; i < batch; i++) {
      const [label, p] = kinds[(tick * batch + i) % kinds.length]!;
      send(`flood ${label}`, p);
    }
    await new Promise((r) =>
      setTimeout(r, Math.max(0, next - performance.now()))
    );
  }
} else {
  throw new Error(`unknown kind "${kind}"`);
}
socket.close();
socket6?.close();
routed6?.close();
// deno-lint-ignore no-console
console.log(JSON.stringify(sent));
