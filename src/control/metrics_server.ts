/**
 * A minimal HTTP/1.1 server for `GET /metrics`: one request per connection,
 * bounded in every way a scraper or an attacker could stretch it (request
 * head size, time per connection, connections at once), so it can never hold
 * up the protocol or grow without limit.
 * @module
 */

import type { Logger } from "../log.ts";
import { METRICS_CONTENT_TYPE } from "./metrics.ts";
import { errorMessage } from "../errors.ts";

/** The largest request head read; more is answered 431. */
export const MAX_REQUEST_HEAD_BYTES = 8192;
/** A connection is closed this long after it was accepted, done or not. */
export const CONNECTION_DEADLINE_MS = 5000;
/**
 * Connections served at once; a new one beyond this closes the oldest, so
 * idle connections cannot lock scrapers out.
 */
export const MAX_CONNECTIONS = 64;

/**
 * Connections accepted per second at most, after a burst of
 * {@linkcode ACCEPT_BURST}: beyond it the kernel's backlog holds (or
 * refuses) them, so a flood costs the daemon no work at all. Prometheus
 * scrapes a few times a second.
 */
export const ACCEPTS_PER_SECOND = 200;
/** Connections accepted at once before the pace applies. */
export const ACCEPT_BURST = 250;

/**
 * A rendered exposition is served again for this long: a scrape flood costs
 * the daemon at most a few renders a second, whatever its rate.
 */
export const RENDER_REUSE_MS = 250;

/** Where metrics are served. */
export interface MetricsAddress {
  /** An IPv4 or IPv6 address (without brackets). */
  hostname: string;
  /** TCP port. */
  port: number;
}

/** What the server needs. */
export interface MetricsServerOptions {
  /** Where to listen. */
  address: MetricsAddress;
  /** The exposition text, rendered per scrape. */
  render: () => string;
  /** For errors worth an admin's attention. */
  log: Logger;
}

const encoder = new TextEncoder();
const HEAD_END = encoder.encode("\r\n\r\n");

/**
 * `host:port` as written in the config, IPv6 in brackets.
 *
 * @param a The address.
 * @returns Such as `127.0.0.1:9650` or `[::1]:9650`.
 */
export function formatMetricsAddress(a: MetricsAddress): string {
  return a.hostname.includes(":")
    ? `[${a.hostname}]:${a.port}`
    : `${a.hostname}:${a.port}`;
}

/** The metrics endpoint, listening. */
export class MetricsServer {
  readonly #listener: Deno.TcpListener;
  readonly #o: MetricsServerOptions;
  readonly #open = new Set<Deno.Conn>();
  #closed = false;
  #tokens = ACCEPT_BURST;
  #tokensAt = performance.now();
  /** The last 200 response, whole, and when it was rendered. */
  #rendered: { at: number; get: Uint8Array; head: Uint8Array } | null = null;
  /** Connections closed early because too many were open. */
  evicted = 0;
  /** Requests answered. */
  served = 0;

  private constructor(listener: Deno.TcpListener, o: MetricsServerOptions) {
    this.#listener = listener;
    this.#o = o;
    this.#acceptLoop();
  }

  /**
   * Starts listening.
   *
   * @param o Address, renderer, logger.
   * @returns The server.
   * @throws {Error} Naming the address and the reason when it cannot listen.
   */
  static listen(o: MetricsServerOptions): MetricsServer {
    try {
      const listener = Deno.listen({
        hostname: o.address.hostname,
        port: o.address.port,
        transport: "tcp",
      });
      return new MetricsServer(listener, o);
    } catch (e) {
      throw new Error(
        `cannot serve metrics on ${formatMetricsAddress(o.address)}: ${
          errorMessage(e)
        }`,
      );
    }
  }

  /** The address actually bound (the port when 0 was asked for). */
  get address(): MetricsAddress {
    const a = this.#listener.addr;
    return { hostname: a.hostname, port: a.port };
  }

  /** Connections open now. */
  get open(): number {
    return this.#open.size;
  }

  /** Stops listening and drops every connection. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#listener.close();
    } catch {
      // already closed
    }
    for (const c of this.#open) closeQuietly(c);
    this.#open.clear();
  }

  /** Waits until one more connection may be accepted (a token bucket). */
  async #pace(): Promise<void> {
    const now = performance.now();
    this.#tokens = Math.min(
      ACCEPT_BURST,
      this.#tokens + (now - this.#tokensAt) * ACCEPTS_PER_SECOND / 1000,
    );
    this.#tokensAt = now;
    if (this.#tokens < 1) {
      const waitMs = (1 - this.#tokens) * 1000 / ACCEPTS_PER_SECOND;
      await new Promise((r) => setTimeout(r, waitMs));
      this.#tokens = 1;
      this.#tokensAt = performance.now();
    }
    this.#tokens -= 1;
  }

  async #acceptLoop(): Promise<void> {
    while (!this.#closed) {
      await this.#pace();
      let conn: Deno.Conn;
      try {
        conn = await this.#listener.accept();
      } catch (e) {
        if (this.#closed) return;
        // EMFILE and the like: wait a little rather than spin.
        this.#o.log.warning(
          `metrics: accept: ${errorMessage(e)}`,
        );
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      if (this.#open.size >= MAX_CONNECTIONS) {
        // A Set iterates in insertion order: the first is the oldest.
        const oldest = this.#open.values().next().value!;
        this.#open.delete(oldest);
        closeQuietly(oldest);
        this.evicted++;
      }
      this.#open.add(conn);
      this.#serve(conn).finally(() => {
        this.#open.delete(conn);
        closeQuietly(conn);
      });
    }
  }

  async #serve(conn: Deno.Conn): Promise<void> {
    const deadline = setTimeout(
      () => closeQuietly(conn),
      CONNECTION_DEADLINE_MS,
    );
    try {
      const head = await readHead(conn);
      const reply = head === null
        ? response(431, "request head too large\n")
        : this.#answer(head);
      if (reply === null) return; // the client went away
      await writeAll(conn, reply);
      this.served++;
    } catch {
      // The deadline closed it, or the client reset it: nothing to answer.
    } finally {
      clearTimeout(deadline);
    }
  }

  #answer(head: string): Uint8Array | null {
    const line = head.slice(0, head.indexOf("\r\n"));
    const m = /^([A-Z]+) (\S+) HTTP\/1\.[01]$/.exec(line);
    if (m === null) return response(400, "bad request\n");
    const [, method, target] = m;
    const path = target!.split("?")[0];
    if (path !== "/metrics") return response(404, "not found; try /metrics\n");
    if (method !== "GET" && method !== "HEAD") {
      return response(405, "only GET\n", { Allow: "GET, HEAD" });
    }
    const now = performance.now();
    if (this.#rendered === null || now - this.#rendered.at > RENDER_REUSE_MS) {
      const body = this.#o.render();
      const headers = { "Content-Type": METRICS_CONTENT_TYPE };
      this.#rendered = {
        at: now,
        get: response(200, body, headers),
        head: response(200, body, headers, true),
      };
    }
    return method === "HEAD" ? this.#rendered.head : this.#rendered.get;
  }
}

/**
 * Reads up to the end of the request head.
 *
 * @returns The head, `null` when it is too large; throws when the
 *   connection ends first.
 */
async function readHead(conn: Deno.Conn): Promise<string | null> {
  // A scrape's head is a few hundred bytes: start small, grow to the limit.
  let buf = new Uint8Array(1024);
  let used = 0;
  while (used < MAX_REQUEST_HEAD_BYTES) {
    if (used === buf.length) {
      const bigger = new Uint8Array(buf.length * 2);
      bigger.set(buf);
      buf = bigger;
    }
    const n = await conn.read(buf.subarray(used));
    if (n === null) throw new Error("connection closed");
    const from = Math.max(0, used - HEAD_END.length);
    used += n;
    const end = indexOf(buf.subarray(from, used), HEAD_END);
    if (end !== -1) {
      return new TextDecoder().decode(buf.subarray(0, from + end));
    }
  }
  return null;
}

function indexOf(hay: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) {
      if (hay[i + j] !== needle[j]) continue outer;
    }
    return i;
  }
  return -1;
}

const REASONS: Record<number, string> = {
  200: "OK",
  400: "Bad Request",
  404: "Not Found",
  405: "Method Not Allowed",
  431: "Request Header Fields Too Large",
};

function response(
  status: number,
  body: string,
  headers: Record<string, string> = {},
  headOnly = false,
): Uint8Array {
  const bytes = encoder.encode(body);
  const lines = [
    `HTTP/1.1 ${status} ${REASONS[status]}`,
    ...Object.entries({
      "Content-Type": "text/plain; charset=utf-8",
      ...headers,
      "Content-Length": String(bytes.length),
      "Connection": "close",
    }).map(([k, v]) => `${k}: ${v}`),
    "",
    "",
  ];
  const head = encoder.encode(lines.join("\r\n"));
  if (headOnly) return head;
  const out = new Uint8Array(head.length + bytes.length);
  out.set(head);
  out.set(bytes, head.length);
  return out;
}

async function writeAll(conn: Deno.Conn, data: Uint8Array): Promise<void> {
  let off = 0;
  while (off < data.length) off += await conn.write(data.subarray(off));
}

function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // already closed
  }
}
