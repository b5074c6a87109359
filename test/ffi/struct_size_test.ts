import assert from "node:assert/strict";
import {
  IP_MREQN_SIZE,
  ipMreqn,
  IPV6_MREQ_SIZE,
  SOCKADDR_IN6_SIZE,
  SOCKADDR_IN_SIZE,
  sockaddrIn,
  sockaddrIn6,
} from "../../ffi/inet_address.ts";
import {
  CMSGHDR_SIZE,
  IN6_PKTINFO_SIZE,
  IOVEC_SIZE,
  MSGHDR_SIZE,
} from "../../ffi/socket_message.ts";
import { POLLFD_SIZE } from "../../ffi/poll.ts";
import { SOCKADDR_LL_SIZE, sockaddrLl } from "../../ffi/packet_socket.ts";
import { SOCKADDR_UN_SIZE } from "../../ffi/unix_datagram.ts";

/** What the C compiler says these structs measure, on this machine. */
async function cSizes(): Promise<Record<string, number> | null> {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/sizes.c`,
      `#define _GNU_SOURCE
#include <stdio.h>
#include <stddef.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <netinet/in.h>
#include <linux/if_packet.h>
#include <sys/un.h>
int main(void) {
  printf("{\\"sockaddr_in\\":%zu,\\"sockaddr_ll\\":%zu,\\"pollfd\\":%zu,\\"ip_mreqn\\":%zu,\\"sockaddr_un\\":%zu,",
    sizeof(struct sockaddr_in), sizeof(struct sockaddr_ll), sizeof(struct pollfd),
    sizeof(struct ip_mreqn), sizeof(struct sockaddr_un));
  printf("\\"sockaddr_in6\\":%zu,\\"sin6_scope_id\\":%zu,\\"ipv6_mreq\\":%zu,\\"in6_pktinfo\\":%zu,\\"msghdr\\":%zu,\\"msg_controllen\\":%zu,\\"msg_flags\\":%zu,\\"iovec\\":%zu,\\"cmsghdr\\":%zu,\\"cmsg_space_pktinfo\\":%zu}\\n",
    sizeof(struct sockaddr_in6), offsetof(struct sockaddr_in6, sin6_scope_id),
    sizeof(struct ipv6_mreq), sizeof(struct in6_pktinfo), sizeof(struct msghdr),
    offsetof(struct msghdr, msg_controllen), offsetof(struct msghdr, msg_flags),
    sizeof(struct iovec), sizeof(struct cmsghdr),
    (size_t)CMSG_SPACE(sizeof(struct in6_pktinfo)));
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
  assert.equal(sockaddrIn6(new Uint8Array(16), 2).length, SOCKADDR_IN6_SIZE);
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
      sockaddr_in6: SOCKADDR_IN6_SIZE,
      sin6_scope_id: 24,
      ipv6_mreq: IPV6_MREQ_SIZE,
      in6_pktinfo: IN6_PKTINFO_SIZE,
      msghdr: MSGHDR_SIZE,
      msg_controllen: 40,
      msg_flags: 48,
      iovec: IOVEC_SIZE,
      cmsghdr: CMSGHDR_SIZE,
      cmsg_space_pktinfo: 40,
    });
  },
});
