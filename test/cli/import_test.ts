import assert from "node:assert/strict";
import { runImport } from "../../src/cli/import.ts";

const FIXTURES = new URL("../import/fixtures/", import.meta.url).pathname;

function run(args: string[]): { code: number; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  const code = runImport(args, (l) => out.push(l), (l) => err.push(l));
  return { code, out, err };
}

Deno.test("carpd import keepalived prints a carp.toml and the notes with file:line", () => {
  const r = run(["keepalived", `${FIXTURES}keepalived/squid.conf`]);
  assert.equal(r.code, 0, r.err.join("\n"));
  assert.match(r.out.join("\n"), /^protocol = "vrrp"$/m);
  assert.ok(r.err.length > 0);
  for (const line of r.err) assert.match(line, /squid\.conf:\d+: /);
  const carp = run([
    "keepalived",
    `${FIXTURES}keepalived/squid.conf`,
    "--protocol",
    "carp",
  ]);
  assert.equal(carp.code, 0);
  assert.doesNotMatch(carp.out.join("\n"), /protocol = "vrrp"/);
});

Deno.test("carpd import writes --output 0600 and refuses to overwrite without --force", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const out = `${dir}/carp.toml`;
    const args = [
      "ifupdown",
      `${FIXTURES}ifupdown/readme/interfaces`,
      "-o",
      out,
    ];
    assert.equal(run(args).code, 0);
    assert.equal(Deno.statSync(out).mode! & 0o777, 0o600);
    assert.match(Deno.readTextFileSync(out), /^id = 3$/m);
    const again = run(args);
    assert.equal(again.code, 73);
    assert.match(again.err.join("\n"), /exists; --force to overwrite it/);
    assert.equal(run([...args, "--force"]).code, 0);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("carpd import exit codes: 64 usage, 65 malformed (with the line), 66 unreadable", () => {
  assert.equal(run(["bsd"]).code, 64);
  assert.equal(run(["ifupdown", "--protocol", "carp"]).code, 64);
  const dir = Deno.makeTempDirSync();
  try {
    Deno.writeTextFileSync(
      `${dir}/ka.conf`,
      "vrrp_instance X {\n  state BACKUP\n",
    );
    const bad = run(["keepalived", `${dir}/ka.conf`]);
    assert.equal(bad.code, 65);
    assert.match(bad.err.join("\n"), /ka\.conf:\d+: /);
    assert.equal(run(["keepalived", `${dir}/missing.conf`]).code, 66);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
