import type { ArchiveLimits } from "@caisse/core";
import type { SmtpConfig, TransportConfig } from "@caisse/transports";
import type { ArchivesConfig } from "./archives.js";
import type { CentralCatalogConfig } from "./catalog.js";

/**
 * The shape of caisse-central.json once read (see docs/central-layout.md#caisse-centraljson). Each
 * section is read by its own file of this folder; `validate.ts` puts them together.
 */

export const CONFIG_FILE = "caisse-central.json";

/**
 * One row of the till table: the till software's "remote stations" screen (see
 * docs/central-layout.md#caisse-centraljson).
 */
export interface TillRecord {
  ref: string;
  name: string;
  /** As given: relative to `<root>/tills/`, or absolute (`c:\caisse1\`). */
  path: string;
  enabled: boolean;
  /** `ed25519:<base64>` public key; archives must then be signed with it. */
  key?: string | undefined;
  /** Address to mail the catalogue to. */
  mail?: string | undefined;
  /** CSV encoding to use instead of detecting it (`windows-1252`, `utf-8`...). */
  encoding?: string | undefined;
  /** Our column name to the till's header, for till software with other names. */
  columns?: Record<string, string> | undefined;
}

/** One entry of `sources`: its name, and its kind's config (paths made absolute from the root). */
export interface SourceConfig {
  name: string;
  transport: TransportConfig;
}

export interface CentralConfig {
  tills: TillRecord[];
  sources: SourceConfig[];
  limits: ArchiveLimits;
  /** A till with no archive for longer than this is `late` in the monitor; hours. */
  staleAfterHours: number;
  /** Head office's signing key and where `catalog send` publishes the catalogue. */
  catalog: CentralCatalogConfig;
  /** How long accepted archives are kept under archives/. */
  archives: ArchivesConfig;
  /** The server the central sends mail through; undefined: no mail. */
  smtp: SmtpConfig | undefined;
  /** Not errors, but worth a line in the log: unknown keys, plain FTP. */
  warnings?: string[] | undefined;
}

/** `sources` as `init` writes it, and as it is taken when the file has none. */
export const DEFAULT_SOURCES: readonly Record<string, unknown>[] = [
  { name: "inbox", type: "dir", path: "inbox" },
];
export const DEFAULT_STALE_AFTER_HOURS = 36;
