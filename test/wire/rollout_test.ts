// Roll-out windows: the key ring, and identities as text.
import assert from "node:assert/strict";
import type { Vip } from "../../src/config/mod.ts";
import { parseIpv4 } from "../../src/net/mod.ts";
import {
  type AdvertIdentity,
  identityChanges,
  identityText,
  parseIdentity,
} from "../../src/wire/identity.ts";
import {
  checkedUnder,
  MAX_EARLIER,
  parseRing,
  resumeRing,
  ringText,
  rollOver,
  sentUnder,
  singleKey,
  windowOpen,
} from "../../src/wire/rollout.ts";

const WINDOW = 600_000;

function vip(text: string): Vip {
  const [a, p] = text.split("/");
  return { family: 4, address: parseIpv4(a!)!, prefix: Number(p), text };
}

function id(password: string, ...vips: string[]): AdvertIdentity {
  return {
    key: new TextEncoder().encode(password),
    authPass: null,
    vips: vips.map(vip),
  };
}

const names = (xs: readonly AdvertIdentity[]): string[] =>
  xs.map((i) => identityChanges(id("", "0.0.0.0/32"), i).join(" "));

Deno.test("identityText() is the same whatever the order of the VIPs, and reads back", () => {
  const a = id("s3cret", "10.0.0.2/24", "10.0.0.1/24");
  const b = id("s3cret", "10.0.0.1/24", "10.0.0.2/24");
  assert.equal(identityText(a), identityText(b));
  assert.equal(identityText(parseIdentity(identityText(a))!), identityText(a));
  assert.notEqual(identityText(a), identityText(id("other", "10.0.0.1/24")));
  for (const bad of ["", "{}", '{"key":"zz","pass":null,"vips":[]}', "[1]"]) {
    assert.equal(parseIdentity(bad), null, bad);
  }
  assert.deepEqual(
    identityChanges(a, id("new", "10.0.0.1/24", "10.0.0.3/24")),
    ["password", "10.0.0.3/24 added", "10.0.0.2/24 dropped"],
  );
});

Deno.test("rollOver() keeps the identity in force before a change for the window, sends it first, and checks it second", () => {
  const a = id("a", "10.0.0.1/24");
  const b = id("b", "10.0.0.1/24");
  const ring = rollOver(singleKey(a), b, 1_000, WINDOW);
  assert.equal(windowOpen(ring, 1_000), true);
  assert.deepEqual(sentUnder(ring, 1_000), [a, b]);
  assert.deepEqual(checkedUnder(ring), [b, a]);
  // After the window: sent under the one in force alone, still checked
  // against the earlier one (to recognise it, not to accept it).
  assert.equal(windowOpen(ring, 1_000 + WINDOW), false);
  assert.deepEqual(sentUnder(ring, 1_000 + WINDOW), [b]);
  assert.deepEqual(checkedUnder(ring), [b, a]);
  // The same identity again changes nothing.
  assert.equal(rollOver(ring, b, 5_000, WINDOW).until, ring.until);
});

Deno.test("rollOver(): a change inside the window keeps every identity of the window (at most two earlier); after it, only the last; a window of 0 forgets them", () => {
  const a = id("a");
  const b = id("b");
  const c = id("c");
  const d = id("d");
  const ab = rollOver(singleKey(a), b, 0, WINDOW);
  const abc = rollOver(ab, c, 10_000, WINDOW);
  assert.deepEqual(names(abc.earlier), names([b, a]));
  assert.equal(abc.until, 10_000 + WINDOW);
  assert.deepEqual(sentUnder(abc, 10_000), [a, b, c]);
  const abcd = rollOver(abc, d, 20_000, WINDOW);
  assert.equal(abcd.earlier.length, MAX_EARLIER);
  assert.deepEqual(names(abcd.earlier), names([c, b]));
  // Back to an earlier one inside the window: it is not also "earlier".
  assert.deepEqual(
    names(rollOver(abc, b, 11_000, WINDOW).earlier),
    names([c, a]),
  );
  const late = rollOver(ab, c, 1 + WINDOW, WINDOW);
  assert.deepEqual(names(late.earlier), names([b]));
  const now = rollOver(ab, c, 5_000, 0);
  assert.deepEqual(now.earlier, []);
  assert.equal(windowOpen(now, 5_000), false);
});

Deno.test("a ring as text reads back, and a restart resumes it: the same identity keeps its window, another opens one", () => {
  const a = id("a", "10.0.0.1/24");
  const b = id("b", "10.0.0.1/24");
  const ring = rollOver(singleKey(a), b, 1_000, WINDOW);
  const back = parseRing(ringText(ring))!;
  assert.equal(ringText(back), ringText(ring));
  assert.equal(parseRing("nonsense"), null);
  const same = resumeRing(back, b, 2_000, WINDOW);
  assert.equal(same.until, 1_000 + WINDOW);
  assert.equal(identityText(same.earlier[0]!), identityText(a));
  const edited = resumeRing(singleKey(a), b, 2_000, WINDOW);
  assert.equal(edited.until, 2_000 + WINDOW);
  assert.equal(windowOpen(edited, 2_000), true);
  assert.equal(resumeRing(null, b, 2_000, WINDOW).until, null);
});
