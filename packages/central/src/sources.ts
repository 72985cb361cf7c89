import { createDirSource, type Source } from "@caisse/transports";
import { isAbsolute, resolve } from "node:path";
import type { CentralPaths, SourceConfig } from "./config.js";

/**
 * The source described by one entry of `sources` in the config; relative paths from the root.
 * Only `dir` exists in this version (the config validator refuses the others by key); `ftp` and
 * `imap` sources implement the same `Source` interface and join here.
 */
export function createSource(config: SourceConfig, paths: CentralPaths): Source {
  return createDirSource({
    name: config.name,
    path: isAbsolute(config.path) ? config.path : resolve(paths.root, config.path),
  });
}
