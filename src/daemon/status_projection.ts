/**
 * The daemon's state mapped into the status contract of `src/control/`
 * (`carpd status`, USR1, metrics later). Nothing here decides anything.
 * @module
 */

import type { EventFields, GroupStatus } from "../control/mod.ts";
import { formatPeer } from "../net/mod.ts";
import { identityChanges } from "../wire/mod.ts";
import {
  type CheckStatus,
  type InterfaceStatus,
  type ReloadStatus,
  type RolloutStatus,
  type SchedulingStatus,
  type Status,
  STATUS_VERSION,
  type TrackedInterfaceStatus,
  type VhidStatus,
} from "../control/mod.ts";
import { effectiveRank, faultList, priorityRank } from "../fsm/mod.ts";
import type { DropCounts } from "./counters.ts";
import type { Link } from "./links.ts";
import type { VhidDriver } from "./driver.ts";

/** What the projection reads. */
export interface StatusSources {
  version: string;
  pid: number;
  now: number;
  startedAt: number;
  reload: ReloadStatus;
  worstTimerLatenessMs: number;
  scheduling: SchedulingStatus;
  linkResyncs: number;
  vhids: readonly VhidDriver[];
  groups: GroupStatus[];
  checks: CheckStatus[];
  tracked: TrackedInterfaceStatus[];
  /** Interface names in use. */
  interfaces: readonly string[];
  link: (name: string) => Link | null;
  interfaceDrops: (name: string) => DropCounts;
}

/**
 * One vhid's status.
 *
 * @param r The vhid.
 * @param now The daemon's clock.
 * @returns Its part of the contract.
 */
export function vhidStatus(r: VhidDriver, now: number): VhidStatus {
  const s = r.state;
  const master = s.state === "MASTER"
    ? r.iface.address
    : s.state === "BACKUP"
    ? s.heardMaster?.source ?? null
    : null;
  const c = r.counters;
  const v = r.config;
  const rank = effectiveRank(s);
  return {
    vhid: v.id,
    interface: v.interface,
    protocol: v.protocol,
    vips: v.vips.map((x) => x.text),
    state: s.state,
    faults: s.state === "FAULT" ? faultList(s) : [],
    advbase: v.protocol === "carp" ? v.advbase : null,
    advskew: v.protocol === "carp"
      ? { configured: v.advskew, effective: rank }
      : null,
    priority: v.protocol === "vrrp"
      ? { configured: v.priority, effective: priorityRank(rank) }
      : null,
    advertInterval: v.protocol === "vrrp" ? v.advertIntervalCs / 100 : null,
    checksum: v.protocol === "vrrp" && v.vips[0]?.family === 4
      ? v.vrrpChecksum
      : null,
    vrrpVersion: v.protocol === "vrrp" ? v.vrrpVersion : null,
    demotions: r.demotions(),
    standby: s.standby,
    master: master === null ? null : formatPeer(master),
    source: r.iface.sourceText(4),
    source6: r.iface.sourceText(6),
    secondsSinceTransition: Math.round(now - r.lastTransitionAt) / 1000,
    peers: r.hearing.peers(now).map(([address, p]) => {
      const a = p.advert;
      return {
        address: formatPeer(address),
        advbase: a.protocol === "carp" ? a.advbase : null,
        advskew: a.protocol === "carp" ? a.advskew : null,
        priority: a.protocol === "vrrp" ? a.priority : null,
        advertInterval: a.protocol === "vrrp" ? a.intervalCs / 100 : null,
        checksums: { ...p.checksums },
        secondsAgo: Math.round(now - p.at) / 1000,
      };
    }),
    worstTimerLatenessMs:
      Math.round(r.hearing.timeliness.worstLatenessMs * 10) / 10,
    worstAdvertGapMs: Math.round(r.hearing.timeliness.worstAdvertGapMs * 10) /
      10,
    warnings: r.hearing.warnings(),
    history: r.history().map((t) => ({ ...t })),
    rollout: rolloutStatus(r),
    counters: {
      advertsSent: c.advertsSent,
      advertsReceived: c.advertsReceived,
      sendErrors: Object.fromEntries(c.sendErrors),
      garpsSent: c.garpsSent,
      transitions: c.transitions,
      vipsRestored: c.vipsRestored,
      vipListMismatches: c.vipListMismatches,
      hooks: structuredClone(c.hooks),
      drops: { ...c.drops },
    },
  };
}

/**
 * The whole status.
 *
 * @param src What to read.
 * @returns The contract, version 1.
 */
export function projectStatus(src: StatusSources): Status {
  const interfaces: InterfaceStatus[] = src.interfaces.map((name) => {
    const link = src.link(name);
    return {
      name,
      present: link !== null,
      usable: link?.usable ?? false,
      drops: { ...src.interfaceDrops(name) },
    };
  });
  return {
    version: STATUS_VERSION,
    carpd: src.version,
    pid: src.pid,
    uptimeSeconds: Math.round(src.now - src.startedAt) / 1000,
    reload: src.reload,
    worstTimerLatenessMs: Math.round(src.worstTimerLatenessMs * 10) / 10,
    scheduling: { ...src.scheduling },
    linkResyncs: src.linkResyncs,
    vhids: [...src.vhids]
      .sort((a, b) =>
        a.config.id - b.config.id ||
        a.config.interface.localeCompare(b.config.interface)
      )
      .map((r) => ({
        ...vhidStatus(r, src.now),
        group: src.groups.find((g) => g.members.includes(r.key))?.name ??
          null,
      })),
    groups: src.groups,
    checks: src.checks,
    trackedInterfaces: src.tracked,
    interfaces,
  };
}

/**
 * One line for systemd's STATUS=, such as `vhid 3 MASTER, vhid 4 FAULT
 * (waiting for eth0.10)`.
 *
 * @param vhids The vhids.
 * @param reloadError Why the last reload failed, if it did.
 * @returns The line.
 */
export function statusLine(
  vhids: readonly VhidDriver[],
  reloadError: string | null,
): string {
  const parts = [...vhids]
    .sort((a, b) =>
      a.config.id - b.config.id ||
      a.config.interface.localeCompare(b.config.interface)
    )
    .map((r) => {
      const s = r.state;
      const fault = s.state === "FAULT" ? faultList(s)[0] : undefined;
      return `vhid ${r.config.id} ${s.state}${s.standby ? " (standby)" : ""}${
        fault === undefined ? "" : ` (${fault})`
      }`;
    });
  const line = parts.length === 0 ? "no vhids" : parts.join(", ");
  return reloadError === null
    ? line
    : `reload failed, old config kept; ${line}`;
}

/**
 * The first lines a reader of `carpd events` gets: every vhid's state and
 * every group's.
 *
 * @param vhids The vhids.
 * @param groups The groups as status shows them.
 * @returns The lines, before they are numbered.
 */
export function eventSnapshot(
  vhids: readonly VhidDriver[],
  groups: readonly GroupStatus[],
): EventFields[] {
  return [
    ...vhids.map((r) => ({
      type: "vhid_state",
      interface: r.config.interface,
      vhid: r.config.id,
      state: r.state.state,
      group: groups.find((g) => g.members.includes(r.key))?.name ?? null,
      demotions: r.demotions().map((d) => ({
        reason: d.reason,
        amount: d.advskew,
      })),
    })),
    ...groups.map((g) => ({
      type: "group_state",
      group: g.name,
      state: g.state,
      split: g.split,
      members: g.members,
    })),
  ];
}

/** A vhid's roll-out window as status shows it. */
function rolloutStatus(r: VhidDriver): RolloutStatus | null {
  const ring = r.keys.ring;
  if (ring.until === null || ring.earlier.length === 0) return null;
  return {
    open: r.keys.open,
    until: new Date(ring.until).toISOString(),
    earlierKeys: ring.earlier.length,
    changes: identityChanges(ring.earlier[0]!, ring.current),
    mastersOnEarlierKey: r.keys.stale().map(formatPeer),
  };
}
