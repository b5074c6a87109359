/**
 * The logger. Under systemd (`JOURNAL_STREAM` set) each line starts with its
 * sd-daemon priority (`<3>` error, `<4>` warning, `<6>` info, `<7>` debug)
 * and journald stamps the time; otherwise lines carry an ISO time and the
 * level. Everything goes to stderr. The only module that writes to the
 * console.
 * @module
 */

/** Severity, most severe first. */
export type LogLevel = "error" | "warning" | "info" | "debug";

const RANK: Record<LogLevel, number> = {
  error: 0,
  warning: 1,
  info: 2,
  debug: 3,
};
/** syslog severities of the levels (LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG). */
export const PRIORITY: Record<LogLevel, number> = {
  error: 3,
  warning: 4,
  info: 6,
  debug: 7,
};
const TAG: Record<LogLevel, string> = {
  error: "ERROR",
  warning: "WARNING",
  info: "INFO",
  debug: "DEBUG",
};

/** Where lines go and how they look. */
export interface LoggerOptions {
  /** Lowest level written. */
  level: LogLevel;
  /** sd-daemon prefixes instead of timestamps. */
  journald: boolean;
  /** Receives each finished line (default: stderr). */
  sink?: (line: string) => void;
  /**
   * Receives each message with its level, unformatted, instead of `sink`
   * (syslog formats its own records).
   */
  rawSink?: (level: LogLevel, message: string) => void;
  /** Wall clock for timestamps (default: `Date.now`). */
  clock?: () => number;
}

/** A logger. */
export interface Logger {
  /** Lowest level written; may be changed on reload. */
  level: LogLevel;
  /** Something failed. */
  error(message: string): void;
  /** Something is wrong but carpd carries on. */
  warning(message: string): void;
  /** What carpd did and why (transitions, reloads). */
  info(message: string): void;
  /** Detail for finding a problem. */
  debug(message: string): void;
  /** Whether a level would be written. */
  enabled(level: LogLevel): boolean;
}

const encoder = new TextEncoder();

function stderrSink(line: string): void {
  Deno.stderr.writeSync(encoder.encode(line + "\n"));
}

/**
 * Creates a logger.
 *
 * @param options Level, format and sink.
 * @returns The logger.
 */
export function createLogger(options: LoggerOptions): Logger {
  const sink = options.sink ?? stderrSink;
  const clock = options.clock ?? Date.now;
  const logger: Logger = {
    level: options.level,
    enabled: (level) => RANK[level] <= RANK[logger.level],
    error: (m) => write("error", m),
    warning: (m) => write("warning", m),
    info: (m) => write("info", m),
    debug: (m) => write("debug", m),
  };
  function write(level: LogLevel, message: string): void {
    if (!logger.enabled(level)) return;
    // One record per line: a newline inside a message would forge a record.
    const text = message.replaceAll("\n", "\\n");
    if (options.rawSink !== undefined) {
      options.rawSink(level, text);
      return;
    }
    sink(
      options.journald
        ? `<${PRIORITY[level]}>${text}`
        : `${new Date(clock()).toISOString()} [${TAG[level]}] ${text}`,
    );
  }
  return logger;
}

/**
 * Whether stderr is connected to the journal (systemd sets `JOURNAL_STREAM`).
 *
 * @returns `true` under systemd with journal output.
 */
export function underJournald(): boolean {
  try {
    return (Deno.env.get("JOURNAL_STREAM") ?? "") !== "";
  } catch {
    return false;
  }
}

/**
 * Lets through at most `burst` messages per key and window; then counts the
 * rest and reports how many were suppressed when the window reopens.
 */
export class LogRateLimiter {
  readonly #windowMs: number;
  readonly #burst: number;
  readonly #windows = new Map<
    string,
    { start: number; count: number; suppressed: number }
  >();

  /**
   * A limiter letting `burst` messages of each key through per window.
   *
   * @param windowMs Window length.
   * @param burst Messages let through per window.
   */
  constructor(windowMs = 10_000, burst = 5) {
    this.#windowMs = windowMs;
    this.#burst = burst;
  }

  /**
   * Decides about one message.
   *
   * @param key What kind of message (`"bad_hmac eth1"`).
   * @param now The time.
   * @returns `null` to drop it, or the number of messages suppressed before
   *   it (to mention in the line).
   */
  admit(key: string, now: number): number | null {
    let w = this.#windows.get(key);
    if (w === undefined || now - w.start >= this.#windowMs) {
      const suppressed = w?.suppressed ?? 0;
      if (this.#windows.size > 1000) this.#windows.clear(); // bound memory under attack
      w = { start: now, count: 0, suppressed: 0 };
      this.#windows.set(key, w);
      w.count++;
      return suppressed;
    }
    if (w.count < this.#burst) {
      w.count++;
      return 0;
    }
    w.suppressed++;
    return null;
  }
}

/**
 * Logs a line unless its kind has been said too often lately; the first
 * line let through after a pause says how many were held back.
 *
 * @param log The logger.
 * @param limiter The limiter.
 * @param key What kind of line (`"eth1 bad_hmac"`).
 * @param now The time.
 * @param level The level to log at.
 * @param line The line.
 */
export function logLimited(
  log: Logger,
  limiter: LogRateLimiter,
  key: string,
  now: number,
  level: "error" | "warning" | "debug",
  line: string,
): void {
  const verdict = limiter.admit(key, now);
  if (verdict === null) return;
  log[level](verdict > 0 ? `${line} (${verdict} similar suppressed)` : line);
}
