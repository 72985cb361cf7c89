import {
  isRecord,
  parseTransport,
  type ConfigChecker,
  type TransportConfig,
} from "@caisse/transports";
import { resolve } from "node:path";

/**
 * `catalog` of caisse-central.json (see docs/central-layout.md#caisse-centraljson): head office's
 * signing key and where `catalog send` publishes the catalogue.
 */
export interface CentralCatalogConfig {
  /** Absolute path of head office's Ed25519 private key (`catalog.key`, default `central.key`). */
  key: string;
  /** True when `catalog.key` is written in the file (not the default). */
  keyConfigured: boolean;
  /** Folders and servers `catalog send` copies the catalogue archive to (`dir`, `ftp`, `sftp`). */
  send: TransportConfig[];
}

/** The private key's file when `catalog.key` is not given, relative to the root. */
export const DEFAULT_CATALOG_KEY = "central.key";

/** Reads `catalog`; `check.base` is the root. Absent: the default key, nowhere to send. */
export function readCatalogSettings(check: ConfigChecker, value: unknown): CentralCatalogConfig {
  const fallback = {
    key: resolve(check.base, DEFAULT_CATALOG_KEY),
    keyConfigured: false,
    send: [],
  };
  if (value === undefined || value === null) return fallback;
  if (!isRecord(value)) {
    check.problem(
      'catalog must be an object such as { "key": "central.key", "send": [{ "type": "dir", "path": "..." }] }',
    );
    return fallback;
  }
  check.knownKeys(value, "catalog.", ["key", "send"]);
  const key = check.path(value, "key", "catalog.", false);
  const send: TransportConfig[] = [];
  if (value.send !== undefined && value.send !== null) {
    if (!Array.isArray(value.send)) check.problem("catalog.send must be an array of destinations");
    else {
      value.send.forEach((entry: unknown, index) => {
        const transport = parseTransport(check, entry, `catalog.send[${index}].`, "transport");
        if (transport !== undefined) send.push(transport);
      });
    }
  }
  return { key: key ?? fallback.key, keyConfigured: key !== undefined, send };
}
