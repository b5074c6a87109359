/**
 * `[[group]]` tables to {@linkcode GroupConfig}s: members named without
 * ambiguity (an id, or `interface/id` where one id is on several
 * interfaces), each vhid in one group at most, conntrackd on one group at
 * most (a box has one connection table), and members that agree on
 * preemption; plus the warnings `carpd check` gives on members whose
 * ranks differ (keepalived's users got endless re-elections from those).
 * @module
 */

import type { Config, GroupConfig, VhidConfig } from "../mod.ts";
import type { RawConfig } from "./schema.ts";

/** conntrackd as `conntrackd = true` calls it: Debian's, its default config. */
export const CONNTRACKD_DEFAULT = ["/usr/sbin/conntrackd"];

/**
 * Builds the groups, collecting every problem.
 *
 * @param raw The `[[group]]` tables as the schema accepted them.
 * @param vhids The vhids.
 * @param problems Where problems go.
 * @returns The groups.
 */
export function resolveGroups(
  raw: RawConfig["group"],
  vhids: readonly VhidConfig[],
  problems: string[],
): GroupConfig[] {
  const names = new Map<string, number>();
  const owner = new Map<string, string>();
  let conntrackdIn: string | null = null;
  return raw.map((g, i) => {
    const at = `group[${i}]`;
    const first = names.get(g.name);
    if (first !== undefined) {
      problems.push(
        `${at}.name: "${g.name}" is not allowed; group[${first}] has that name`,
      );
    } else names.set(g.name, i);
    const members: VhidConfig[] = [];
    g.vhids.forEach((entry, j) => {
      const v = findMember(entry, vhids, `${at}.vhids[${j}]`, problems);
      if (v === null) return;
      const key = `${v.interface}/${v.id}`;
      const other = owner.get(key);
      if (members.includes(v)) {
        problems.push(
          `${at}.vhids[${j}]: ${
            JSON.stringify(entry)
          } is not allowed; the group names vhid ${v.id} on ${v.interface} twice`,
        );
      } else if (other !== undefined && other !== g.name) {
        problems.push(
          `${at}.vhids[${j}]: ${
            JSON.stringify(entry)
          } is not allowed; vhid ${v.id} on ${v.interface} is in group "${other}" already (a vhid is in one group at most)`,
        );
      } else {
        owner.set(key, g.name);
        members.push(v);
      }
    });
    const preempting = members.filter((v) => v.preempt);
    if (preempting.length > 0 && preempting.length < members.length) {
      const a = preempting[0]!;
      const b = members.find((v) => !v.preempt)!;
      problems.push(
        `${at}.vhids: vhid ${a.id} on ${a.interface} preempts and vhid ${b.id} on ${b.interface} does not; members must agree on preempt, or the group fights itself`,
      );
    }
    const delays = new Set(members.map((v) => v.preemptDelayMs));
    if (delays.size > 1) {
      problems.push(
        `${at}.vhids: its members have different preempt_delay values (${
          members.map((v) =>
            `${v.interface}/${v.id}: ${v.preemptDelayMs / 1000} s`
          )
            .join(", ")
        }); members must agree, the delay is the group's`,
      );
    }
    let conntrackd: string[] | null = null;
    if (g.conntrackd !== undefined && g.conntrackd !== false) {
      conntrackd = g.conntrackd === true ? CONNTRACKD_DEFAULT : g.conntrackd;
      if (conntrackdIn !== null) {
        problems.push(
          `${at}.conntrackd: is not allowed; group "${conntrackdIn}" drives conntrackd already (a box has one connection table)`,
        );
      } else conntrackdIn = g.name;
    }
    return {
      name: g.name,
      members: members.map((v) => `${v.interface}/${v.id}`),
      preMaster: g.pre_master ?? null,
      preMasterTimeoutMs: g.pre_master_timeout * 1000,
      notify: g.notify ?? null,
      conntrackd,
      scriptTimeoutMs: g.script_timeout * 1000,
    };
  });
}

/** The vhid a group entry names, or `null` after saying why not. */
function findMember(
  entry: number | string,
  vhids: readonly VhidConfig[],
  at: string,
  problems: string[],
): VhidConfig | null {
  if (typeof entry === "string") {
    const v = vhids.find((v) => `${v.interface}/${v.id}` === entry);
    if (v === undefined) {
      problems.push(
        `${at}: "${entry}" is not allowed; no [[vhid]] has that interface and id`,
      );
    }
    return v ?? null;
  }
  const found = vhids.filter((v) => v.id === entry);
  if (found.length === 1) return found[0]!;
  problems.push(
    found.length === 0
      ? `${at}: ${entry} is not allowed; no [[vhid]] has id ${entry}`
      : `${at}: ${entry} is not allowed; vhid ${entry} is on ${
        found.map((v) => v.interface).join(" and ")
      }: name one as "${found[0]!.interface}/${entry}"`,
  );
  return null;
}

/**
 * Warnings on groups whose members would order the boxes differently:
 * members of one group should have one rank (advbase and advskew, or
 * priority), so every leg prefers the same box.
 *
 * @param config The config.
 * @returns One sentence per group that would fight itself.
 */
export function groupWarnings(config: Config): string[] {
  const out: string[] = [];
  for (const g of config.groups) {
    const members = g.members.map((k) =>
      config.vhids.find((v) => `${v.interface}/${v.id}` === k)
    ).filter((v) => v !== undefined);
    const ranks = new Set(members.map(rankText));
    if (ranks.size > 1) {
      out.push(
        `group "${g.name}": its members have different ranks (${
          members.map((v) => `vhid ${v.id} on ${v.interface} ${rankText(v)}`)
            .join(", ")
        }); give them one rank on each box, or the legs may prefer different boxes and the group keeps re-electing`,
      );
    }
  }
  return out;
}

function rankText(v: VhidConfig): string {
  return v.protocol === "carp"
    ? `advbase ${v.advbase} advskew ${v.advskew}`
    : `priority ${v.priority}`;
}
