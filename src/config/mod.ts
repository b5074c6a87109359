/**
 * The config file: `carp.toml` loading and validation.
 * @module
 */

export { ConfigError, EXIT_CONFIG } from "./error.ts";
export {
  type CheckConfig,
  type Config,
  type FileReader,
  loadConfig,
  parseConfig,
  type TrackInterfaceConfig,
  type VhidConfig,
} from "./load.ts";
export { looseSecretFiles } from "./permissions.ts";
export {
  type MetricsListen,
  parseMetricsListen,
  parseVipText,
  type Vip,
  type Vip4,
  type Vip6,
} from "./schema.ts";
