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
      // The kernel turns receive stamps on through a deferred work item, and a
      // packet that arrives before it has run is stamped when it is read: try
      // a bounded number of times, and fail if no packet ever carries a stamp
      // older than its read.
      const ages: number[] = [];
      for (let attempt = 0; attempt < 20; attempt++) {
        while (s.receive() !== null) { /* drain */ }
        assert.equal(s.send(packet, LOOPBACK, null), null);
        await new Promise((r) => setTimeout(r, 60));
        const got = s.receive();
        assert.ok(got !== null && got.bytes.length === packet.length);
        const arrival = s.lastArrivalMs();
        assert.ok(arrival !== null, "the kernel's stamp");
        const age = Date.now() - arrival;
        ages.push(Math.round(age));
        if (age >= 40) break;
      }
      const last = ages.at(-1) ?? 0;
      assert.ok(last >= 40 && last < 5000, `received ${ages} ms ago`);
    } finally {
      s.close();
    }
  },
});
