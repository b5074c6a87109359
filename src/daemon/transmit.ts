/**
 * A vhid's transmit path: its adverts encoded by its protocol's encoder,
 * sent over each family it has to each destination (the group, each
 * unicast peer, or the Ethernet broadcast), counted, and the send-error
 * verdict kept: after failed sends in a row the vhid is demoted until
 * sends work again, and while it is demoted and not MASTER a probe (vhid
 * 0, which no box serves) tests the way out now and then.
 * @module
 */

import type { SyscallError } from "../../ffi/errors.ts";
import type { VhidConfig } from "../config/mod.ts";
import type { ElectionAdvert } from "../fsm/mod.ts";
import { SEND_ERROR_DEMOTION, SendErrorTracker } from "../fsm/mod.ts";
import {
  BROADCAST_MAC,
  CARP6_GROUP,
  ETHERTYPE_IPV4,
  type Ipv6,
} from "../net/mod.ts";
import { type Logger, logLimited, type LogRateLimiter } from "../log.ts";
import {
  type AdvertEncoder,
  advertEncoder,
  type AdvertIdentity,
  identityOf,
  type PreparedAdvert,
} from "../wire/mod.ts";
import type { Cancel, Clock } from "./clock.ts";
import type { VhidCounters } from "./counters.ts";
import type { Link } from "./links.ts";
import type { FrameSender } from "./vip_addresses.ts";

/** Sends while demoted for send errors and not MASTER: at most this often. */
const PROBE_MIN_INTERVAL_MS = 1000;
/** The vhid id no CARP or VRRP box serves: probes use it. */
const PROBE_VHID = 0;

/** Sends one packet of a family on an interface (a raw socket). */
export interface PacketSender<A> {
  send(
    bytes: Uint8Array,
    destination: A,
    source: A | null,
  ): SyscallError | null;
}

/** A vhid's view of its interface's sockets (a port). */
export interface SocketsView {
  /** Whether the port is open (its interface is there and took a socket). */
  readonly open: boolean;
  /** Whether the socket of a family is open. */
  has(family: 4 | 6): boolean;
  /** The IPv4 socket, or `null` while the interface is missing. */
  readonly socket: PacketSender<number> | null;
  /** The IPv6 socket, `null` while missing or not wanted. */
  readonly socket6: PacketSender<Uint8Array> | null;
  /** Why the sockets could not be opened, if they could not. */
  readonly error: string | null;
}

/** What the transmit path needs from its vhid and the daemon. */
export interface TransmitContext {
  /** `vhid 3`, for messages. */
  name: string;
  clock: Clock;
  log: Logger;
  limiter: LogRateLimiter;
  frames: FrameSender;
  counters: VhidCounters;
  /** The send-error demotion started or ended. */
  demotionChanged(): void;
}

/** Where adverts go out now. */
export interface Route {
  /** The sockets. */
  sockets: SocketsView | null;
  /** The interface, `null` while missing. */
  link: Link | null;
  /**
   * The source in each family of the vhid's VIPs (`null` while there is
   * none); a family left out is not advertised over.
   */
  sources: Partial<Record<4 | 6, number | Ipv6 | null>>;
}

/** A vhid's transmit path. */
export class Transmitter {
  readonly #ctx: TransmitContext;
  #config: VhidConfig;
  /** One per identity sent under, the one in force last. */
  #encoders: AdvertEncoder[];
  #route: Route = { sockets: null, link: null, sources: {} };
  readonly #sends = new SendErrorTracker();
  #probe: Cancel | null = null;

  /**
   * @param config The vhid's settings.
   * @param ctx What it needs.
   */
  constructor(
    config: VhidConfig,
    ctx: TransmitContext,
    identities: readonly AdvertIdentity[] = [identityOf(config)],
  ) {
    this.#ctx = ctx;
    this.#config = config;
    this.#encoders = identities.map((i) => advertEncoder(config, i));
  }

  /** The encoder of the identity in force (for the warm-up). */
  get encoder(): AdvertEncoder {
    return this.#encoders.at(-1)!;
  }

  /**
   * New settings (a reload's update), or new identities to send under (a
   * roll-out window opened or closed).
   *
   * @param config The vhid's settings.
   * @param identities Each advert goes out under each, in this order (the
   *   one in force last).
   */
  configure(
    config: VhidConfig,
    identities: readonly AdvertIdentity[] = [identityOf(config)],
  ): void {
    this.#config = config;
    this.#encoders = identities.map((i) => advertEncoder(config, i));
  }

  /**
   * Where adverts go out from now.
   *
   * @param route Sockets, link and sources.
   */
  route(route: Route): void {
    this.#route = route;
  }

  /** Whether a probe is scheduled. */
  get probing(): boolean {
    return this.#probe !== null;
  }

  /** Whether sends fail enough to demote. */
  get demoted(): boolean {
    return this.#sends.demoted;
  }

  /** The send-error demotion, as health demotions are shown. */
  demotion(): { reason: string; advskew: number } | null {
    return this.#sends.demoted
      ? { reason: this.#sends.reason, advskew: SEND_ERROR_DEMOTION }
      : null;
  }

  /**
   * Sends an advert over each family the vhid has.
   *
   * @param advert What the election says to send.
   */
  send(advert: ElectionAdvert): void {
    this.#transmit(advert, this.#config.id, false);
  }

  /**
   * Probes while demoted for send errors and not MASTER (nothing else would
   * find out that packets leave again); stops probing otherwise.
   *
   * @param wanted Whether to probe.
   * @param everyMs The vhid's advert interval.
   * @param probe The advert to probe with (the vhid's bow-out).
   */
  probe(wanted: boolean, everyMs: number, probe: () => ElectionAdvert): void {
    if (!wanted || !this.#sends.demoted) {
      this.#probe?.();
      this.#probe = null;
      return;
    }
    if (this.#probe !== null) return;
    this.#probe = this.#ctx.clock.after(
      Math.max(PROBE_MIN_INTERVAL_MS, everyMs),
      () => {
        this.#probe = null;
        this.#transmit(probe(), PROBE_VHID, true);
        this.probe(true, everyMs, probe);
      },
    );
  }

  /** Stops probing for good (the vhid stops). */
  stop(): void {
    this.#probe?.();
    this.#probe = null;
  }

  #transmit(advert: ElectionAdvert, id: number, probe: boolean): void {
    const { link, sockets } = this.#route;
    if (link === null || sockets === null) return; // FAULT: no way out
    const failures: SyscallError[] = [];
    const source4 = this.#route.sources[4] as number | null | undefined;
    const source6 = this.#route.sources[6] as Ipv6 | null | undefined;
    // During a roll-out, copies under the earlier keys go first (see
    // src/wire/rollout.ts); only the one in force counts as sent.
    const encoders = probe ? [this.encoder] : this.#encoders;
    let sent = 0;
    for (let i = 0; i < encoders.length; i++) {
      const prepared = encoders[i]!(advert, id);
      let n = 0;
      if (
        source4 !== undefined && source4 !== null && sockets.socket !== null
      ) {
        n += this.#send4(link, sockets.socket, source4, failures, prepared);
      }
      if (
        source6 !== undefined && source6 !== null && sockets.socket6 !== null
      ) {
        n += this.#send6(sockets.socket6, source6, failures, prepared);
      }
      if (i === encoders.length - 1) sent = n;
    }
    if (sent === 0 && failures.length === 0) return; // no socket or source
    const c = this.#ctx.counters;
    if (!probe) c.advertsSent += sent;
    for (const err of failures) {
      c.sendErrors.set(err.code, (c.sendErrors.get(err.code) ?? 0) + 1);
      logLimited(
        this.#ctx.log,
        this.#ctx.limiter,
        `${this.#ctx.name} send`,
        this.#ctx.clock.now(),
        "warning",
        `${this.#ctx.name}: ${
          probe ? "probe" : "advert"
        } not sent: ${err.message}`,
      );
    }
    const verdict = this.#sends.record(failures.at(-1)?.code ?? null);
    if (!verdict.changed) return;
    if (verdict.demoted) {
      this.#ctx.log.warning(
        `${this.#ctx.name}: ${this.#sends.reason}: its adverts cannot leave; demoted +${SEND_ERROR_DEMOTION} until they can`,
      );
    } else {
      this.#ctx.log.info(
        `${this.#ctx.name}: adverts leave again; demotion for send errors ended`,
      );
    }
    this.#ctx.demotionChanged();
  }

  /** The IPv4 advert: to the group, each unicast peer, or broadcast. */
  #send4(
    link: Link,
    socket: PacketSender<number>,
    source: number,
    failures: SyscallError[],
    prepared: PreparedAdvert,
  ): number {
    const c = this.#config;
    const id = this.#ctx.clock.random32() & 0xffff;
    const destinations = c.mode === "unicast" ? c.peers : [c.group];
    let sent = 0;
    // Each peer on its own: one refusing does not stop the others.
    for (const destination of destinations) {
      const bytes = prepared.ipv4(source, destination, id);
      const err = c.mode === "broadcast"
        ? this.#ctx.frames.send(
          link.index,
          link.name,
          ETHERTYPE_IPV4,
          BROADCAST_MAC,
          bytes,
        )
        : socket.send(bytes, destination, null);
      if (err === null) sent++;
      else failures.push(err);
    }
    return sent;
  }

  /** The IPv6 advert: to ff02::12 or each unicast IPv6 peer. */
  #send6(
    socket: PacketSender<Uint8Array>,
    source: Ipv6,
    failures: SyscallError[],
    prepared: PreparedAdvert,
  ): number {
    const c = this.#config;
    const destinations = c.mode === "unicast" ? c.peers6 : [CARP6_GROUP];
    let sent = 0;
    for (const d of destinations) {
      const err = socket.send(prepared.ipv6(source, d), d, source);
      if (err === null) sent++;
      else failures.push(err);
    }
    return sent;
  }
}
