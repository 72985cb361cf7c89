import { createSource as createTransportSource, type Source } from "@caisse/transports";
import type { CentralConfig, CentralPaths, SourceConfig } from "./config.js";

/** The source described by one entry of `sources` in the config (its kind's folder builds it). */
export function createSource(
  source: SourceConfig,
  config: CentralConfig,
  paths: CentralPaths,
  env: Readonly<Record<string, string | undefined>>,
  signal: AbortSignal | undefined,
  onProgress?: (done: number, total: number) => void,
): Source {
  // An archive is never larger than what it may hold once extracted (plus the zip's own records).
  return createTransportSource(source.transport, source.name, {
    env,
    signal,
    maxDownloadBytes: config.limits.maxTotalBytes + 1024 * 1024,
    // What a source remembers between runs (see docs/central-layout.md, `.caisse/`).
    stateDir: paths.work,
    onProgress,
  });
}
