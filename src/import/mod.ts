/**
 * What the importers share (the importers themselves are
 * `keepalived/mod.ts` and `ifupdown/mod.ts`): what an import returns (the
 * TOML and its notes), how it reads files and how it fails, and the TOML
 * text they write.
 * @module
 */

export {
  EXIT_DATAERR,
  ImportError,
  type ImportFiles,
  type ImportNote,
  type ImportResult,
  sortedNotes,
} from "./result.ts";
export { carpTomlText, tomlString, tomlValue } from "./toml.ts";
