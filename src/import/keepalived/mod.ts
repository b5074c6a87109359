/**
 * The keepalived importer: a `keepalived.conf` (VRRP part), with the files it
 * includes, converted into `carp.toml` with a note for everything not carried
 * over as it was.
 * @module
 */

export { importKeepalived, type KeepalivedImportOptions } from "./importer.ts";
export type { Protocol } from "./model.ts";
