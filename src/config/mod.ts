/**
 * The config file: `carp.toml` loading and validation.
 * @module
 */

export {
  type CheckConfig,
  type Config,
  ConfigError,
  EXIT_CONFIG,
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
