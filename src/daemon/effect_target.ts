/**
 * What the executor of effects records and acts for, in words and data: a
 * vhid as it acts for it (always current), a transition's reason in words,
 * the history's records, and how a hook ended as the event stream says it.
 * @module
 */

import type { VhidConfig } from "../config/mod.ts";
import type { HookResult } from "../hooks/mod.ts";
import { formatPeer, type PeerAddress } from "../net/mod.ts";
import type { VhidCounters } from "./counters.ts";
import type { Link } from "./links.ts";

/** One state change as the history keeps it. */
export interface TransitionRecord {
  /** ISO 8601 UTC. */
  at: string;
  from: string;
  to: string;
  reason: string;
}

/** State changes kept per vhid. */
export const HISTORY_LENGTH = 16;

/** A vhid as the executor acts for it. */
export interface EffectTarget {
  /** `interface/id`: its history and hook lane. */
  readonly key: string;
  /** `vhid 3`, for messages. */
  readonly name: string;
  /** Its settings now. */
  readonly config: VhidConfig;
  /** Its interface now, `null` while missing. */
  readonly link: Link | null;
  /** Its counters. */
  readonly counters: VhidCounters;
  /** Stopping with `release_vips_on_exit = false`: the VIPs stay. */
  readonly keepVips: boolean;
}

/**
 * A transition's reason in words, for the history and the log: the
 * preferred master's address, the demotions behind a hand-over, the
 * detail of a fault.
 *
 * @param a The transition.
 * @param heardMaster The master the vhid heard last, if any.
 * @param demotedBy The reasons of the health demotions in force.
 * @returns The words.
 */
export function transitionWhy(
  a: { reason: string; detail?: string },
  heardMaster: PeerAddress | null,
  demotedBy: readonly string[],
): string {
  if (a.detail !== undefined) {
    return a.detail.startsWith(a.reason)
      ? a.detail
      : `${a.reason}: ${a.detail}`;
  }
  const by = a.reason === "preferred master" && heardMaster !== null
    ? ` ${formatPeer(heardMaster)}`
    : "";
  const demoted = a.reason === "demoted" && demotedBy.length > 0
    ? ` by ${demotedBy.join(", ")}`
    : "";
  return `${a.reason}${by}${demoted}`;
}

/**
 * A vhid as the executor of effects acts for it, always current: its
 * settings, interface and `keepVips` are read when an effect runs.
 *
 * @param key Its key.
 * @param name Its name for messages.
 * @param counters Its counters.
 * @param now What is current about it.
 * @returns The target.
 */
export function effectTarget(
  key: string,
  name: string,
  counters: VhidCounters,
  now: () => Pick<EffectTarget, "config" | "link" | "keepVips">,
): EffectTarget {
  return {
    key,
    name,
    counters,
    get config(): VhidConfig {
      return now().config;
    },
    get link(): Link | null {
      return now().link;
    },
    get keepVips(): boolean {
      return now().keepVips;
    },
  };
}

/**
 * How a hook ended, as the event stream says it.
 *
 * @param r Its result.
 * @returns `argv`, `result` (`ok`, `failed`, `timeout` or `error`), `code`.
 */
export function hookOutcome(r: HookResult): Record<string, unknown> {
  return {
    argv: r.argv,
    result: r.error !== null
      ? "error"
      : r.timedOut
      ? "timeout"
      : r.code === 0
      ? "ok"
      : "failed",
    code: r.code,
    ...(r.signal === null ? {} : { signal: r.signal }),
    ...(r.error === null ? {} : { error: r.error }),
  };
}
