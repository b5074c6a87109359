/**
 * What an importer returns (the TOML and its notes, in order), how it reads
 * files, and how it fails.
 * @module
 */

/** Something of the source that was not carried over, or changed meaning. */
export interface ImportNote {
  /** The file it is in. */
  file: string;
  /** Its line, 1-based. */
  line: number;
  /** What it was and why it was not carried over (or how it changed). */
  text: string;
}

/** A converted config. */
export interface ImportResult {
  /** A complete `carp.toml` that passes `carpd check`. */
  toml: string;
  /** Everything not carried over as it was, in source order. */
  notes: ImportNote[];
}

/**
 * Notes in the order to report them, without what they were sorted by.
 *
 * @param notes The notes, in the order they were taken.
 * @param compare Orders two notes; notes it finds equal keep the order they
 *   were taken in.
 * @returns Each note's file, line and text, sorted.
 */
export function sortedNotes<T extends ImportNote>(
  notes: readonly T[],
  compare: (a: T, b: T) => number,
): ImportNote[] {
  return notes
    .map((n, i) => ({ n, i }))
    .sort((a, b) => compare(a.n, b.n) || a.i - b.i)
    .map(({ n }) => ({ file: n.file, line: n.line, text: n.text }));
}

/** How importers reach the file system (injectable for tests). */
export interface ImportFiles {
  /** A file's text; throws when it cannot be read. */
  read(path: string): string;
  /**
   * The files a pattern names (`source` and `include` take shell globs),
   * sorted; relative patterns are taken from the directory of `from`.
   */
  expand(pattern: string, from: string): string[];
}

/** EX_DATAERR: the input is malformed. */
export const EXIT_DATAERR = 65;

/** The input cannot be understood; names where. */
export class ImportError extends Error {
  /** The error's name. */
  override name = "ImportError";
  /** The file. */
  readonly file: string;
  /** The line, 1-based. */
  readonly line: number;

  /**
   * An error at a line of a file, its message `file:line: what`.
   *
   * @param file The file.
   * @param line The line, 1-based.
   * @param what What is wrong there.
   */
  constructor(file: string, line: number, what: string) {
    super(`${file}:${line}: ${what}`);
    this.file = file;
    this.line = line;
  }
}
