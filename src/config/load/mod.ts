/**
 * Loading `carp.toml`: the TOML parser, the schema (zod), the rules that
 * span fields and the files the config names. About 12 MB once loaded and
 * never given back, so only short-lived processes load it (`carpd check`,
 * `status`, `import`, `ucarp` and the daemon's own `__load-config` child);
 * the daemon takes its config as text (`../mod.ts`).
 * @module
 */

export { loadConfig, parseConfig } from "./load.ts";
export { parseVipText } from "./schema.ts";
export { groupWarnings } from "./groups.ts";
