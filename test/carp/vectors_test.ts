import assert from "node:assert/strict";
import { encodeAdvert, encodeCarpPacket } from "../../src/carp/mod.ts";
import { carpHmac, hmacMessage } from "../../src/carp/hmac.ts";
import { decodeCarpPacket } from "../../src/carp/packet.ts";
import { internetChecksum, parseIpv4 } from "../../src/net/mod.ts";
import { fromHex, toHex } from "../_hex.ts";

interface Vector {
  name: string;
  password: string;
  vhid: number;
  advskew: number;
  advbase: number;
  vip: string;
  src: string;
  counter: string;
  "hmac_msg": string;
  hmac: string;
  "carp_header": string;
  "carp_checksum": string;
  "ethernet_frame"?: string;
}

const VECTORS_URL = new URL(
  "../../../shared/vectors/carp.json",
  import.meta.url,
);
const LOCAL_URL = new URL("./carp_vectors.json", import.meta.url);

async function loadVectors(): Promise<Vector[]> {
  // The shared copy is the reference; the committed copy keeps the test
  // running where shared/ is not beside the checkout. They must agree.
  const local = JSON.parse(await Deno.readTextFile(LOCAL_URL)).vectors;
  try {
    const shared = JSON.parse(await Deno.readTextFile(VECTORS_URL)).vectors;
    assert.deepEqual(local, shared, "test/carp/carp_vectors.json is stale");
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return local;
}

const vectors = await loadVectors();
const encoder = new TextEncoder();

for (const v of vectors) {
  const key = encoder.encode(v.password);
  const vip = parseIpv4(v.vip)!;
  const counter = BigInt("0x" + v.counter);

  Deno.test(`hmacMessage() matches vector "${v.name}"`, () => {
    assert.equal(toHex(hmacMessage(v.vhid, [vip], counter)), v.hmac_msg);
  });

  Deno.test(`carpHmac() matches vector "${v.name}"`, () => {
    assert.equal(toHex(carpHmac(key, v.vhid, [vip], counter)), v.hmac);
  });

  Deno.test(`encodeAdvert() is byte-exact for vector "${v.name}"`, () => {
    const header = encodeAdvert(
      { vhid: v.vhid, advskew: v.advskew, advbase: v.advbase, counter },
      { key, vips: [vip] },
    );
    assert.equal(toHex(header), v.carp_header);
    assert.equal(toHex(header.subarray(6, 8)), v.carp_checksum);
    assert.equal(internetChecksum(header), 0);
  });

  Deno.test(`decodeCarpPacket() accepts vector "${v.name}"`, () => {
    const packet = v.ethernet_frame
      ? fromHex(v.ethernet_frame).subarray(14)
      : encodeCarpPacket({ source: parseIpv4(v.src)! }, fromHex(v.carp_header));
    const result = decodeCarpPacket(packet, {
      vhids: new Map([[v.vhid, { key, vips: [vip] }]]),
      destinations: new Set([parseIpv4("224.0.0.18")!]),
    });
    assert.ok(result.ok, `dropped: ${!result.ok && result.reason}`);
    assert.equal(result.advert.vhid, v.vhid);
    assert.equal(result.advert.advskew, v.advskew);
    assert.equal(result.advert.advbase, v.advbase);
    assert.equal(result.advert.counter, counter);
    assert.equal(result.source, parseIpv4(v.src));
  });
}

Deno.test("encodeCarpPacket() rebuilds the frame ucarp put on the wire", () => {
  const v = vectors.find((x) => x.ethernet_frame)!;
  const frame = fromHex(v.ethernet_frame!);
  const id = (frame[18]! << 8) | frame[19]!;
  const packet = encodeCarpPacket(
    { source: parseIpv4(v.src)!, id },
    fromHex(v.carp_header),
  );
  assert.equal(toHex(packet), toHex(frame.subarray(14)));
});

Deno.test("encodeCarpPacket() gives ucarp's IP header for the worked example", () => {
  const v = vectors[0]!;
  const packet = encodeCarpPacket(
    { source: parseIpv4(v.src)! },
    fromHex(v.carp_header),
  );
  assert.equal(
    toHex(packet.subarray(0, 20)),
    "4510003800004000ff7090cf0a630001e0000012",
  );
});
