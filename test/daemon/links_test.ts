import assert from "node:assert/strict";
import type { AddressInfo, LinkInfo } from "../../ffi/netlink.ts";
import { type LinkChange, Links } from "../../src/daemon/links.ts";

function linkInfo(index: number, name: string, usable = true): LinkInfo {
  return {
    index,
    name,
    flags: 0,
    mac: new Uint8Array([2, 0, 0, 0, 0, index]),
    usable,
  };
}

function addr(index: number, address: number): AddressInfo {
  return { family: 4, index, address, prefix: 24, label: "" };
}

function source(links: LinkInfo[], addresses: AddressInfo[]): {
  links(): Promise<LinkInfo[]>;
  addresses(): Promise<AddressInfo[]>;
} {
  return {
    links: () => Promise.resolve(links),
    addresses: () => Promise.resolve(addresses),
  };
}

function text(c: LinkChange): string {
  return c.type === "link"
    ? `link ${c.name}`
    : `${c.removed ? "-" : "+"}${c.address} ${c.name}`;
}

Deno.test("Links loads links with their addresses and finds them by name", async () => {
  const l = await Links.load(
    source([linkInfo(2, "eth0"), linkInfo(3, "eth1")], [
      addr(2, 10),
      addr(2, 11),
    ]),
  );
  assert.deepEqual(l.byName("eth0")?.addresses.map((a) => a.address), [10, 11]);
  assert.equal(l.byName("eth1")?.index, 3);
  assert.equal(l.byName("eth9"), null);
});

Deno.test("Links.apply() follows links that come, go, change and are re-created", async () => {
  const l = await Links.load(source([linkInfo(2, "eth0")], [addr(2, 10)]));
  const seen: string[] = [];
  l.onChange((c) => seen.push(text(c)));
  l.apply([{ kind: "link", removed: false, link: linkInfo(2, "eth0") }]);
  assert.deepEqual(seen, [], "an event that changes nothing is not news");
  l.apply([{ kind: "link", removed: false, link: linkInfo(2, "eth0", false) }]);
  assert.deepEqual(seen, ["link eth0"]);
  assert.equal(l.byName("eth0")?.usable, false);
  l.apply([
    { kind: "address", removed: true, address: addr(2, 10) },
    { kind: "link", removed: true, link: linkInfo(2, "eth0") },
    { kind: "link", removed: false, link: linkInfo(7, "eth0") },
    { kind: "address", removed: false, address: addr(7, 12) },
  ]);
  assert.deepEqual(seen.slice(1), [
    "-10 eth0",
    "link eth0",
    "link eth0",
    "+12 eth0",
  ]);
  assert.equal(l.byName("eth0")?.index, 7);
  assert.deepEqual(l.byName("eth0")?.addresses.map((a) => a.address), [12]);
});

Deno.test("Links.apply() reports a rename as the old name going and the new one coming", async () => {
  const l = await Links.load(source([linkInfo(4, "eth4")], []));
  const seen: string[] = [];
  l.onChange((c) => seen.push(text(c)));
  l.apply([{ kind: "link", removed: false, link: linkInfo(4, "lan0") }]);
  assert.deepEqual(seen, ["link eth4", "link lan0"]);
  assert.equal(l.byName("eth4"), null);
});

Deno.test("Links: an overflow asks for a resync, which reports every difference", async () => {
  const l = await Links.load(
    source([linkInfo(2, "eth0"), linkInfo(3, "eth1")], [addr(2, 10)]),
  );
  const seen: string[] = [];
  l.onChange((c) => seen.push(text(c)));
  assert.equal(l.apply([{ kind: "overflow" }]), true);
  await l.resync(
    source([linkInfo(5, "eth0"), linkInfo(3, "eth1", false)], [addr(5, 11)]),
  );
  assert.deepEqual(
    seen.sort(),
    ["+11 eth0", "-10 eth0", "link eth0", "link eth1"].sort(),
  );
  assert.equal(l.byName("eth0")?.index, 5);
});
