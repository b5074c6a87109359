/**
 * The group a campaign runs, as data: three boxes, two vhids (as the
 * simulator's first two: vhid 1 CARP on eth0, vhid 2 VRRPv3 on a macvlan
 * sub-interface, `mv0`), each box's config file as it stands after the
 * roll-outs and edits so far, ucarp's command line for the box that runs
 * Debian's ucarp on vhid 1, and the protocol's timing bounds the
 * invariants use. Pure.
 *
 * Box `i` (from 0, as the simulator numbers them) is namespace `<lab>-h<i+1>`;
 * box 0 is the most preferred (CARP advskew 10, VRRP priority 200), then
 * box 1 (30, 180), then box 2 (50, 160), as in `test/sim/node.ts`.
 * @module
 */

/** The vhid ids, and which link each is on. */
export const VHIDS = [1, 2] as const;
/** A vhid of the group. */
export type VhidId = typeof VHIDS[number];

/** The lab's LAN (eth0), as `scripts/lab.sh` numbers it. */
export const NET = "10.215.0";
/** The macvlan's subnet (mv0). */
export const NET_MV = "10.216.0";
/** The lab's IPv6 prefix (unused by the vhids, but lab.sh gives one). */
export const NET6 = "fd13:215:";

/** vhid 1's VIP, in every config. */
export const VIP1 = `${NET}.50`;
/** The VIP a VIP-list roll-out adds to vhid 1 (and the next one removes). */
export const EXTRA1 = `${NET}.51`;
/** vhid 2's first VIP, in every config. */
export const VIP2 = `${NET_MV}.50`;
/** vhid 2's second VIP: crash-edit drops it from one box's config. */
export const SECOND2 = `${NET_MV}.51`;
/** The VIP a VIP-list roll-out adds to vhid 2 when ucarp runs vhid 1. */
export const EXTRA2 = `${NET_MV}.52`;

/** The box that runs ucarp on vhid 1 with `--ucarp` (a backup, preferred over box 2). */
export const UCARP_BOX = 1;

/** CARP's deadratio (carpd's default, ucarp's too). */
const DEADRATIO = 3;
/** CARP's advbase, seconds. */
const ADVBASE = 1;
/** VRRP's advert interval, seconds. */
const VRRP_INTERVAL = 1;

/** The link a vhid is on. */
export function linkOf(vhid: VhidId): "eth0" | "mv0" {
  return vhid === 1 ? "eth0" : "mv0";
}

/** The address that stands for a vhid: in every config, always. */
export function baseVip(vhid: VhidId): string {
  return vhid === 1 ? VIP1 : VIP2;
}

/** Box `i`'s own address on a link. */
export function ownAddress(box: number, link: "eth0" | "mv0"): string {
  return `${link === "eth0" ? NET : NET_MV}.1${box + 1}`;
}

/** Box `i`'s CARP advskew (lower wins). */
export function advskew(box: number): number {
  return 10 + 20 * box;
}

/** Box `i`'s VRRP priority (higher wins). */
export function priority(box: number): number {
  return 200 - 20 * box;
}

/** What one box's config says now (roll-outs and edits change it). */
export interface BoxSpec {
  /** vhid 1's VIPs, without prefix. */
  vips1: string[];
  /** vhid 2's VIPs, without prefix. */
  vips2: string[];
  /** vhid 1's password. */
  password: string;
  /** Each vhid's `rollout_window`, s (`null`: the default). */
  rolloutWindow: number | null;
}

/**
 * Every box's spec at the start.
 *
 * @param rolloutWindow Each vhid's `rollout_window`, s (`null`: the default).
 * @returns The spec.
 */
export function initialSpec(rolloutWindow: number | null = null): BoxSpec {
  return {
    vips1: [VIP1],
    vips2: [VIP2, SECOND2],
    password: "one-secret",
    rolloutWindow,
  };
}

/** The VIPs of a vhid in a spec. */
export function vipsOf(spec: BoxSpec, vhid: VhidId): string[] {
  return vhid === 1 ? spec.vips1 : spec.vips2;
}

/** Where a box's files are. */
export interface BoxPaths {
  config: string;
  socket: string;
  /** The health check passes while this file exists. */
  service: string;
  /** The notify hook's record. */
  notifyLog: string;
  /** The notify hook (shared). */
  notify: string;
}

/**
 * Box `i`'s carpd config. On the ucarp box carpd runs vhid 2 only (ucarp
 * runs vhid 1), without the check and tracking that only concern vhid 1.
 *
 * @param box The box, from 0.
 * @param spec What its config says now.
 * @param paths Its files.
 * @param ucarp Whether ucarp runs vhid 1 on this box.
 * @returns The TOML text.
 */
export function carpdConfig(
  box: number,
  spec: BoxSpec,
  paths: BoxPaths,
  ucarp: boolean,
): string {
  const notify = JSON.stringify([paths.notify, paths.notifyLog]);
  const vips = (list: string[]): string =>
    JSON.stringify(list.map((v) => `${v}/24`));
  const window = spec.rolloutWindow === null
    ? []
    : [`rollout_window = ${spec.rolloutWindow}`];
  const out = [
    "[daemon]",
    'log_level = "info"',
    `control_socket = "${paths.socket}"`,
    "",
  ];
  if (!ucarp) {
    out.push(
      "[[vhid]]",
      "id = 1",
      'interface = "eth0"',
      `vips = ${vips(spec.vips1)}`,
      `password = "${spec.password}"`,
      `advbase = ${ADVBASE}`,
      `advskew = ${advskew(box)}`,
      `deadratio = ${DEADRATIO}`,
      "preempt = true",
      `notify = ${notify}`,
      ...window,
      "",
    );
  }
  out.push(
    "[[vhid]]",
    'protocol = "vrrp"',
    "id = 2",
    'interface = "mv0"',
    `vips = ${vips(spec.vips2)}`,
    `priority = ${priority(box)}`,
    `advert_interval = ${VRRP_INTERVAL}`,
    "preempt = true",
    `notify = ${notify}`,
    ...window,
    "",
  );
  if (!ucarp) {
    out.push(
      "[[check]]",
      'name = "svc"',
      `command = ["/usr/bin/test", "-e", "${paths.service}"]`,
      "interval = 1",
      "timeout = 1",
      "fall = 2",
      "rise = 2",
      "demote = 100",
      "vhids = [1]",
      "",
      "[[track_interface]]",
      'name = "mv0"',
      "demote = 50",
      "vhids = [1]",
      "",
    );
  }
  return out.join("\n");
}

/**
 * ucarp's command line on the ucarp box: vhid 1 in the foreground (no
 * `-B`, so the campaign owns the process), its scripts adding and removing
 * the VIP, preempting, with the bow-out on exit (`-z`).
 *
 * @param box The box.
 * @param spec What its config says now (one VIP: ucarp has one per process).
 * @param up The up script.
 * @param down The down script.
 * @returns The argv.
 */
export function ucarpArgv(
  box: number,
  spec: BoxSpec,
  up: string,
  down: string,
): string[] {
  return [
    "ucarp",
    "-i",
    "eth0",
    "-s",
    ownAddress(box, "eth0"),
    "-v",
    "1",
    "-p",
    spec.password,
    "-a",
    spec.vips1[0]!,
    "-u",
    up,
    "-d",
    down,
    "-b",
    String(ADVBASE),
    "-k",
    String(advskew(box)),
    "-r",
    String(DEADRATIO),
    "-P",
    "-z",
  ];
}

/** What a box's status says of a vhid's timers (effective values). */
export interface Timing {
  /** CARP: the effective advskew. */
  advskew?: number | null;
  /** VRRP: the effective priority. */
  priority?: number | null;
}

/**
 * A box's advert interval for a vhid, ms: CARP `advbase + advskew/256` s,
 * VRRP its advert interval.
 *
 * @param vhid The vhid.
 * @param box The box.
 * @param t Effective values from its status, when known.
 * @returns Milliseconds.
 */
export function advertIntervalMs(
  vhid: VhidId,
  box: number,
  t: Timing = {},
): number {
  if (vhid === 1) {
    return ADVBASE * 1000 + ((t.advskew ?? advskew(box)) * 1000) / 256;
  }
  return VRRP_INTERVAL * 1000;
}

/**
 * A backup's master-down for a vhid, ms: CARP `advbase x deadratio +
 * advskew/256` s (the skew not multiplied, as ucarp and carpd do), VRRPv3
 * `3 x interval + (256 - priority) x interval / 256`.
 *
 * @param vhid The vhid.
 * @param box The box.
 * @param t Effective values from its status, when known.
 * @returns Milliseconds.
 */
export function masterDownMs(
  vhid: VhidId,
  box: number,
  t: Timing = {},
): number {
  if (vhid === 1) {
    return ADVBASE * DEADRATIO * 1000 +
      ((t.advskew ?? advskew(box)) * 1000) / 256;
  }
  const p = t.priority ?? priority(box);
  return 3 * VRRP_INTERVAL * 1000 + ((256 - p) * VRRP_INTERVAL * 1000) / 256;
}

/**
 * The box a vhid's election prefers among some boxes: the lowest advskew
 * or the highest priority, as configured (the faults that demote a box
 * have all ended when this is asked).
 *
 * @param boxes Candidate boxes.
 * @returns The preferred one, or `null` when there is none.
 */
export function preferred(boxes: readonly number[]): number | null {
  // Both vhids rank the boxes in the same order: box 0 first.
  return boxes.length === 0 ? null : Math.min(...boxes);
}
