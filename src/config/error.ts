/**
 * The config error and its exit code.
 * @module
 */

/** The exit code for a bad config (EX_CONFIG from sysexits.h). */
export const EXIT_CONFIG = 78;

/** A config that cannot be used; `problems` holds one line per issue. */
export class ConfigError extends Error {
  /** The error's name. */
  override name = "ConfigError";
  /** Each problem, as `key.path: what is wrong; what is allowed`. */
  readonly problems: readonly string[];

  /**
   * A config error.
   *
   * @param file The config's name, for the message.
   * @param problems One line per problem.
   */
  constructor(file: string, problems: string[]) {
    super(`Cannot use config "${file}":\n  ${problems.join("\n  ")}`);
    this.problems = problems;
  }
}
