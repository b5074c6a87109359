/**
 * The campaign's network: `scripts/lab.sh`'s LAN (a bridge in a switch
 * namespace, hosts with an `eth0` each, a client) under a lab name and
 * subnet of its own, a macvlan sub-interface `mv0` on each host's eth0 (this
 * kernel has no 802.1q), and the faults done to it: cables cut and deleted,
 * the macvlan set down or deleted, loss and partitions in the switch
 * (nftables, bridge family: this kernel has no netem), adverts dropped by a
 * host's own firewall (nftables output rule, so sending fails as on a real
 * firewall), and adverts between boxes dropped while the delayer
 * (`delay_relay.ts`) carries them late.
 * Addresses are private and exist only inside these namespaces.
 * @module
 */

import { sh } from "../../test/integration/lab.ts";
import { NET, NET6, ownAddress } from "./configs.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const LAB_SH = `${ROOT}scripts/lab.sh`;
const decoder = new TextDecoder();

/** The nftables table every rule of the campaign goes in. */
const TABLE = "chaos";
/** What the switch does to frames now. */
export interface SwitchRules {
  /** Fraction of frames dropped, 0 for none. */
  loss: number;
  /** Each box's side of a partition, or `null` for none. */
  sides: number[] | null;
  /** Adverts between boxes left to the delayer (it carries them late). */
  delay: boolean;
}

/** The addresses of one box, by interface (none when it has no such link). */
export type Addresses = Map<string, string[]>;

/** The network. */
export class Group {
  readonly lab: string;
  readonly boxes: number;

  private constructor(lab: string, boxes: number) {
    this.lab = lab;
    this.boxes = boxes;
  }

  /**
   * Builds the LAN, the macvlans and the empty rule tables (deleting
   * whatever an earlier run of the same lab name left).
   *
   * @param lab The lab name: namespaces `<lab>-sw`, `<lab>-h1`.., `<lab>-cl`.
   * @param boxes How many hosts.
   * @returns The group's network.
   */
  static async up(lab: string, boxes: number): Promise<Group> {
    const g = new Group(lab, boxes);
    try {
      await g.#build();
    } catch (e) {
      await g.down().catch(() => {}); // nothing half-built stays
      throw e;
    }
    return g;
  }

  async #build(): Promise<void> {
    const boxes = this.boxes;
    await this.#labSh("up", String(boxes));
    await this.#nft(
      this.switchNs,
      `add table bridge ${TABLE}
add chain bridge ${TABLE} forward { type filter hook forward priority 0; policy accept; }
`,
    );
    for (let b = 0; b < boxes; b++) {
      await this.createMacvlan(b);
      await this.#nft(
        this.ns(b),
        `add table ip ${TABLE}
add chain ip ${TABLE} output { type filter hook output priority 0; policy accept; }
`,
      );
    }
  }

  /** Deletes every namespace of the lab and kills what runs in them. */
  async down(): Promise<void> {
    await this.#labSh("down");
  }

  /** Box `b`'s namespace. */
  ns(b: number): string {
    return `${this.lab}-h${b + 1}`;
  }

  /** The switch's namespace. */
  get switchNs(): string {
    return `${this.lab}-sw`;
  }

  /** The client's namespace (a neighbour on the LAN). */
  get clientNs(): string {
    return `${this.lab}-cl`;
  }

  /** The client's address. */
  get clientAddress(): string {
    return `${NET}.100`;
  }

  /** Unplugs box `b`'s cable at the switch (its eth0 and mv0 lose carrier). */
  async cut(b: number): Promise<void> {
    await this.#labSh("cut", `h${b + 1}`);
  }

  /** Plugs it back. */
  async plug(b: number): Promise<void> {
    await this.#labSh("plug", `h${b + 1}`);
  }

  /** Deletes box `b`'s eth0 (its switch port, and the macvlan on it, go too). */
  async deleteEth0(b: number): Promise<void> {
    await this.#labSh("unlink", `h${b + 1}`);
  }

  /** Creates box `b`'s eth0 again (new index and MAC), then its macvlan. */
  async recreateEth0(b: number): Promise<void> {
    await this.#labSh("relink", `h${b + 1}`);
    await this.createMacvlan(b);
  }

  /** Sets box `b`'s macvlan administratively down or up. */
  async setMacvlan(b: number, up: boolean): Promise<void> {
    await this.#ip(b, ["link", "set", "mv0", up ? "up" : "down"]);
  }

  /** Deletes box `b`'s macvlan. */
  async deleteMacvlan(b: number): Promise<void> {
    await this.#ip(b, ["link", "del", "mv0"]);
  }

  /** Creates box `b`'s macvlan on its eth0, with its address, up. */
  async createMacvlan(b: number): Promise<void> {
    await this.#ip(b, [
      "link",
      "add",
      "link",
      "eth0",
      "name",
      "mv0",
      "type",
      "macvlan",
      "mode",
      "bridge",
    ]);
    await this.#ip(b, [
      "addr",
      "add",
      `${ownAddress(b, "mv0")}/24`,
      "dev",
      "mv0",
    ]);
    await this.#ip(b, ["link", "set", "mv0", "up"]);
  }

  /**
   * Replaces the switch's rules: random loss on every frame it forwards,
   * frames between boxes on different sides of a partition dropped (the
   * client reaches every box), adverts from boxes dropped (the delayer
   * sends them on, late).
   */
  async setSwitch(r: SwitchRules): Promise<void> {
    const rules = [`flush chain bridge ${TABLE} forward`];
    if (r.loss > 0) {
      rules.push(
        `add rule bridge ${TABLE} forward numgen random mod 1000 < ${
          Math.round(r.loss * 1000)
        } drop`,
      );
    }
    if (r.delay) {
      rules.push(
        `add rule bridge ${TABLE} forward iifname "h*" ether type ip ip protocol 112 drop`,
      );
    }
    const sides = r.sides;
    if (sides !== null) {
      for (let a = 0; a < this.boxes; a++) {
        for (let b = 0; b < this.boxes; b++) {
          if (sides[a] === sides[b]) continue;
          rules.push(
            `add rule bridge ${TABLE} forward iifname "h${a + 1}" oifname "h${
              b + 1
            }" drop`,
          );
        }
      }
    }
    await this.#nft(this.switchNs, rules.join("\n") + "\n");
  }

  /**
   * Drops (or stops dropping) box `b`'s outgoing adverts (IP protocol 112,
   * CARP and VRRP alike): its sends fail with EPERM.
   */
  async firewall(b: number, on: boolean): Promise<void> {
    const rules = [`flush chain ip ${TABLE} output`];
    if (on) rules.push(`add rule ip ${TABLE} output ip protocol 112 drop`);
    await this.#nft(this.ns(b), rules.join("\n") + "\n");
  }

  /**
   * Box `b`'s addresses by interface (`ip -j addr`), without prefix
   * lengths; `null` when `ip` fails (the namespace is gone).
   */
  async addresses(b: number): Promise<Addresses | null> {
    const r = await new Deno.Command("ip", {
      args: ["-n", this.ns(b), "-j", "addr", "show"],
      stdout: "piped",
      stderr: "null",
    }).output();
    if (!r.success) return null;
    const out: Addresses = new Map();
    try {
      const links = JSON.parse(decoder.decode(r.stdout)) as {
        ifname?: string;
        addr_info?: { local?: string }[];
      }[];
      for (const l of links) {
        if (l.ifname === undefined || l.ifname === "lo") continue;
        out.set(
          l.ifname,
          (l.addr_info ?? []).flatMap((a) =>
            a.local === undefined ? [] : [a.local]
          ),
        );
      }
    } catch {
      return null;
    }
    return out;
  }

  /** Runs `ip` in box `b`'s namespace. */
  async #ip(b: number, args: string[]): Promise<void> {
    await sh(["ip", "-n", this.ns(b), ...args]);
  }

  async #labSh(...args: string[]): Promise<void> {
    await sh([LAB_SH, ...args], {
      LAB: this.lab,
      LAB_NET: NET,
      LAB_NET6: NET6,
    });
  }

  /** Feeds a script to `nft -f -` in a namespace, atomically. */
  async #nft(ns: string, script: string): Promise<void> {
    const child = new Deno.Command("ip", {
      args: ["netns", "exec", ns, "nft", "-f", "-"],
      stdin: "piped",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(script));
    await writer.close();
    const r = await child.output();
    if (!r.success) {
      throw new Error(
        `nft in ${ns} failed (${r.code}): ${
          decoder.decode(r.stderr).trim()
        }\n${script}`,
      );
    }
  }
}
