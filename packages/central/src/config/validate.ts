import { configFileError } from "@caisse/cli";
import type { CaisseError } from "@caisse/core";
import { ConfigChecker, isRecord } from "@caisse/transports";
import { dirname } from "node:path";
import { readLimits, readSources, readStaleAfterHours } from "./sections.js";
import { readTills } from "./tills.js";
import { readCatalogSettings } from "./catalog.js";
import { readArchivesSettings } from "./archives.js";
import { readSmtpSettings } from "./smtp.js";
import type { CentralConfig } from "./types.js";

export const CONFIG_DOCS = { docs: "docs/central-layout.md" };

export function configError(path: string, problems: string[], notes: string[] = []): CaisseError {
  return configFileError(path, problems, { ...CONFIG_DOCS, notes });
}

/**
 * The top-level keys of caisse-central.json. A section is one file of this folder with its reader,
 * one key here and one line in `validateCentralConfig`; any other key is warned about, not refused.
 */
const TOP_LEVEL_KEYS = [
  "$schema",
  "tills",
  "sources",
  "limits",
  "staleAfterHours",
  "catalog",
  "archives",
  "smtp",
] as const;

/** Parse, normalise and validate, reporting every problem at once (E_CONFIG). */
export function validateCentralConfig(value: unknown, path: string): CentralConfig {
  if (!isRecord(value)) throw configError(path, ["the file must hold a JSON object"]);
  // Relative paths of sources start at the root, the config's folder.
  const check = new ConfigChecker(dirname(path));
  check.knownKeys(value, "", TOP_LEVEL_KEYS);
  const config: CentralConfig = {
    tills: readTills(check, value.tills),
    sources: readSources(check, value.sources),
    limits: readLimits(check, value.limits),
    staleAfterHours: readStaleAfterHours(check, value.staleAfterHours),
    catalog: readCatalogSettings(check, value.catalog),
    archives: readArchivesSettings(check, value.archives),
    smtp: readSmtpSettings(check, value.smtp),
  };
  if (check.problems.length > 0) throw configError(path, check.problems, check.warnings);
  config.warnings = check.warnings.map((warning) => `${path}: ${warning}`);
  return config;
}
