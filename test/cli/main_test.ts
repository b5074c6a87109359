import assert from "node:assert/strict";

const CARPD = new URL("../../scripts/carpd", import.meta.url).pathname;

async function carpd(
  ...args: string[]
): Promise<{ code: number; out: string }> {
  const r = await new Deno.Command(CARPD, {
    args,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: r.code, out: dec.decode(r.stdout) + dec.decode(r.stderr) };
}

Deno.test("carpd check exits 78 and lists every problem by key path", async () => {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/carp.toml`;
  await Deno.writeTextFile(
    file,
    '[[vhid]]\nid = 0\ninterface = "eth1"\nvips = ["1.2.3.4"]\npassword = "x"\nadvskew = -1\n',
  );
  const r = await carpd("check", "-c", file);
  assert.equal(r.code, 78, r.out);
  assert.match(r.out, /vhid\[0\]\.id: 0 is not allowed/);
  assert.match(r.out, /vhid\[0\]\.advskew: -1 is not allowed/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("carpd check exits 0 on a good file, 78 on a missing one", async () => {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/carp.toml`;
  await Deno.writeTextFile(
    file,
    '[[vhid]]\nid = 9\ninterface = "eth1"\nvips = ["1.2.3.4/24"]\npassword = "x"\n',
  );
  assert.equal((await carpd("check", "-c", file)).code, 0);
  assert.equal((await carpd("check", "-c", `${dir}/none.toml`)).code, 78);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("carpd rejects unknown commands and options with exit 64", async () => {
  assert.equal((await carpd("frobnicate")).code, 64);
  assert.equal((await carpd("check", "--bogus")).code, 64);
  const v = await carpd("--version");
  assert.equal(v.code, 0);
  assert.match(v.out, /^carpd \d+\.\d+\.\d+/);
});

Deno.test("carpd check warns when the config or a password file is readable by others", async () => {
  const dir = await Deno.makeTempDir();
  const key = `${dir}/vhid.key`;
  await Deno.writeTextFile(key, "Pw-7f3k9\n", { mode: 0o644 });
  await Deno.chmod(key, 0o644);
  const file = `${dir}/carp.toml`;
  await Deno.writeTextFile(
    file,
    `[[vhid]]\nid = 9\ninterface = "eth1"\nvips = ["1.2.3.4/24"]\npassword_file = "${key}"\n`,
  );
  await Deno.chmod(file, 0o600);
  const r = await carpd("check", "-c", file);
  assert.equal(r.code, 0, r.out);
  assert.match(
    r.out,
    new RegExp(`warning: "${key}" is readable by other users \\(mode 0644\\)`),
  );
  assert.doesNotMatch(r.out, /carp\.toml" is readable/);
  assert.doesNotMatch(r.out, /Pw-7f3k9/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("carpd ucarp refuses a facility named like an object's member (constructor, toString) with exit 64", async () => {
  for (const facility of ["constructor", "toString", "local7x"]) {
    const r = await carpd(
      "ucarp",
      ...["-i", "lo", "-s", "127.0.0.1", "-v", "1", "-p", "x"],
      ...["-a", "127.0.0.2", "-f", facility, "--print-config"],
    );
    assert.equal(r.code, 64, r.out);
    assert.match(
      r.out,
      new RegExp(`--facility ${facility}: expected one of kern, `),
    );
  }
});
