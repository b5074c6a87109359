/**
 * The ifupdown importer: Debian's `/etc/network/interfaces` with the ucarp
 * package's `ucarp-*` options, converted into `carp.toml` with a note for
 * everything not carried over as it was.
 * @module
 */

export { importIfupdown } from "./importer.ts";
