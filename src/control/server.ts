/**
 * The control socket: a unix stream socket, mode 0600, one request per
 * connection.
 * @module
 */

import type { Logger } from "../log.ts";
import type { EventReader } from "./events.ts";
import {
  type ControlReply,
  type ControlRequest,
  MAX_REQUEST_BYTES,
  parseRequest,
} from "./protocol.ts";

/** Answers a request. */
export type ControlHandler = (request: ControlRequest) => ControlReply;

/** Opens a reader of the event stream (`carpd events`). */
export type EventSource = () => EventReader;

/** Time a client has to send its request. */
const REQUEST_TIMEOUT_MS = 2000;

/** A listening control socket. */
export class ControlServer {
  /** Where it listens. */
  readonly path: string;
  readonly #listener: Deno.Listener;
  readonly #log: Logger;
  readonly #handler: ControlHandler;
  readonly #events: EventSource | null;
  readonly #streams = new Set<EventReader>();

  private constructor(
    path: string,
    listener: Deno.Listener,
    log: Logger,
    handler: ControlHandler,
    events: EventSource | null,
  ) {
    this.path = path;
    this.#listener = listener;
    this.#log = log;
    this.#handler = handler;
    this.#events = events;
  }

  /**
   * Listens at `path`, replacing a stale socket left by a crash.
   *
   * @param path The socket path.
   * @param log The logger.
   * @param handler Answers requests.
   * @param events Opens readers of the event stream, if the daemon has one.
   * @returns The server, already accepting.
   * @throws {Error} When another daemon is listening at `path`.
   */
  static async open(
    path: string,
    log: Logger,
    handler: ControlHandler,
    events: EventSource | null = null,
  ): Promise<ControlServer> {
    const dir = path.slice(0, path.lastIndexOf("/")) || "/";
    Deno.mkdirSync(dir, { recursive: true, mode: 0o755 });
    let stale = false;
    try {
      stale = Deno.lstatSync(path).isSocket === true;
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
    if (stale) {
      if (await answers(path)) {
        throw new Error("another carpd is listening there");
      }
      Deno.removeSync(path);
    }
    const listener = Deno.listen({ transport: "unix", path });
    Deno.chmodSync(path, 0o600);
    const server = new ControlServer(path, listener, log, handler, events);
    void server.#accept();
    return server;
  }

  /** Stops listening and removes the socket file; event readers end. */
  close(): void {
    for (const r of this.#streams) r.close();
    try {
      this.#listener.close();
    } catch {
      // already closed
    }
    try {
      Deno.removeSync(this.path);
    } catch {
      // gone
    }
  }

  async #accept(): Promise<void> {
    try {
      for await (const conn of this.#listener) void this.#serve(conn);
    } catch (e) {
      if (!(e instanceof Deno.errors.BadResource)) {
        this.#log.error(`control socket: ${e}`);
      }
    }
  }

  /** Writes a reader's lines until it or the client ends. */
  async #stream(conn: Deno.Conn, reader: EventReader): Promise<void> {
    this.#streams.add(reader);
    // The client sends nothing more: a read that ends means it went away.
    void conn.read(new Uint8Array(1)).then(
      () => reader.close(),
      () => reader.close(),
    );
    const encoder = new TextEncoder();
    try {
      for (let line = await reader.next(); line !== null;) {
        await writeAll(conn, encoder.encode(line + "\n"));
        line = await reader.next();
      }
    } catch {
      // the client went away
    } finally {
      reader.close();
      this.#streams.delete(reader);
    }
  }

  async #serve(conn: Deno.Conn): Promise<void> {
    const timer = setTimeout(() => conn.close(), REQUEST_TIMEOUT_MS);
    try {
      const line = await readLine(conn);
      const parsed = line === null
        ? "request too long or empty"
        : parseRequest(line);
      if (
        typeof parsed !== "string" && parsed.command === "events" &&
        this.#events !== null
      ) {
        clearTimeout(timer);
        return await this.#stream(conn, this.#events());
      }
      const reply: ControlReply = typeof parsed === "string"
        ? { ok: false, error: parsed }
        : this.#handler(parsed);
      await writeAll(
        conn,
        new TextEncoder().encode(JSON.stringify(reply) + "\n"),
      );
    } catch {
      // the client went away or was too slow
    } finally {
      clearTimeout(timer);
      try {
        conn.close();
      } catch {
        // closed by the timer
      }
    }
  }
}

/**
 * Whether a daemon answers on a unix socket now.
 *
 * @param path The socket's path.
 * @returns `true` when a connection is taken.
 */
export async function answers(path: string): Promise<boolean> {
  try {
    const c = await Deno.connect({ transport: "unix", path });
    c.close();
    return true;
  } catch {
    return false;
  }
}

async function readLine(conn: Deno.Conn): Promise<string | null> {
  const buf = new Uint8Array(MAX_REQUEST_BYTES);
  let len = 0;
  while (len < buf.length) {
    const n = await conn.read(buf.subarray(len));
    if (n === null) break;
    len += n;
    const nl = buf.subarray(0, len).indexOf(0x0a);
    if (nl !== -1) return new TextDecoder().decode(buf.subarray(0, nl));
  }
  return len === 0 || len >= buf.length
    ? null
    : new TextDecoder().decode(buf.subarray(0, len));
}

async function writeAll(conn: Deno.Conn, data: Uint8Array): Promise<void> {
  let off = 0;
  while (off < data.length) off += await conn.write(data.subarray(off));
}
