/** Fakes of the shell's outside world, for driving a VhidRunner. */

import { Errno, SyscallError } from "../../ffi/errors.ts";
import {
  decodeAdvertHeader,
  formatIpv6,
  parseIpv4,
} from "../../src/carp/mod.ts";
import { parseConfig, type VhidConfig } from "../../src/config/mod.ts";
import type { Link } from "../../src/daemon/links.ts";
import {
  type Advert6Socket,
  type AdvertSocket,
  type VhidContext,
  VhidRunner,
} from "../../src/daemon/vhid_runner.ts";
import { createLogger, LogRateLimiter } from "../../src/log.ts";
import { JS_TIMERS } from "../../src/daemon/timers.ts";

/** Waits for real timers. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls until true or the time is up. */
export async function until(
  probe: () => boolean,
  timeoutMs = 2000,
): Promise<boolean> {
  const end = performance.now() + timeoutMs;
  for (let i = 0; i < 10_000 && performance.now() < end; i++) {
    if (probe()) return true;
    await sleep(5);
  }
  return probe();
}

/** An advert the fake socket saw. */
export interface SentAdvert {
  destination: number;
  vhid: number;
  advbase: number;
  advskew: number;
}

/** A CARP socket that records what it is given, or refuses it. */
export class FakeSocket implements AdvertSocket {
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

/** An IPv6 CARP socket that records what it is given. */
export class FakeSocket6 implements Advert6Socket {
  readonly sent: SentAdvert6[] = [];

  send(
    payload: Uint8Array,
    destination: Uint8Array,
    source: Uint8Array,
  ): SyscallError | null {
    const a = decodeAdvertHeader(payload)!;
    this.sent.push({
      destination: formatIpv6(destination),
      source: formatIpv6(source),
      vhid: a.vhid,
      advskew: a.advskew,
    });
    return null;
  }
}

/** The box as the runner changes it. */
export class FakeBox {
  /** IPv4 VIPs added, as numbers; IPv6 ones as text. */
  readonly added: (number | string)[] = [];
  readonly removed: (number | string)[] = [];
  readonly frames: { ethertype: number; destination: Uint8Array }[] = [];
  /** errno for adding addresses, or 0. */
  refuseAdd = 0;
  readonly lines: string[] = [];
  readonly socket = new FakeSocket();
  readonly socket6 = new FakeSocket6();
  transitions = 0;

  context(): VhidContext {
    return {
      log: createLogger({
        level: "debug",
        journald: false,
        sink: (l) => this.lines.push(l),
      }),
      limiter: new LogRateLimiter(),
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
      now: () => performance.now(),
      timers: JS_TIMERS,
      onTransition: () => this.transitions++,
      onTimer: () => {},
      onReceiveRulesChanged: () => {},
    };
  }

  /** Lines matching. */
  logged(pattern: RegExp): string[] {
    return this.lines.filter((l) => pattern.test(l));
  }
}

export { Errno };

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

/** A fast vhid on eth0 (adverts every 10/256 s, master-down 117 ms). */
export function fastVhid(
  extra = "",
  vips = `"10.9.0.50/24"`,
): VhidConfig {
  return parseConfig(
    `[[vhid]]\nid = 7\ninterface = "eth0"\nvips = [${vips}]\npassword = "x"\nadvbase = 0\nadvskew = 10\ngarp_count = 1\n${extra}`,
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

/** A runner attached to a fake box and started. */
export function started(
  box: FakeBox,
  config: VhidConfig = fastVhid(),
  l: Link = link(),
): VhidRunner {
  const r = new VhidRunner(config, box.context());
  r.attach({ socket: box.socket, socket6: null, error: null }, l);
  r.start();
  return r;
}
