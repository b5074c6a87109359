import assert from "node:assert/strict";
import { sockaddrUn, UnixDatagram } from "../../ffi/unix_datagram.ts";
import { toHex } from "../_hex.ts";

Deno.test("sockaddrUn() keeps a path's NUL and starts an abstract name with one", () => {
  assert.equal(
    toHex(sockaddrUn("/run/x")),
    "0100" + toHex(new TextEncoder().encode("/run/x")) + "00",
  );
  assert.equal(toHex(sockaddrUn("@x")), "0100" + "00" + "78");
  assert.throws(() => sockaddrUn("@"), RangeError);
  assert.throws(() => sockaddrUn("/" + "a".repeat(107)), RangeError);
});

Deno.test("UnixDatagram delivers to abstract and path addresses", () => {
  const name = `@carpd-test-${crypto.randomUUID()}`;
  const dir = Deno.makeTempDirSync();
  for (const address of [name, `${dir}/notify`]) {
    using rx = UnixDatagram.listen(address);
    using tx = UnixDatagram.open();
    tx.send(address, "READY=1\nSTATUS=ok");
    assert.equal(rx.receive(), "READY=1\nSTATUS=ok");
    assert.equal(rx.receive(), null);
  }
  Deno.removeSync(dir, { recursive: true });
});
