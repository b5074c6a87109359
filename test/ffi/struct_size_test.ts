import assert from "node:assert/strict";
import {
  IP_MREQN_SIZE,
  ipMreqn,
  SOCKADDR_IN_SIZE,
  sockaddrIn,
} from "../../ffi/fd.ts";
import { POLLFD_SIZE } from "../../ffi/poll.ts";
import { SOCKADDR_LL_SIZE, sockaddrLl } from "../../ffi/packet_socket.ts";
import { SOCKADDR_UN_SIZE } from "../../ffi/unix_datagram.ts";

/** What the C compiler says these structs measure, on this machine. */
async function cSizes(): Promise<Record<string, number> | null> {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/sizes.c`,
      `#include <stdio.h>
#include <poll.h>
#include <netinet/in.h>
#include <linux/if_packet.h>
#include <sys/un.h>
int main(void) {
  printf("{\\"sockaddr_in\\":%zu,\\"sockaddr_ll\\":%zu,\\"pollfd\\":%zu,\\"ip_mreqn\\":%zu,\\"sockaddr_un\\":%zu}\\n",
    sizeof(struct sockaddr_in), sizeof(struct sockaddr_ll), sizeof(struct pollfd),
    sizeof(struct ip_mreqn), sizeof(struct sockaddr_un));
  return 0;
}
`,
    );
    const cc = await new Deno.Command("cc", {
      args: ["-o", `${dir}/sizes`, `${dir}/sizes.c`],
      stdout: "null",
      stderr: "piped",
    }).output().catch(() => null);
    if (cc === null || !cc.success) return null;
    const out = await new Deno.Command(`${dir}/sizes`, { stdout: "piped" })
      .output();
    return JSON.parse(new TextDecoder().decode(out.stdout));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("the struct encoders make the sizes the kernel expects", () => {
  assert.equal(sockaddrIn(0x7f000001).length, SOCKADDR_IN_SIZE);
  assert.equal(ipMreqn(0xe0000012, 0, 2).length, IP_MREQN_SIZE);
  assert.equal(
    sockaddrLl(2, 0x0806, new Uint8Array(6)).length,
    SOCKADDR_LL_SIZE,
  );
  assert.deepEqual(
    [
      SOCKADDR_IN_SIZE,
      SOCKADDR_LL_SIZE,
      POLLFD_SIZE,
      IP_MREQN_SIZE,
      SOCKADDR_UN_SIZE,
    ],
    [16, 20, 8, 12, 110],
  );
});

Deno.test({
  name: "the struct sizes agree with the C compiler on this machine",
  // scripts/test.sh installs gcc; elsewhere the test above still holds.
  ignore:
    !(await new Deno.Command("sh", { args: ["-c", "command -v cc"] }).output())
      .success,
  async fn(): Promise<void> {
    const c = await cSizes();
    assert.ok(c !== null, "cc could not build the probe");
    assert.deepEqual(c, {
      sockaddr_in: SOCKADDR_IN_SIZE,
      sockaddr_ll: SOCKADDR_LL_SIZE,
      pollfd: POLLFD_SIZE,
      ip_mreqn: IP_MREQN_SIZE,
      sockaddr_un: SOCKADDR_UN_SIZE,
    });
  },
});
