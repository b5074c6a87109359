import assert from "node:assert/strict";
import fc from "fast-check";
import { parseRequest } from "../../src/control/protocol.ts";

Deno.test("parseRequest() accepts the three commands", () => {
  assert.deepEqual(parseRequest('{"command":"status"}'), { command: "status" });
  assert.deepEqual(parseRequest('{"command":"standby","vhid":3}'), {
    command: "standby",
    vhid: 3,
  });
  assert.deepEqual(parseRequest('{"command":"resume"}'), { command: "resume" });
});

Deno.test("parseRequest() explains what it refuses", () => {
  assert.equal(parseRequest("nope"), "request is not JSON");
  assert.equal(parseRequest("3"), "request is not an object");
  assert.match(
    parseRequest('{"command":"reboot"}') as string,
    /unknown command "reboot"/,
  );
  assert.match(
    parseRequest('{"command":"standby","vhid":0}') as string,
    /vhid must be/,
  );
});

Deno.test("parseRequest() never throws (property)", () => {
  fc.assert(fc.property(fc.string(), (s) => void parseRequest(s)), {
    numRuns: 5000,
  });
  fc.assert(fc.property(fc.json(), (s) => void parseRequest(s)), {
    numRuns: 5000,
  });
});
