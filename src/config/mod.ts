/**
 * The config file: `carp.toml` loading and validation.
 * @module
 */

export { ConfigError, EXIT_CONFIG } from "./error.ts";
export { loadConfig, parseConfig } from "./load.ts";
export type {
  CarpVhidConfig,
  CheckConfig,
  Config,
  FileReader,
  TrackInterfaceConfig,
  VhidCommon,
  VhidConfig,
  VrrpVhidConfig,
} from "./types.ts";
export { looseSecretFiles } from "./permissions.ts";
export {
  type MetricsListen,
  parseMetricsListen,
  parseVipText,
  type Vip,
  type Vip4,
  type Vip6,
} from "./schema.ts";
