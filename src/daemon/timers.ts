/**
 * Protocol timers, kept by the receive loop: the loop's poll sleeps until
 * the earliest deadline (to the microsecond, with ppoll) and fires what is
 * due, so an advert or a master-down fires on time instead of a millisecond
 * or two late as JavaScript's timers do.
 * @module
 */

/** Something that calls back at a time. */
export interface Timers {
  /**
   * Calls `fire` at `deadline` (milliseconds, `performance.now()`'s clock).
   *
   * @returns A function that cancels it.
   */
  at(deadline: number, fire: () => void): () => void;
}

interface Entry {
  deadline: number;
  seq: number;
  fire: () => void;
  cancelled: boolean;
}

/** A min-heap of deadlines. */
export class TimerQueue implements Timers {
  readonly #heap: Entry[] = [];
  #seq = 0;
  /** Told when a new deadline is earlier than every pending one. */
  readonly #earlier: (deadline: number) => void;

  /**
   * An empty queue.
   *
   * @param earlier Called when a new earliest deadline is set (the loop
   *   wakes its poll to sleep less).
   */
  constructor(earlier: (deadline: number) => void = () => {}) {
    this.#earlier = earlier;
  }

  at(deadline: number, fire: () => void): () => void {
    const before = this.next();
    const e: Entry = { deadline, seq: this.#seq++, fire, cancelled: false };
    this.#push(e);
    if (before === null || deadline < before) this.#earlier(deadline);
    return () => {
      e.cancelled = true;
    };
  }

  /** The earliest pending deadline, or `null`. */
  next(): number | null {
    while (this.#heap.length > 0 && this.#heap[0]!.cancelled) this.#pop();
    return this.#heap[0]?.deadline ?? null;
  }

  /**
   * Fires every timer due at `now`, earliest first (a timer set while
   * firing fires too if it is due).
   *
   * @param now The time.
   * @returns How many fired.
   */
  runDue(now: number): number {
    let n = 0;
    for (let i = 0; i < 100_000; i++) {
      const next = this.next();
      if (next === null || next > now) break;
      const e = this.#pop()!;
      n++;
      e.fire();
    }
    return n;
  }

  /**
   * Fires the earliest timer if it is due at `now` (one at a time, for a
   * caller that does something between two).
   *
   * @param now The time.
   * @returns Its deadline, or `null` when none was due.
   */
  fireNext(now: number): number | null {
    const next = this.next();
    if (next === null || next > now) return null;
    this.#pop()!.fire();
    return next;
  }

  /** Pending timers (cancelled ones may still count until they surface). */
  get size(): number {
    return this.#heap.length;
  }

  #less(a: Entry, b: Entry): boolean {
    return a.deadline < b.deadline ||
      (a.deadline === b.deadline && a.seq < b.seq);
  }

  #push(e: Entry): void {
    const h = this.#heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#less(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  #pop(): Entry | undefined {
    const h = this.#heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last !== undefined) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.#less(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.#less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}
