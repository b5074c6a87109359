/**
 * Deno 2.9 opens its debugger on 127.0.0.1:9229 when the process receives
 * SIGUSR1 (denoland/deno#35738), the signal ucarp uses to log state. A root
 * daemon must not let any local user attach a debugger, so carpd holds that
 * port itself: the debugger then fails to start ("Failed to start inspector
 * server") and SIGUSR1 only logs state. The socket never accepts.
 * @module
 */

/** Where Deno's SIGUSR1 debugger listens. */
const DEBUGGER_PORT = 9229;

/**
 * Takes the debugger's port, if it is free.
 *
 * @returns The listener to close at exit, or `null` when the port could not
 *   be taken (then something else holds it, and the debugger cannot start
 *   either).
 */
export function holdDebuggerPort(): Deno.Listener | null {
  try {
    return Deno.listen({ hostname: "127.0.0.1", port: DEBUGGER_PORT });
  } catch {
    return null;
  }
}
