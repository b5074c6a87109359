/**
 * Run inside the lab's client namespace against carpd's metrics endpoint:
 * wrong paths and methods, a 1 MB request head, 200 idle connections, then
 * a scrape flood. Prints one JSON line with what it saw.
 *
 *   deno run -A --no-config metrics_abuse.ts HOST PORT FLOOD_SECONDS
 */

const [host = "10.213.0.11", portText = "9650", secondsText = "10"] = Deno.args;
const port = Number(portText);
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Sends raw bytes, returns the status line (or why there was none). */
async function raw(request: Uint8Array, timeoutMs = 3000): Promise<string> {
  const conn = await Deno.connect({ hostname: host, port });
  const timer = setTimeout(() => conn.close(), timeoutMs);
  try {
    try {
      let off = 0;
      while (off < request.length) {
        off += await conn.write(request.subarray(off));
      }
    } catch {
      // The server may close while we are still sending (431).
    }
    const buf = new Uint8Array(65536);
    let text = "";
    for (let i = 0; i < 1000; i++) {
      const n = await conn.read(buf).catch(() => null);
      if (n === null) break;
      text += decoder.decode(buf.subarray(0, n));
    }
    return text.split("\r\n")[0] || "(closed without an answer)";
  } finally {
    clearTimeout(timer);
    try {
      conn.close();
    } catch {
      // closed by the timer
    }
  }
}

function request(line: string, extra = ""): Uint8Array {
  return encoder.encode(`${line}\r\nHost: ${host}\r\n${extra}\r\n`);
}

const result: Record<string, unknown> = {};
result.wrongPath = await raw(request("GET /nope HTTP/1.1"));
result.wrongMethod = await raw(request("POST /metrics HTTP/1.1"));
result.head = await raw(request("HEAD /metrics HTTP/1.1"));
result.garbage = await raw(encoder.encode("\x00\x01hello\r\n\r\n"));
result.hugeHead = await raw(
  request("GET /metrics HTTP/1.1", `X-Big: ${"a".repeat(1 << 20)}\r\n`),
);

// A slow client: half a request head, then nothing. The server must close.
{
  const conn = await Deno.connect({ hostname: host, port });
  await conn.write(encoder.encode("GET /metrics HTTP/1.1\r\n"));
  const t0 = performance.now();
  const n = await conn.read(new Uint8Array(16)).catch(() => null);
  result.slowClosedAfterMs = n === null
    ? Math.round(performance.now() - t0)
    : -1;
  conn.close();
}

// 200 connections that never send a byte; a scrape must still get through.
const idle: Deno.Conn[] = [];
for (let i = 0; i < 200; i++) {
  try {
    idle.push(await Deno.connect({ hostname: host, port }));
  } catch {
    break;
  }
}
result.idleOpened = idle.length;
result.scrapeWithIdle = await raw(request("GET /metrics HTTP/1.1"));
for (const c of idle) {
  try {
    c.close();
  } catch {
    // closed by the server
  }
}

// The flood: four scrapers back to back.
const until = performance.now() + Number(secondsText) * 1000;
let ok = 0;
let failed = 0;
await Promise.all(
  Array.from({ length: 4 }, async () => {
    for (let i = 0; i < 1_000_000 && performance.now() < until; i++) {
      const line = await raw(request("GET /metrics HTTP/1.1")).catch((e) =>
        String(e)
      );
      if (line.startsWith("HTTP/1.1 200")) ok++;
      else failed++;
    }
  }),
);
result.floodOk = ok;
result.floodFailed = failed;
// deno-lint-ignore no-console
console.log(JSON.stringify(result));
