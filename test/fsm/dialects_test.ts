import assert from "node:assert/strict";
import {
  DIALECT_PEERS_MAX,
  DIALECT_SWITCH_RUN,
  DialectMemory,
} from "../../src/fsm/dialects.ts";

Deno.test("DialectMemory keeps a peer's first dialect and drops a lone advert in another", () => {
  const m = new DialectMemory();
  assert.equal(m.admit("a", "pseudo"), true);
  assert.equal(m.admit("a", "plain"), false);
  assert.equal(m.admit("a", "pseudo"), true);
  assert.equal(m.admit("a", "plain"), false, "the run starts again");
  assert.equal(m.of("a"), "pseudo");
  assert.equal(m.admit("b", "plain"), true, "each peer has its own");
});

Deno.test("DialectMemory moves a reconfigured peer after a run of adverts", () => {
  const m = new DialectMemory();
  m.admit(7, "pseudo");
  for (let i = 1; i < DIALECT_SWITCH_RUN; i++) {
    assert.equal(m.admit(7, "plain"), false);
  }
  assert.equal(m.admit(7, "plain"), true);
  assert.equal(m.of(7), "plain");
  assert.equal(m.admit(7, "pseudo"), false);
});

Deno.test("DialectMemory is bounded", () => {
  const m = new DialectMemory();
  for (let i = 0; i <= DIALECT_PEERS_MAX; i++) m.admit(i, "pseudo");
  assert.equal(m.of(0), undefined);
  assert.equal(m.of(DIALECT_PEERS_MAX), "pseudo");
});
