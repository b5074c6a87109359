/**
 * The client side of the control socket (`carpd status`, `standby`,
 * `resume`).
 * @module
 */

import type { ControlReply, ControlRequest } from "./protocol.ts";
import { errorMessage } from "../errors.ts";

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
  let conn: Deno.UnixConn;
  try {
    conn = await Deno.connect({ transport: "unix", path });
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
