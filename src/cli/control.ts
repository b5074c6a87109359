/**
 * `carpd status`, `standby`, `resume` and `events`: talk to a running daemon
 * through its control socket.
 * @module
 */

import { parseArgs } from "node:util";
import {
  formatStatus,
  request,
  type Status,
  streamEvents,
} from "../control/mod.ts";
import { ConfigError } from "../config/mod.ts";
import { loadConfig } from "../config/load/mod.ts";
import { errorMessage } from "../errors.ts";

/** The control socket when neither `--socket` nor `-c` says otherwise. */
export const DEFAULT_SOCKET = "/run/carp/carp.sock";

/** Help for each command. */
export const CONTROL_HELP = {
  status: `Usage: carpd status [--json] [--group NAME] [-s SOCKET | -c FILE]
Shows each group's and each vhid's state (with --group, one group's), configured and effective advskew (VRRP: priority)
with the reason
for each demotion, the master as seen from here, time since the last
transition, and counters. --json for machines.`,
  standby: `Usage: carpd standby [--vhid N] [--group NAME] [-s SOCKET | -c FILE]
Planned handover: MASTER vhids (all, one id's, or one group's) bow out at once (VRRP: priority 0) and every
vhid stays at advskew 254 (VRRP: priority 1), kept across reloads, not
restarts, until carpd resume.`,
  resume: `Usage: carpd resume [--vhid N] [--group NAME] [-s SOCKET | -c FILE]
Ends standby; with preempt this box takes mastership back.`,
  events: `Usage: carpd events [-s SOCKET | -c FILE]
Prints the daemon's events, one JSON line each with its sequence number and
time: first the state of every vhid and group, then every transition with
its reason, demotions, hook runs and reloads, until interrupted. A reader
too slow for its buffer gets an "overflow" line and is closed (exit 75).`,
} as const;

/** Exit codes: 0 ok, 64 usage, 69 daemon unreachable (EX_UNAVAILABLE). */
const EXIT_USAGE = 64;
const EXIT_UNAVAILABLE = 69;

/**
 * Runs one control command.
 *
 * @param command Which.
 * @param args Its arguments.
 * @param print Writes to stdout.
 * @param printError Writes to stderr.
 * @returns The exit code.
 */
export async function runControl(
  command: keyof typeof CONTROL_HELP,
  args: string[],
  print: (line: string) => void,
  printError: (line: string) => void,
): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        socket: { type: "string", short: "s" },
        config: { type: "string", short: "c" },
        json: { type: "boolean" },
        vhid: { type: "string" },
        group: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (e) {
    printError(
      `carpd ${command}: ${errorMessage(e)}\n\n${CONTROL_HELP[command]}`,
    );
    return EXIT_USAGE;
  }
  if (values.help) {
    print(CONTROL_HELP[command]);
    return 0;
  }
  const vhid = values.vhid === undefined ? undefined : Number(values.vhid);
  if (
    vhid !== undefined && (!Number.isInteger(vhid) || vhid < 1 || vhid > 255)
  ) {
    printError(`carpd ${command}: --vhid must be an integer from 1 to 255`);
    return EXIT_USAGE;
  }
  let socket = values.socket ?? DEFAULT_SOCKET;
  if (values.socket === undefined && values.config !== undefined) {
    try {
      socket = loadConfig(values.config).controlSocket;
    } catch (e) {
      printError(e instanceof ConfigError ? e.message : String(e));
      return 78;
    }
  }
  if (command === "events") {
    return await followEvents(socket, print, printError);
  }
  try {
    const reply = await request(
      socket,
      command === "status" ? { command } : {
        command,
        ...(vhid === undefined ? {} : { vhid }),
        ...(values.group === undefined ? {} : { group: values.group }),
      },
    );
    if (!reply.ok) {
      printError(`carpd ${command}: ${reply.error}`);
      return 1;
    }
    if (command === "status") {
      if (values.group !== undefined) {
        const one = groupOnly(reply.result as Status, values.group);
        if (one === null) {
          printError(`carpd status: no group ${values.group}`);
          return 1;
        }
        reply.result = one;
      }
      if (values.json) print(JSON.stringify(reply.result, null, 2));
      else for (const line of formatStatus(reply.result as Status)) print(line);
    } else {
      const n = (reply.result as { vhids: number }).vhids;
      print(`${command}: ${n} vhid(s)`);
    }
    return 0;
  } catch (e) {
    printError(`carpd ${command}: ${errorMessage(e)}`);
    return EXIT_UNAVAILABLE;
  }
}

/** EX_TEMPFAIL: the stream was closed under a slow reader; read again. */
const EXIT_OVERFLOW = 75;

/** Prints the event stream until interrupted; the exit code. */
async function followEvents(
  socket: string,
  print: (line: string) => void,
  printError: (line: string) => void,
): Promise<number> {
  const abort = new AbortController();
  const interrupt = (): void => abort.abort();
  for (const s of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(s, interrupt);
  }
  let overflow = false;
  try {
    await streamEvents(socket, (line) => {
      if (line.includes('"type":"overflow"')) overflow = true;
      print(line);
    }, abort.signal);
    if (abort.signal.aborted) return 0;
    if (overflow) {
      printError("carpd events: too slow for the stream; closed by carpd");
      return EXIT_OVERFLOW;
    }
    return 0;
  } catch (e) {
    printError(`carpd events: ${errorMessage(e)}`);
    return EXIT_UNAVAILABLE;
  } finally {
    for (const s of ["SIGINT", "SIGTERM"] as const) {
      Deno.removeSignalListener(s, interrupt);
    }
  }
}

/** A status cut down to one group and its members, `null` without it. */
function groupOnly(s: Status, name: string): Status | null {
  const g = (s.groups ?? []).find((x) => x.name === name);
  if (g === undefined) return null;
  return {
    ...s,
    groups: [g],
    vhids: s.vhids.filter((v) =>
      g.members.includes(`${v.interface}/${v.vhid}`)
    ),
  };
}
