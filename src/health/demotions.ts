/**
 * The demotions in force, by vhid and by reason (`check squid`,
 * `interface eth0`, ...). Each vhid's total is what it adds to its advskew.
 * Pure.
 * @module
 */

/** A demotion and its reason. */
export interface Demotion {
  /** Such as `check squid` or `interface eth0`. */
  reason: string;
  /** The advskew it adds. */
  advskew: number;
  /** Set when, while it holds, the vhid may not be MASTER at all (FAULT). */
  fault?: true;
}

/** Demotions per vhid key. */
export class DemotionTable {
  readonly #byVhid = new Map<string, Map<string, Demotion>>();

  /**
   * Replaces every demotion with `wanted` (vhid key -> reason -> demotion).
   *
   * @param wanted The demotions that should be in force.
   * @returns The vhid keys whose demotions changed (reasons or amounts).
   */
  replace(wanted: Map<string, Map<string, Demotion>>): string[] {
    const keys = new Set([...this.#byVhid.keys(), ...wanted.keys()]);
    const changed: string[] = [];
    for (const key of keys) {
      const before = JSON.stringify(this.list(key));
      const next = wanted.get(key);
      if (next === undefined) this.#byVhid.delete(key);
      else this.#byVhid.set(key, new Map(next));
      if (JSON.stringify(this.list(key)) !== before) changed.push(key);
    }
    return changed;
  }

  /** The sum of a vhid's demotions. */
  total(key: string): number {
    let sum = 0;
    for (const d of this.#byVhid.get(key)?.values() ?? []) sum += d.advskew;
    return sum;
  }

  /** A vhid's demotions with their reasons. */
  list(key: string): Demotion[] {
    return [...(this.#byVhid.get(key)?.values() ?? [])].map((d) => ({ ...d }));
  }
}
