/**
 * What one vhid knows of its interface: the link (and its index, to tell a
 * re-created interface), the port's sockets, and its source address in
 * each family of its VIPs, chosen by the core's rules (`src/fsm/source.ts`).
 * Each look at the interface says what changed, as the events the state
 * machine takes; the driver feeds them.
 * @module
 */

import type { VhidConfig } from "../config/mod.ts";
import {
  interfaceEvents,
  type LinkAddress,
  type PeerAddress,
  type SourceRule,
  sourceRules,
  type VhidEvent,
} from "../fsm/mod.ts";
import type { Link } from "./links.ts";
import type { Route, SocketsView } from "./transmit.ts";

/** What a look at the interface found. */
export interface Look {
  /** The interface was re-created: whatever the vhid held went with it. */
  recreated: boolean;
  /** The sources moved: from what, to what (as text). */
  moved: { from: string; to: string } | null;
  /** The events that bring the vhid's faults in line with the interface. */
  events: VhidEvent[];
}

/** A vhid's view of its interface. */
export class InterfaceView {
  readonly #config: () => VhidConfig;
  readonly #rules: readonly SourceRule[];
  #sources: (LinkAddress | null)[];
  #sockets: SocketsView | null = null;
  #link: Link | null = null;
  #linkIndex = 0;
  /** What {@linkcode look} last saw, to skip repeats. */
  #seen = "";

  /**
   * @param config The vhid's settings (read afresh at each look).
   */
  constructor(config: () => VhidConfig) {
    this.#config = config;
    const c = config();
    this.#rules = sourceRules(c.vips, c.source);
    this.#sources = this.#rules.map((r) => r.pick(null, null));
  }

  /** The interface now, `null` while it is missing. */
  get link(): Link | null {
    return this.#link;
  }

  /** The port's sockets, once known. */
  get sockets(): SocketsView | null {
    return this.#sockets;
  }

  /** Where adverts go out now. */
  get route(): Route {
    return {
      sockets: this.#sockets,
      link: this.#link,
      sources: Object.fromEntries(
        this.#rules.map((r, i) => [r.family, this.#sources[i] ?? null]),
      ),
    };
  }

  /** The address peers know the vhid by (its first family's source). */
  get address(): PeerAddress | null {
    const a = this.#sources[0] ?? null;
    return a === null ? null : this.#rules[0]!.key(a);
  }

  /** Every address its adverts go out from now. */
  ownAddresses(): PeerAddress[] {
    return this.#rules.flatMap((r, i) => {
      const a = this.#sources[i] ?? null;
      return a === null ? [] : [r.key(a)];
    });
  }

  /**
   * The source in a family, as text.
   *
   * @param family The family.
   * @returns The address, or `null` when there is none (or no VIP of it).
   */
  sourceText(family: 4 | 6): string | null {
    const i = this.#rules.findIndex((r) => r.family === family);
    const a = this.#sources[i] ?? null;
    return a === null ? null : this.#rules[i]!.text(a);
  }

  /** Forgets what was seen: the next look reports everything afresh. */
  forget(): void {
    this.#seen = "";
  }

  /**
   * Looks at the interface.
   *
   * @param sockets The port's sockets.
   * @param link The interface now, or `null` when it is missing.
   * @returns What changed, or `null` when nothing did.
   */
  look(sockets: SocketsView, link: Link | null): Look | null {
    const rules = this.#rules;
    const picked = rules.map((r, i) => r.pick(link, this.#sources[i] ?? null));
    const families = rules.map((r) => r.family);
    const seen = `${link?.index ?? 0} ${link?.usable} ${sockets.open} ${
      families.map((f) => sockets.has(f))
    } ${sockets.error} ${
      picked.map((a, i) => a === null ? null : rules[i]!.text(a))
    }`;
    // Repeats of what the vhid already knows change nothing.
    if (seen === this.#seen && sockets === this.#sockets) {
      this.#link = link;
      return null;
    }
    this.#seen = seen;
    this.#sockets = sockets;
    const recreated = link !== null && this.#linkIndex !== 0 &&
      link.index !== this.#linkIndex;
    this.#link = link;
    this.#linkIndex = link?.index ?? 0;
    let moved: Look["moved"] = null;
    if (picked.some((a, i) => !rules[i]!.same(a, this.#sources[i] ?? null))) {
      const from = this.#text();
      this.#sources = picked;
      moved = { from, to: this.#text() };
    }
    const c = this.#config();
    const missingSource =
      rules.find((_, i) => picked[i] === null)?.missing(c.interface) ?? null;
    const error = sockets.error;
    const events = interfaceEvents(c.interface, {
      present: link !== null && sockets.open &&
        families.every((f) => sockets.has(f)),
      usable: link?.usable ?? false,
      missingSource,
      ...(link !== null && error !== null ? { error } : {}),
    }, c.ignoreLinkState);
    return { recreated, moved, events };
  }

  /**
   * An address of the interface came or went: whether it may move a source.
   *
   * @param address The address.
   * @param removed Whether it went.
   * @returns `true` when the vhid should look again.
   */
  concerns(address: LinkAddress, removed: boolean): boolean {
    return this.#rules.some((r, i) =>
      r.concerned(address, removed, this.#sources[i] ?? null)
    );
  }

  #text(): string {
    return this.#rules.map((r, i) => {
      const a = this.#sources[i] ?? null;
      return a === null ? "none" : r.text(a);
    }).join(" and ");
  }
}
