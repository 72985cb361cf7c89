import { archiveTransportName, parseArchiveTransportName } from "../archive/transportName.js";
import { KiB, MiB, type ArchiveLimits } from "../archive/read/limits.js";

/**
 * The catalogue head office publishes to the tills (see docs/catalogue.md): an archive of the
 * usual format whose manifest says `"kind": "catalog"`, holding exactly `articles.csv` and
 * `familles.csv`, signed with head office's key.
 */

/** The files of a catalogue, under the names the archive and the till's catalogue folder use. */
export const CATALOG_FILES = ["articles.csv", "familles.csv"] as const;
export type CatalogFileName = (typeof CATALOG_FILES)[number];

/** The manifest's `till` and `name` in a catalogue: head office, not a till. */
export const CATALOG_PUBLISHER = { till: "CENTRAL", name: "Catalogue" } as const;

/** The first part of a catalogue archive's name: `CATALOG_20261130T203000_000007.zip`. */
export const CATALOG_NAME_PREFIX = "CATALOG";

export function catalogArchiveName(created: Date | string, sequence: number): string {
  return archiveTransportName(CATALOG_NAME_PREFIX, created, sequence);
}

/** The sequence of a catalogue archive's name; undefined for any other name. */
export function catalogSequenceOfName(name: string): number | undefined {
  const parts = parseArchiveTransportName(name);
  return parts?.till === CATALOG_NAME_PREFIX ? parts.sequence : undefined;
}

/** Largest catalogue file (CSV) head office may publish, and a till accepts: 32 MiB. */
export const MAX_CATALOG_FILE_BYTES = 32 * MiB;

/** Largest catalogue archive a till reads or downloads: 64 MiB. */
export const MAX_CATALOG_ARCHIVE_BYTES = 64 * MiB;

/**
 * The archive reader's limits for a catalogue, far below a till archive's: two files, the
 * manifest and its signature (a catalogue is untrusted input until its signature is checked,
 * and the structure is checked before that).
 */
export const CATALOG_LIMITS: Readonly<Partial<ArchiveLimits>> = Object.freeze({
  maxEntries: 4,
  maxEntryBytes: MAX_CATALOG_FILE_BYTES,
  maxTotalBytes: 2 * MAX_CATALOG_FILE_BYTES,
  maxManifestBytes: 16 * KiB,
});
