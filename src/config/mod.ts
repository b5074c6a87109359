/**
 * The config: what a validated `carp.toml` is (the daemon's view of it),
 * how it fails, how a reload is planned, the check on secret files'
 * permissions, the config as text between processes, and ucarp's flags as
 * a `carp.toml`. Light: loading and validating `carp.toml` (TOML and the
 * schema, 12 MB once loaded) is `load/mod.ts`, which the daemon never
 * loads.
 * @module
 */

export { ConfigError, EXIT_CONFIG } from "./error.ts";
export type {
  CarpVhidConfig,
  CheckConfig,
  Config,
  FileReader,
  GroupConfig,
  MetricsListen,
  TrackInterfaceConfig,
  VhidCommon,
  VhidConfig,
  Vip,
  Vip4,
  Vip6,
  VrrpVhidConfig,
} from "./types.ts";
export { looseSecretFiles } from "./permissions.ts";
export {
  type PlannedVhid,
  planReload,
  type VhidChange,
  vhidKey,
} from "./reload_plan.ts";
export {
  configFromText,
  configToText,
  vhidsFromText,
  vhidsToText,
} from "./transfer.ts";
export { redactSecrets } from "./redact.ts";
export {
  PASSWORD_PLACEHOLDER_FILE,
  translateUcarpFlags,
  type UcarpInvocation,
  UsageError,
} from "./ucarp_flags.ts";
