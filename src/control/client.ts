/**
 * The client side of the control socket (`carpd status`, `standby`,
 * `resume`, `events`).
 * @module
 */

import type { ControlReply, ControlRequest } from "./protocol.ts";
import { errorMessage } from "../errors.ts";

/** Opens a connection to the daemon, naming what went wrong. */
async function connect(path: string): Promise<Deno.UnixConn> {
  try {
    return await Deno.connect({ transport: "unix", path });
  } catch (e) {
    const why = e instanceof Deno.errors.NotFound
      ? "no such socket (is carpd running?)"
      : e instanceof Deno.errors.ConnectionRefused
      ? "connection refused (is carpd running?)"
      : e instanceof Deno.errors.PermissionDenied
      ? "permission denied (run as root)"
      : String(e);
    throw new Error(`Cannot reach carpd at "${path}": ${why}`);
  }
}

/**
 * Reads the daemon's event stream (`carpd events`): each line as it comes,
 * until the daemon closes it (it stops, or this reader fell too far
 * behind) or `signal` aborts.
 *
 * @param path The socket.
 * @param line Called with each JSON line.
 * @param signal Ends the stream.
 * @throws {Error} When carpd is not listening.
 */
export async function streamEvents(
  path: string,
  line: (text: string) => void,
  signal?: AbortSignal,
): Promise<void> {
  const conn = await connect(path);
  const stop = (): void => {
    try {
      conn.close();
    } catch {
      // closed already
    }
  };
  signal?.addEventListener("abort", stop);
  try {
    await conn.write(
      new TextEncoder().encode(JSON.stringify({ command: "events" }) + "\n"),
    );
    let rest = "";
    const decoder = new TextDecoder();
    for await (const chunk of conn.readable) {
      const parts = (rest + decoder.decode(chunk, { stream: true })).split(
        "\n",
      );
      rest = parts.pop()!;
      for (const p of parts) line(p);
    }
  } catch (e) {
    if (signal?.aborted !== true) throw e;
  } finally {
    signal?.removeEventListener("abort", stop);
  }
}

/**
 * Sends one request and waits for the reply.
 *
 * @param path The socket.
 * @param request The request.
 * @param timeoutMs How long to wait.
 * @returns The reply.
 * @throws {Error} When carpd is not listening or does not answer.
 */
export async function request(
  path: string,
  request: ControlRequest,
  timeoutMs = 5000,
): Promise<ControlReply> {
  const conn = await connect(path);
  const timer = setTimeout(() => conn.close(), timeoutMs);
  try {
    await conn.write(new TextEncoder().encode(JSON.stringify(request) + "\n"));
    const text = await new Response(conn.readable).text();
    return JSON.parse(text) as ControlReply;
  } catch (e) {
    throw new Error(
      `No answer from carpd at "${path}": ${errorMessage(e)}`,
    );
  } finally {
    clearTimeout(timer);
  }
}
