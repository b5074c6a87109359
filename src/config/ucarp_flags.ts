/**
 * ucarp's command line, turned into the equivalent `carp.toml`, so existing
 * ucarp invocations and scripts keep working under `carpd ucarp`.
 *
 * Semantics kept from ucarp: the up/down scripts add and remove the address
 * (carpd does not, `manage_vips = false`), `-M` is broadcast mode, `-S`
 * ignores link state, `-n` skips the first down script, HUP stops the daemon.
 * Differences: `-z` is implied (a graceful stop always sends a bow-out advert
 * and runs the down script when MASTER), `-f` is accepted and ignored (logs go
 * to stderr or the journal), values out of range are refused instead of being
 * truncated to a byte.
 * @module
 */

import { parseArgs } from "node:util";
import { errorMessage } from "../errors.ts";

/** What `carpd ucarp` was asked to do. */
export interface UcarpInvocation {
  /** The equivalent config. */
  toml: string;
  /** `-B`: go to the background. */
  daemonize: boolean;
  /** `--print-config`: print the TOML and exit. */
  printConfig: boolean;
  /** `-p`: the password was given on the command line (kept out of `toml`). */
  password: string | null;
  /** `-f`: the syslog facility (used when detached with `-B`). */
  facility: string;
  /** Maps TOML key paths back to the flags, for error messages. */
  flagOf: Record<string, string>;
}

/** A command-line mistake. */
export class UsageError extends Error {
  /** `"UsageError"`. */
  override name = "UsageError";
}

const OPTIONS = {
  interface: { type: "string", short: "i" },
  srcip: { type: "string", short: "s" },
  mcast: { type: "string", short: "m" },
  mcastip: { type: "string" },
  vhid: { type: "string", short: "v" },
  pass: { type: "string", short: "p" },
  passfile: { type: "string", short: "o" },
  preempt: { type: "boolean", short: "P" },
  neutral: { type: "boolean", short: "n" },
  addr: { type: "string", short: "a" },
  advbase: { type: "string", short: "b" },
  advskew: { type: "string", short: "k" },
  upscript: { type: "string", short: "u" },
  downscript: { type: "string", short: "d" },
  deadratio: { type: "string", short: "r" },
  debug: { type: "boolean", short: "D" },
  shutdown: { type: "boolean", short: "z" },
  daemonize: { type: "boolean", short: "B" },
  ignoreifstate: { type: "boolean", short: "S" },
  nomcast: { type: "boolean", short: "M" },
  facility: { type: "string", short: "f" },
  xparam: { type: "string", short: "x" },
  "print-config": { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** A placeholder path for a password given with `-p`. */
export const PASSWORD_PLACEHOLDER_FILE = "/etc/carp/vhid.key";

/**
 * Translates ucarp flags.
 *
 * @param args The arguments after `carpd ucarp`.
 * @returns The invocation.
 * @throws {UsageError} For unknown flags or missing required ones.
 */
export function translateUcarpFlags(args: string[]): UcarpInvocation {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: OPTIONS,
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw new UsageError(errorMessage(e));
  }
  if (values.help) throw new UsageError("help");
  const missing = (["interface", "srcip", "vhid", "addr"] as const).filter((
    k,
  ) => values[k] === undefined);
  if (values.pass === undefined && values.passfile === undefined) {
    missing.push("pass" as never);
  }
  if (missing.length > 0) {
    throw new UsageError(
      `missing ${
        missing.map((m) => `--${m}`).join(", ")
      } (ucarp needs them too)`,
    );
  }
  for (const flag of ["addr", "srcip"] as const) {
    if (values[flag]!.includes(":")) {
      throw new UsageError(
        `--${flag} ${
          values[flag]
        }: ucarp speaks IPv4 only; for IPv6 VIPs write a carpd config (vips = ["2001:db8::1/64"])`,
      );
    }
  }
  const q = (s: string): string => JSON.stringify(s);
  const num = (v: string | undefined): string | undefined => {
    if (v === undefined) return undefined;
    // Numbers stay numbers so range errors name the value; junk stays a string
    // so the schema says what is allowed.
    return /^\d+$/.test(v) ? String(Number(v)) : q(v);
  };
  const secret = values.pass ?? "";
  const shown = args.map((a) =>
    secret === "" ? a : a.replaceAll(secret, "***")
  );
  const lines = [`# Equivalent of: ucarp ${shown.map(shellWord).join(" ")}`];
  lines.push(
    "",
    "[daemon]",
    `log_level = ${q(values.debug ? "debug" : "info")}`,
    // One ucarp runs per vhid: each its own control socket (and files).
    `control_socket = ${
      q(`/run/carp/ucarp-${values.interface}-${values.vhid}.sock`)
    }`,
    "",
    "[[vhid]]",
  );
  const flagOf: Record<string, string> = {};
  const put = (key: string, flag: string, value: string | undefined): void => {
    if (value === undefined) return;
    lines.push(`${key} = ${value}`);
    flagOf[`vhid[0].${key}`] = flag;
  };
  put("id", "--vhid", num(values.vhid));
  put("interface", "--interface", q(values.interface!));
  put("source", "--srcip", q(values.srcip!));
  put("vips", "--addr", `[${q(values.addr!)}]`);
  flagOf["vhid[0].vips[0]"] = "--addr";
  if (values.passfile !== undefined) {
    put("password_file", "--passfile", q(values.passfile));
  } else {
    lines.push(
      `password_file = ${
        q(PASSWORD_PLACEHOLDER_FILE)
      }  # put the --pass value there (not shown)`,
    );
  }
  put("advbase", "--advbase", num(values.advbase));
  put("advskew", "--advskew", num(values.advskew));
  put("deadratio", "--deadratio", num(values.deadratio));
  put("preempt", "--preempt", values.preempt ? "true" : undefined);
  put("neutral", "--neutral", values.neutral ? "true" : undefined);
  put("mode", "--nomcast", values.nomcast ? q("broadcast") : undefined);
  put(
    "group",
    "--mcast",
    values.mcast ?? values.mcastip
      ? q((values.mcast ?? values.mcastip)!)
      : undefined,
  );
  put(
    "up_script",
    "--upscript",
    values.upscript === undefined ? undefined : q(values.upscript),
  );
  put(
    "down_script",
    "--downscript",
    values.downscript === undefined ? undefined : q(values.downscript),
  );
  put(
    "xparam",
    "--xparam",
    values.xparam === undefined ? undefined : q(values.xparam),
  );
  put(
    "ignore_link_state",
    "--ignoreifstate",
    values.ignoreifstate ? "true" : undefined,
  );
  lines.push(
    "manage_vips = false  # as ucarp: the up/down scripts add and remove the address",
  );
  return {
    toml: lines.join("\n") + "\n",
    daemonize: values.daemonize ?? false,
    printConfig: values["print-config"] ?? false,
    password: values.pass ?? null,
    facility: values.facility ?? "daemon",
    flagOf,
  };
}

function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`;
}
