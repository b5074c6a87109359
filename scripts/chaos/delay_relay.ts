/**
 * The campaign's "delay" fault, where this kernel has no netem: run in the
 * switch's namespace while the bridge drops the adverts (IP protocol 112)
 * it would forward between the boxes (`Group.setSwitch`), this relay takes
 * each advert as it arrives on a box's switch port and sends it out of
 * every other box's port `DELAY_MS` later, plus or minus up to `JITTER_MS`
 * (so adverts may overtake each other, as on a congested path):
 *
 *   deno run -A delay_relay.ts DELAY_MS JITTER_MS PORT...
 *
 * Prints `ready` once it listens. A port deleted and created again (a box's
 * cable re-created) is found again within half a second. On SIGTERM every
 * advert still held goes out at once, and the program exits.
 * @module
 */

import {
  AF_PACKET,
  ETH_P_IP,
  MSG_DONTWAIT,
  SOCK_CLOEXEC,
  SOCK_DGRAM,
  SOCK_NONBLOCK,
} from "../../ffi/constants.ts";
import { openSocket, OwnedFd } from "../../ffi/fd.ts";
import { libc } from "../../ffi/libc.ts";
import { PacketSocket, sockaddrLl } from "../../ffi/packet_socket.ts";
import { interfaceIndex, waitReadable } from "../../ffi/poll.ts";

/** ETH_P_ALL: every frame the port receives (and sends). */
const ETH_P_ALL = 0x0003;
/** sll_pkttype of a frame the port sends (ours, or the bridge's). */
const PACKET_OUTGOING = 4;
/** IP protocol of CARP and VRRP. */
const IPPROTO_CARP = 112;
/** How often ports are looked up again, ms. */
const LOOKUP_MS = 500;

/** A listening socket on one switch port. */
class Tap extends OwnedFd {
  readonly port: string;
  readonly ifindex: number;
  readonly #from = new Uint8Array(20);
  readonly #fromLength = new Uint8Array(4);

  constructor(port: string, ifindex: number) {
    const what = `packet socket on "${port}"`;
    super(
      openSocket(
        AF_PACKET,
        SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
        htons(ETH_P_ALL),
        what,
      ),
      what,
    );
    this.port = port;
    this.ifindex = ifindex;
    const address = sockaddrLl(ifindex, ETH_P_ALL, new Uint8Array(0));
    if (libc.bind(this.fd, address, address.length) < 0) {
      this.close();
      throw new Error(`cannot bind ${what}`);
    }
  }

  /** The next advert that arrived on the port, or `null` when none waits. */
  nextAdvert(buf: Uint8Array): Uint8Array | null {
    for (let k = 0; k < 256; k++) {
      new DataView(this.#fromLength.buffer).setUint32(0, 20, true);
      const n = Number(
        libc.recvfrom(
          this.fd,
          buf,
          BigInt(buf.length),
          MSG_DONTWAIT,
          this.#from,
          this.#fromLength,
        ),
      );
      if (n < 0) return null;
      const protocol = new DataView(this.#from.buffer).getUint16(2);
      if (this.#from[10] === PACKET_OUTGOING || protocol !== ETH_P_IP) continue;
      if (n < 20 || buf[9] !== IPPROTO_CARP) continue;
      return buf.slice(0, n);
    }
    return null;
  }
}

function htons(x: number): number {
  return ((x & 0xff) << 8) | (x >> 8);
}

/** The Ethernet address of an IPv4 multicast group (01:00:5e + 23 bits). */
function multicastMac(packet: Uint8Array): Uint8Array | null {
  if (packet[16]! < 224 || packet[16]! > 239) return null;
  return new Uint8Array([
    0x01,
    0x00,
    0x5e,
    packet[17]! & 0x7f,
    packet[18]!,
    packet[19]!,
  ]);
}

async function main(): Promise<void> {
  const [delay, jitter] = Deno.args.slice(0, 2).map(Number);
  const ports = Deno.args.slice(2);
  if (!(delay! >= 0) || !(jitter! >= 0) || ports.length < 2) {
    throw new Error("usage: delay_relay.ts DELAY_MS JITTER_MS PORT PORT...");
  }
  const out = PacketSocket.open();
  const taps = new Map<string, Tap>();
  const lookUp = (): void => {
    for (const port of ports) {
      const index = interfaceIndex(port);
      const tap = taps.get(port);
      if (tap !== undefined && tap.ifindex === index) continue;
      tap?.close();
      taps.delete(port);
      if (index > 0) taps.set(port, new Tap(port, index));
    }
  };
  lookUp();
  type Held = { send: () => void; timer?: ReturnType<typeof setTimeout> };
  const held = new Set<Held>();
  let stopping = false;
  Deno.addSignalListener("SIGTERM", () => stopping = true);
  // deno-lint-ignore no-console
  console.log("ready");
  const buf = new Uint8Array(65536);
  let looked = performance.now();
  // Bounded: a fault lasts at most a minute; this runs at most a day.
  for (let i = 0; i < 24 * 3_600_000 / 20 && !stopping; i++) {
    if (performance.now() - looked > LOOKUP_MS) {
      lookUp();
      looked = performance.now();
    }
    const all = [...taps.values()];
    const ready = await waitReadable(all.map((t) => t.fd), 20);
    for (const tap of all.filter((t) => ready.readable.includes(t.fd))) {
      for (let p = tap.nextAdvert(buf); p !== null; p = tap.nextAdvert(buf)) {
        const packet = p;
        const mac = multicastMac(packet);
        if (mac === null) continue;
        const from = tap.port;
        const item: Held = {
          send: (): void => {
            for (const other of taps.values()) {
              if (other.port === from) continue;
              out.send(other.ifindex, other.port, ETH_P_IP, mac, packet);
            }
          },
        };
        const wait = Math.max(0, delay! + (Math.random() * 2 - 1) * jitter!);
        item.timer = setTimeout(() => {
          held.delete(item);
          item.send();
        }, wait);
        held.add(item);
      }
    }
  }
  for (const item of held) {
    clearTimeout(item.timer);
    item.send();
  }
  for (const tap of taps.values()) tap.close();
  out.close();
}

if (import.meta.main) {
  await main();
  Deno.exit(0); // the signal listener would keep it alive
}
