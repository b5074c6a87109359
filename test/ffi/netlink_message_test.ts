import assert from "node:assert/strict";
import fc from "fast-check";
import {
  address6Request,
  addressRequest,
  encodeMessage,
  errorCode,
  ifinfomsg,
  parseAddress,
  parseLink,
  splitMessages,
} from "../../ffi/netlink_message.ts";
import {
  IFA_F_NODAD,
  IFF_LOWER_UP,
  IFF_UP,
  RTM_NEWADDR,
} from "../../ffi/constants.ts";
import { gratuitousArp } from "../../src/net/mod.ts";
import { toHex } from "../_hex.ts";

Deno.test("encodeMessage() lays out an RTM_NEWADDR request as the kernel expects", () => {
  const { fixed, attrs } = addressRequest(5, 0x0ad50032, 24, "eth0:carp");
  const msg = encodeMessage(RTM_NEWADDR, 0x0605, 7, fixed, attrs);
  // nlmsghdr (16) + ifaddrmsg (8) + IFA_LOCAL (8) + IFA_ADDRESS (8) + IFA_LABEL (4 + 10, padded to 16)
  assert.equal(msg.length, 56);
  assert.equal(
    toHex(msg.subarray(0, 40)),
    "38000000" + "1400" + "0506" + "07000000" + "00000000" + // header
      "02" + "18" + "00" + "00" + "05000000" + // ifaddrmsg: AF_INET, /24, index 5
      "0800" + "0200" + "0ad50032" + // IFA_LOCAL
      "0800" + "0100" + "0ad50032", // IFA_ADDRESS
  );
  assert.equal(toHex(msg.subarray(40, 44)), "0e000300"); // IFA_LABEL, length 14
  assert.equal(new TextDecoder().decode(msg.subarray(44, 53)), "eth0:carp");
});

Deno.test("parseAddress() and parseLink() read what the kernel sends", () => {
  const { fixed, attrs } = addressRequest(3, 0xc0a80101, 16, "lan");
  const [m] = splitMessages(encodeMessage(RTM_NEWADDR, 0, 1, fixed, attrs));
  assert.deepEqual(parseAddress(m!.payload), {
    family: 4,
    index: 3,
    address: 0xc0a80101,
    prefix: 16,
    label: "lan",
  });
  const info = ifinfomsg(9);
  new DataView(info.buffer).setUint32(8, IFF_UP | IFF_LOWER_UP, true);
  const mac = new Uint8Array([2, 0, 0, 0, 0, 1]);
  const name = new TextEncoder().encode("eth1\0");
  const [l] = splitMessages(
    encodeMessage(16, 0, 1, info, [{ type: 1, data: mac }, {
      type: 3,
      data: name,
    }]),
  );
  const link = parseLink(l!.payload)!;
  assert.equal(link.index, 9);
  assert.equal(link.name, "eth1");
  assert.deepEqual([...link.mac], [...mac]);
  assert.equal(link.usable, true);
});

Deno.test("address6Request() asks for an IPv6 address without DAD, and parseAddress() reads it back", () => {
  const vip = new Uint8Array(16);
  vip.set([0x20, 0x01, 0x0d, 0xb8], 0);
  vip[15] = 0x50;
  const { fixed, attrs } = address6Request(4, vip, 64, IFA_F_NODAD);
  const msg = encodeMessage(RTM_NEWADDR, 0, 1, fixed, attrs);
  // ifaddrmsg: AF_INET6 (10), /64, flags, scope universe, index 4
  assert.equal(toHex(msg.subarray(16, 24)), "0a40020004000000");
  const [m] = splitMessages(msg);
  const info = parseAddress(m!.payload);
  assert.equal(info?.family, 6);
  assert.ok(info?.family === 6);
  assert.deepEqual([...info.address], [...vip]);
  assert.equal(info.prefix, 64);
  assert.equal(info.index, 4);
  assert.equal(info.flags & IFA_F_NODAD, IFA_F_NODAD, "IFA_FLAGS read back");
});

Deno.test("errorCode() reads NLMSG_ERROR's negative errno", () => {
  const p = new Uint8Array(20);
  new DataView(p.buffer).setInt32(0, -17, true);
  assert.equal(errorCode(p), 17);
});

Deno.test("netlink parsers never throw on arbitrary bytes (property)", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      for (const m of splitMessages(bytes)) {
        parseLink(m.payload);
        parseAddress(m.payload);
      }
      parseLink(bytes);
      parseAddress(bytes);
    }),
    { numRuns: 20_000 },
  );
});

Deno.test("gratuitousArp() builds ucarp's request: who-has VIP (own MAC) tell VIP", () => {
  const arp = gratuitousArp(
    new Uint8Array([0x52, 0x54, 0, 0x12, 0x34, 0x56]),
    0x0ad50032,
  );
  assert.equal(
    toHex(arp),
    "0001080006040001" + "525400123456" + "0ad50032" + "525400123456" +
      "0ad50032",
  );
});
