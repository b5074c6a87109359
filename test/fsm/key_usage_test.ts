import assert from "node:assert/strict";
import { COPY_WITHIN_MS, KeyUsage } from "../../src/fsm/key_usage.ts";

const W = COPY_WITHIN_MS;

Deno.test("KeyUsage: the second copy of an advert sent under two keys is a copy, in either order; the next advert is fresh", () => {
  const k = new KeyUsage();
  assert.equal(k.heard(1, 1, 7n, 0, true, W), "fresh");
  assert.equal(k.heard(1, 0, 7n, 0.3, true, W), "copy");
  assert.equal(k.heard(1, 1, 8n, 1000, true, W), "fresh");
  assert.equal(k.heard(1, 0, 8n, 1000.2, true, W), "copy");
  // The same key twice is not a copy (a replay, for replay protection).
  assert.equal(k.heard(1, 0, 9n, 2000, true, W), "fresh");
  assert.equal(k.heard(1, 0, 9n, 2000.1, true, W), "fresh");
  // Another counter is another advert, however close.
  assert.equal(k.heard(1, 1, 10n, 2000.2, true, W), "fresh");
  // VRRP has no counter: copies by time alone.
  const v = new KeyUsage();
  assert.equal(v.heard(2, 1, null, 0, true, W), "fresh");
  assert.equal(v.heard(2, 0, null, 1, true, W), "copy");
  assert.equal(v.heard(2, 1, null, 1 + W + 1, true, W), "fresh");
});

Deno.test("KeyUsage: an earlier key after the window is old_key, unless it is the copy of an advert under the key in force", () => {
  const k = new KeyUsage();
  assert.equal(k.heard(1, 0, 7n, 0, false, W), "fresh");
  assert.equal(k.heard(1, 1, 7n, 0.2, false, W), "copy");
  assert.equal(k.heard(1, 1, 8n, 1000, false, W), "old_key");
  assert.deepEqual(k.onlyEarlier(500), [1]);
  assert.equal(k.heardCurrentSince(1, 500), false);
  assert.equal(k.heardCurrentSince(1, 0), true);
});

Deno.test("KeyUsage.otherKeyCopy(): a failed authentication right after an advert taken from the sender, with its counter, is a copy under another key", () => {
  const k = new KeyUsage();
  assert.equal(k.otherKeyCopy(1, 7n, 0, W), false, "nothing taken yet");
  k.heard(1, 0, 7n, 0, false, W);
  assert.equal(k.otherKeyCopy(1, 7n, 0.4, W), true);
  assert.equal(k.otherKeyCopy(1, 8n, 0.4, W), false, "another counter");
  assert.equal(k.otherKeyCopy(2, 7n, 0.4, W), false, "another sender");
  assert.equal(k.otherKeyCopy(1, 7n, W + 1, W), false, "too late");
  assert.deepEqual(k.onlyEarlier(0), []);
});
