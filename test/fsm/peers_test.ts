import assert from "node:assert/strict";
import { carpElection, PeerBook } from "../../src/fsm/mod.ts";

const election = carpElection({ advbase: 1, advskew: 0, deadratio: 3 });
const advert = (advskew: number) => ({
  advert: { protocol: "carp" as const, advbase: 1, advskew, counter: 1n },
  dialect: null,
  addresses: null,
});

Deno.test("PeerBook: the gap between a peer's adverts is measured while it is master, not across its bow-out", () => {
  const book = new PeerBook();
  assert.equal(book.heard(election, 7, "p", advert(0), [], 0).gapMs, null);
  assert.equal(book.heard(election, 7, "p", advert(0), [], 1000).gapMs, 1000);
  book.heard(election, 7, "p", advert(255), [], 1500); // it bows out
  assert.equal(
    book.heard(election, 7, "p", advert(0), [], 5000).gapMs,
    null,
    "its claim after a standby is no late advert",
  );
  assert.equal(book.heard(election, 7, "p", advert(0), [], 6010).gapMs, 1010);
});
