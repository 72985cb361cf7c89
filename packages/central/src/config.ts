/**
 * caisse-central.json and the layout of a central root (see docs/central-layout.md). One file per
 * part in `config/`: the shape, each section's reader, loading and saving, the root's folders.
 */
export * from "./config/types.js";
export * from "./config/paths.js";
export { findTill, requireTill } from "./config/tills.js";
export { validateCentralConfig } from "./config/validate.js";
export { loadCentralConfig, saveCentralConfig } from "./config/file.js";
