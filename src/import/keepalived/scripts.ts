/**
 * vrrp_script blocks into carpd's model (the command, its timing, its
 * weight), and script or notify lines into argv.
 * @module
 */

import { tomlString } from "../mod.ts";
import {
  arg,
  blockOf,
  errorAt,
  extraWords,
  intArg,
  nameArg,
  noBlock,
  noteAt,
  secondsArg,
} from "./arguments.ts";
import { splitCommand } from "./command_line.ts";
import {
  CHECK_INTERVAL,
  CHECK_TIMEOUT,
  clamp,
  KA_SCRIPT_INTERVAL,
} from "./limits.ts";
import type { Conversion, Script } from "./model.ts";
import type { KaNode, OrderedNote } from "./parser.ts";

/**
 * Reads a vrrp_script block into the conversion's scripts.
 *
 * @param c The conversion.
 * @param n The vrrp_script statement.
 * @throws {ImportError} No name, no block, a bad value.
 */
export function convertScript(c: Conversion, n: KaNode): void {
  const name = nameArg(c.notes, n);
  const s: Script = {
    name,
    node: n,
    command: null,
    interval: KA_SCRIPT_INTERVAL,
    timeout: null,
    fall: null,
    rise: null,
    weight: 0,
    reverse: false,
    used: false,
  };
  let seen = false;
  for (const st of blockOf(n)) {
    const kw = st.words[0]!;
    noBlock(st);
    switch (kw) {
      case "script": {
        seen = true;
        s.command = commandArgv(c.notes, st, `vrrp_script ${name}`, false);
        break;
      }
      case "interval":
        s.interval = secondsArg(st, 1, 0, 86400 * 365, true);
        noteRange(c.notes, st, name, s.interval, CHECK_INTERVAL);
        break;
      case "timeout":
        s.timeout = secondsArg(st, 1, 0, 86400 * 365, true);
        noteRange(c.notes, st, name, s.timeout, CHECK_TIMEOUT);
        break;
      case "fall":
        s.fall = intArg(st, 1, 1, 1000000);
        noteRange(c.notes, st, name, s.fall, [1, 100]);
        break;
      case "rise":
        s.rise = intArg(st, 1, 1, 1000000);
        noteRange(c.notes, st, name, s.rise, [1, 100]);
        break;
      case "weight":
        s.weight = intArg(st, 1, -253, 253);
        s.reverse = st.words[2] === "reverse";
        extraWords(c.notes, st, s.reverse ? 3 : 2);
        break;
      case "user":
        noteAt(
          c.notes,
          st,
          `${
            st.words.join(" ")
          } (vrrp_script ${name}): not carried over: the [[check]] runs as root; add user = ${
            tomlString(st.words[1] ?? "")
          } to it once that user exists on the box (carpd check looks it up)`,
        );
        break;
      case "init_fail":
        noteAt(
          c.notes,
          st,
          `init_fail (vrrp_script ${name}): not carried over: carpd's check starts unknown and counts rise or fall from its first runs`,
        );
        break;
      default:
        noteAt(
          c.notes,
          st,
          `${
            st.words.join(" ")
          } (vrrp_script ${name}): not a vrrp_script keyword this importer knows; not carried over`,
        );
    }
  }
  if (s.command === null) {
    noteAt(
      c.notes,
      n,
      `vrrp_script ${name}: ${
        seen ? "its script is empty" : "no script"
      }, so keepalived drops it and every track_script naming it; not carried over`,
    );
  }
  c.scripts.set(name, s);
}

/** Notes a vrrp_script value carp.toml cannot take as it is. */
function noteRange(
  notes: OrderedNote[],
  st: KaNode,
  name: string,
  x: number,
  [min, max]: readonly [number, number],
): void {
  if (x >= min && x <= max) return;
  const key = st.words[0]!;
  noteAt(
    notes,
    st,
    `${key} ${st.words[1]} (vrrp_script ${name}): ${key} = ${
      clamp(x, min, max)
    }, the nearest carp.toml takes (${min} to ${max})`,
  );
}

/**
 * The argv of a script or notify line. A command starting with `<` (a shell
 * redirection) is handed to `/bin/sh -c`, as keepalived does.
 *
 * @param notes Where notes go.
 * @param st The statement (`script "..."`, `notify_master "..."`).
 * @param where The block it is in, for notes.
 * @param userArgs Whether words after the command are a user and group
 *   (notify lines) rather than ignored (script lines).
 * @returns The argv, or `null` when the command is empty.
 * @throws {ImportError} No command, or an unclosed quote in it.
 */
export function commandArgv(
  notes: OrderedNote[],
  st: KaNode,
  where: string,
  userArgs: boolean,
): string[] | null {
  const text = arg(st, 1);
  const argv = splitCommand(text);
  if (argv === null) {
    throw errorAt(
      st,
      `${st.words[0]}: a quote in "${text}" is not closed`,
    );
  }
  if (!userArgs) {
    extraWords(
      notes,
      st,
      2,
      "keepalived ignores them; quote the command to pass arguments",
    );
  }
  if (argv.length === 0) return null;
  if (argv[0]!.startsWith("<")) {
    noteAt(
      notes,
      st,
      `${
        st.words[0]
      } (${where}): a shell redirection; carried over as ["/bin/sh", "-c", ${
        tomlString(text)
      }] (keepalived hands it to a shell too)`,
    );
    return ["/bin/sh", "-c", text];
  }
  return argv;
}
