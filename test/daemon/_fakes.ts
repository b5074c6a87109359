/**
 * Fakes of the shell's outside world, for driving a vhid's driver on the
 * virtual clock: sockets that record what they are given, a box that
 * records its addresses and frames, processes that end as told.
 */

import { Errno, SyscallError } from "../../ffi/errors.ts";
import { decodeAdvertHeader } from "../../src/carp/advert.ts";
import { type VhidConfig } from "../../src/config/mod.ts";
import { parseConfig } from "../../src/config/load/mod.ts";
import { VhidDriver } from "../../src/daemon/driver.ts";
import { Effects } from "../../src/daemon/effects.ts";
import type { Link } from "../../src/daemon/links.ts";
import type { RuntimeFiles } from "../../src/daemon/platform.ts";
import { VipLedger } from "../../src/daemon/vip_ledger.ts";
import { KeyRings } from "../../src/daemon/key_rings.ts";
import type { PacketSender, SocketsView } from "../../src/daemon/transmit.ts";
import type { HookJob, HookResult } from "../../src/hooks/runner.ts";
import { createLogger, LogRateLimiter } from "../../src/log.ts";
import { formatIpv6, type Ipv6, parseIpv4 } from "../../src/net/mod.ts";
import { VirtualClock } from "../sim/virtual_clock.ts";

export { Errno };

/** An advert the fake socket saw. */
export interface SentAdvert {
  destination: number;
  vhid: number;
  advbase: number;
  advskew: number;
}

/** An IPv4 socket that records what it is given, or refuses it. */
export class FakeSocket implements PacketSender<number> {
  readonly sent: SentAdvert[] = [];
  /** Every packet taken, CARP or VRRP, as given. */
  readonly packets: Uint8Array[] = [];
  /** errno to refuse with, or 0 to take the packet. */
  refuse = 0;

  send(packet: Uint8Array, destination: number): SyscallError | null {
    if (this.refuse !== 0) {
      return new SyscallError("sendto", "fake socket", this.refuse);
    }
    this.packets.push(packet);
    if (packet[20]! >> 4 !== 2) return null; // VRRP: see packets
    const a = decodeAdvertHeader(packet.subarray(20))!;
    this.sent.push({
      destination,
      vhid: a.vhid,
      advbase: a.advbase,
      advskew: a.advskew,
    });
    return null;
  }
}

/** An advert the fake IPv6 socket saw. */
export interface SentAdvert6 {
  destination: string;
  source: string;
  vhid: number;
  advskew: number;
}

/** An IPv6 socket that records what it is given. */
export class FakeSocket6 implements PacketSender<Uint8Array> {
  readonly sent: SentAdvert6[] = [];

  send(
    payload: Uint8Array,
    destination: Uint8Array,
    source: Uint8Array | null,
  ): SyscallError | null {
    const a = decodeAdvertHeader(payload)!;
    this.sent.push({
      destination: formatIpv6(destination),
      source: source === null ? "" : formatIpv6(source),
      vhid: a.vhid,
      advskew: a.advskew,
    });
    return null;
  }
}

/** Sockets as a port shows them to its vhids. */
export function sockets(
  socket: PacketSender<number> | null,
  socket6: PacketSender<Uint8Array> | null = null,
  error: string | null = null,
): SocketsView {
  return {
    socket,
    socket6,
    error,
    open: socket !== null,
    has: (f) => (f === 4 ? socket : socket6) !== null,
  };
}

/** The box as a driver changes it, on a virtual clock. */
export class FakeBox {
  readonly clock = new VirtualClock(7);
  /** Files under /run. */
  readonly runFiles = new Map<string, string>();
  readonly files: RuntimeFiles = {
    read: (path) => this.runFiles.get(path) ?? null,
    write: (path, text) => void this.runFiles.set(path, text),
  };
  /** IPv4 VIPs added, as numbers; IPv6 ones as text. */
  readonly added: (number | string)[] = [];
  readonly removed: (number | string)[] = [];
  readonly frames: { ethertype: number; destination: Uint8Array }[] = [];
  /** Hooks run, in order. */
  readonly hooks: HookJob[] = [];
  /** errno for adding addresses, or 0. */
  refuseAdd = 0;
  readonly lines: string[] = [];
  readonly socket = new FakeSocket();
  readonly socket6 = new FakeSocket6();
  transitions = 0;
  readonly log = createLogger({
    level: "debug",
    journald: false,
    sink: (l) => this.lines.push(l),
    clock: () => this.clock.wallMs(),
  });
  readonly rings: KeyRings = new KeyRings(
    this.files,
    "/run/carp/test.keys",
    (e) => {
      throw new Error(e);
    },
  );
  readonly effects: Effects = new Effects({
    log: this.log,
    limiter: new LogRateLimiter(),
    clock: this.clock,
    spawn: (job) => this.#spawn(job),
    ledger: new VipLedger(this.files, "/run/carp/test.vips", (e) => {
      throw new Error(e);
    }),
    addresses: {
      addVip: (link, vip) => {
        if (this.refuseAdd !== 0) {
          return Promise.reject(
            new SyscallError(
              "add address",
              `${vip.text} on "${link.name}"`,
              this.refuseAdd,
            ),
          );
        }
        this.added.push(vip.family === 4 ? vip.address : vip.text);
        return Promise.resolve(true);
      },
      removeVip: (_link, vip) => {
        this.removed.push(vip.family === 4 ? vip.address : vip.text);
        return Promise.resolve(true);
      },
    },
    frames: {
      send: (_i, _n, ethertype, destination) => {
        this.frames.push({ ethertype, destination });
        return null;
      },
    },
  });

  /** A driver for a vhid on this box. */
  driver(config: VhidConfig): VhidDriver {
    return new VhidDriver(config, {
      log: this.log,
      limiter: new LogRateLimiter(),
      clock: this.clock,
      frames: {
        send: (_i, _n, ethertype, destination) => {
          this.frames.push({ ethertype, destination });
          return null;
        },
      },
      effects: this.effects,
      rings: this.rings,
      onTransition: () => this.transitions++,
      onTimer: () => {},
      events: { publish: () => {} },
      groups: {
        signal: () => {},
        leftMaster: () => {},
        preMaster: () => Promise.resolve(),
      },
      onReceiveRulesChanged: () => {},
    });
  }

  /** Lines matching. */
  logged(pattern: RegExp): string[] {
    return this.lines.filter((l) => pattern.test(l));
  }

  /** A process that exits 0 after 5 ms of virtual time. */
  #spawn(job: HookJob): Promise<HookResult> {
    this.hooks.push(job);
    return new Promise((resolve) =>
      this.clock.after(5, () =>
        resolve({
          label: job.label,
          argv: job.argv,
          code: 0,
          signal: null,
          timedOut: false,
          error: null,
          outputTail: "",
        }))
    );
  }
}

/** A link named eth0 with one address of its own. */
export function link(overrides: Partial<Link> = {}): Link {
  return {
    index: 2,
    name: "eth0",
    mac: new Uint8Array([2, 0, 0, 0, 0, 1]),
    usable: true,
    addresses: [{ address: parseIpv4("10.9.0.1")!, prefix: 24 }],
    addresses6: [],
    ...overrides,
  };
}

/** An IPv6 address of a link, ready (out of DAD) unless told. */
export function address6(
  address: Ipv6,
  flags = 0,
): Link["addresses6"][number] {
  return { address, prefix: 64, flags, scope: 253, ready: flags === 0 };
}

/** A fast vhid on eth0 (adverts every 10/256 s, master-down 117 ms). */
export function fastVhid(
  extra = "",
  vips = `"10.9.0.50/24"`,
  password = "x",
): VhidConfig {
  return parseConfig(
    `[[vhid]]\nid = 7\ninterface = "eth0"\nvips = [${vips}]\npassword = "${password}"\nadvbase = 0\nadvskew = 10\ngarp_count = 1\n${extra}`,
    "carp.toml",
    () => new Uint8Array(),
  ).vhids[0]!;
}

/** A fast VRRP vhid on eth0 (10 ms adverts, master-down about 40 ms). */
export function fastVrrp(extra = ""): VhidConfig {
  return parseConfig(
    `[[vhid]]\nprotocol = "vrrp"\nid = 7\ninterface = "eth0"\nvips = ["10.9.0.50/24"]\npriority = 150\nadvert_interval = 0.01\ngarp_count = 1\n${extra}`,
    "carp.toml",
    () => new Uint8Array(),
  ).vhids[0]!;
}

/** A driver attached to a fake box and started. */
export function started(
  box: FakeBox,
  config: VhidConfig = fastVhid(),
  l: Link = link(),
): VhidDriver {
  const r = box.driver(config);
  r.attach(sockets(box.socket), l);
  r.start();
  return r;
}
