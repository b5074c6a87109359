/**
 * `carpd events`: the daemon's ordered event stream. Every event gets the
 * next sequence number and the wall-clock time; each reader first gets the
 * current state of every vhid and group (as `vhid_state` and `group_state`
 * lines, numbered like events), then every event from then on, in order,
 * until it goes away. A reader holds a bounded buffer: one that falls too
 * far behind gets an `overflow` line and is closed, and the others never
 * wait for it. Readers outlive reloads (the stream is the daemon's).
 * @module
 */

/** One line of the stream, before it is numbered. */
export interface EventFields {
  /** `transition`, `group_transition`, `demotions`, `hook`, `reload`... */
  type: string;
  /** The event's own fields. */
  [field: string]: unknown;
}

/** Where the daemon's parts publish events. */
export interface EventSink {
  /** Numbers an event and hands it to every reader. */
  publish(e: EventFields): void;
}

/** Lines a reader may have waiting before it is closed. */
export const READER_BUFFER_LINES = 4096;

/** One reader: its waiting lines, read in order. */
export class EventReader {
  readonly #lines: string[] = [];
  readonly #limit: number;
  #wake: (() => void) | null = null;
  #closed = false;
  #unsubscribe: () => void = () => {};

  /**
   * An empty reader.
   *
   * @param limit Lines it may have waiting before it is closed.
   */
  constructor(limit: number) {
    this.#limit = limit;
  }

  /** Whether it was closed (by overflow, its reader or the daemon). */
  get closed(): boolean {
    return this.#closed;
  }

  /** @internal Queues a line; on overflow queues the overflow line and closes. */
  push(line: string, overflow: () => string): void {
    if (this.#closed) return;
    if (this.#lines.length >= this.#limit) {
      this.#lines.push(overflow());
      this.close();
      return;
    }
    this.#lines.push(line);
    this.#wake?.();
  }

  /** @internal Called once subscribed. */
  bind(unsubscribe: () => void): void {
    this.#unsubscribe = unsubscribe;
  }

  /**
   * The next line, waiting for one; `null` once closed and drained.
   *
   * @returns The line.
   */
  async next(): Promise<string | null> {
    for (;;) {
      const line = this.#lines.shift();
      if (line !== undefined) return line;
      if (this.#closed) return null;
      await new Promise<void>((resolve) => this.#wake = resolve);
      this.#wake = null;
    }
  }

  /** Stops reading (what is queued can still be drained). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#unsubscribe();
    this.#wake?.();
  }
}

/** The daemon's event stream. */
export class EventBus implements EventSink {
  #seq = 0;
  readonly #readers = new Set<EventReader>();
  readonly #wallMs: () => number;

  /**
   * A stream with no reader yet.
   *
   * @param wallMs The wall clock, in epoch milliseconds.
   */
  constructor(wallMs: () => number) {
    this.#wallMs = wallMs;
  }

  /** Readers connected now. */
  get readers(): number {
    return this.#readers.size;
  }

  /**
   * Numbers an event and hands it to every reader (a cheap no-op but for
   * the number when nobody reads).
   *
   * @param e The event.
   */
  publish(e: EventFields): void {
    const seq = ++this.#seq;
    if (this.#readers.size === 0) return;
    const line = this.#line(seq, e);
    for (const r of this.#readers) {
      r.push(line, () => this.#line(++this.#seq, { type: "overflow" }));
    }
  }

  /**
   * A new reader: the current state first, then every event.
   *
   * @param snapshot The current state of every vhid and group.
   * @param limit Lines it may have waiting before it is closed.
   * @returns The reader.
   */
  subscribe(
    snapshot: readonly EventFields[],
    limit = READER_BUFFER_LINES,
  ): EventReader {
    const r = new EventReader(limit);
    const overflow = (): string =>
      this.#line(++this.#seq, { type: "overflow" });
    for (const e of snapshot) r.push(this.#line(++this.#seq, e), overflow);
    this.#readers.add(r);
    r.bind(() => this.#readers.delete(r));
    return r;
  }

  /** Closes every reader (the daemon stops). */
  closeAll(): void {
    for (const r of [...this.#readers]) r.close();
  }

  #line(seq: number, e: EventFields): string {
    return JSON.stringify({
      seq,
      time: new Date(this.#wallMs()).toISOString(),
      ...e,
    });
  }
}
