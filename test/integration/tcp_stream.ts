/**
 * A TCP stream for the firewall-pair test and bench, run inside a
 * namespace:
 * - `serve PORT`: echoes every connection back;
 * - `send ADDRESS PORT`: one connection; a counter line every 10 ms, and
 *   for each echo `echo N T` (T: epoch ms). On a reset or any error it
 *   prints `error ...` and exits 1; on SIGTERM `done` and exits 0.
 */

const encoder = new TextEncoder();

/** One line to stdout (the test reads them). */
function say(line: string): void {
  Deno.stdout.writeSync(encoder.encode(`${line}\n`));
}

async function serve(port: number): Promise<void> {
  const listener = Deno.listen({ hostname: "0.0.0.0", port });
  say(`listening ${port}`);
  for await (const conn of listener) {
    conn.setNoDelay(true);
    void conn.readable.pipeTo(conn.writable).catch(() => {});
  }
}

async function send(address: string, port: number): Promise<void> {
  const conn = await Deno.connect({ hostname: address, port });
  conn.setNoDelay(true);
  say(
    `connected ${conn.localAddr.transport === "tcp" ? conn.localAddr.port : 0}`,
  );
  let n = 0;
  let failed = false;
  const fail = (e: unknown): void => {
    if (failed) return;
    failed = true;
    say(`error ${e instanceof Error ? e.message : String(e)}`);
    Deno.exit(1);
  };
  const timer = setInterval(() => {
    conn.write(encoder.encode(`${++n}\n`)).catch(fail);
  }, 10);
  Deno.addSignalListener("SIGTERM", () => {
    clearInterval(timer);
    say("done");
    Deno.exit(0);
  });
  let rest = "";
  const decoder = new TextDecoder();
  try {
    for await (const chunk of conn.readable) {
      const parts = (rest + decoder.decode(chunk, { stream: true })).split(
        "\n",
      );
      rest = parts.pop()!;
      const t = Date.now();
      for (const p of parts) say(`echo ${p} ${t}`);
    }
    fail(new Error("connection closed by the peer"));
  } catch (e) {
    fail(e);
  }
}

const [mode, a, b] = Deno.args;
if (mode === "serve") await serve(Number(a));
else if (mode === "send") await send(a!, Number(b));
else {
  say("usage: tcp_stream.ts serve PORT | send ADDRESS PORT");
  Deno.exit(64);
}
