// The raw socket on the loopback interface (needs CAP_NET_RAW: root).
import assert from "node:assert/strict";
import { RawSocket } from "../../ffi/raw_socket.ts";
import { encodeAdvert, encodeCarpPacket } from "../../src/carp/mod.ts";

const LOOPBACK = 0x7f000001;

Deno.test({
  name:
    "RawSocket says when the kernel received a packet (SO_TIMESTAMPNS), not when it was read",
  ignore: Deno.uid() !== 0, // raw sockets need CAP_NET_RAW
  async fn(): Promise<void> {
    const s = RawSocket.open({
      family: 4,
      ifname: "lo",
      ifindex: 1,
      groups: [],
    });
    try {
      const packet = encodeCarpPacket(
        { source: LOOPBACK, destination: LOOPBACK },
        encodeAdvert(
          { vhid: 1, advbase: 1, advskew: 0, counter: 1n },
          { key: new Uint8Array([1]), vips: [LOOPBACK] },
        ),
      );
      assert.equal(s.send(packet, LOOPBACK, null), null);
      await new Promise((r) => setTimeout(r, 60));
      const got = s.receive();
      assert.ok(got !== null && got.bytes.length === packet.length);
      const arrival = s.lastArrivalMs();
      assert.ok(arrival !== null, "the kernel's stamp");
      const age = Date.now() - arrival;
      assert.ok(age >= 40 && age < 5000, `received ${age} ms ago`);
    } finally {
      s.close();
    }
  },
});
