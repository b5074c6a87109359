/**
 * A flood of bad packets from the client onto the whole LAN: a few of each
 * kind `test/integration/inject.ts garbage` makes (random bytes, truncated,
 * bad TTL, version, type, checksum and HMAC, a forged better priority under
 * the wrong password, other vhids), then 2 s of them at 5000 a second.
 * @module
 */

import { VIP1 } from "./configs.ts";
import type { Group } from "./group.ts";

const INJECT =
  new URL("../../test/integration/inject.ts", import.meta.url).pathname;

/** How long a flood lasts, s, and how dense it is. */
const FLOOD_SECONDS = 2;
const FLOOD_PPS = 5000;

/**
 * Sends a flood and waits for its end.
 *
 * @param group The lab.
 * @param password vhid 1's password, for the forged adverts.
 * @returns What was sent, by kind (inject.ts's JSON).
 * @throws {Error} When inject.ts fails, with what it said.
 */
export async function sendFlood(
  group: Group,
  password: string,
): Promise<string> {
  const options = {
    source: group.clientAddress,
    vhid: 1,
    password,
    vip: VIP1,
    floodSeconds: FLOOD_SECONDS,
    floodPps: FLOOD_PPS,
  };
  const r = await new Deno.Command("ip", {
    args: [
      ...["netns", "exec", group.clientNs, Deno.execPath(), "run", "-A"],
      ...["--cached-only", INJECT, "garbage", JSON.stringify(options)],
    ],
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(60_000),
  }).output();
  const text = new TextDecoder().decode(r.success ? r.stdout : r.stderr);
  if (!r.success) throw new Error(`inject.ts failed: ${text.trim()}`);
  return text.trim();
}
