/**
 * The limits of docs/security.md#the-checks and the caps on what is read into memory.
 * `declaredSizes.ts` checks them against the headers before a byte is inflated; extraction against
 * the content.
 */

/** How much an archive may hold before it is refused as a probable zip bomb. */
export interface ArchiveLimits {
  /** Most entries (files, folders, manifest and signature together); default 10,000. */
  maxEntries: number;
  /** Largest uncompressed size of one entry, in bytes; default 1 GiB. */
  maxEntryBytes: number;
  /** Largest uncompressed size of all entries together, in bytes; default 2 GiB. */
  maxTotalBytes: number;
  /**
   * Highest uncompressed/compressed ratio of one entry; default 200. Entries smaller than
   * `RATIO_EXEMPT_BYTES` are exempt.
   */
  maxRatio: number;
  /** Longest entry path, in characters (Unicode code points); default 240. */
  maxPathLength: number;
  /** Most levels of an entry path (`a/b/c.csv` has 3); default 16. */
  maxPathDepth: number;
  /** Largest `caisse-manifest.json`, in bytes; default 1 MiB. */
  maxManifestBytes: number;
  /** Longest string (value or key) in the manifest, in characters; default 1,024. */
  maxManifestString: number;
}

export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;

/** The limits of docs/security.md#the-checks, used for every limit the caller does not set. */
export const DEFAULT_LIMITS: Readonly<ArchiveLimits> = Object.freeze({
  maxEntries: 10_000,
  maxEntryBytes: GiB,
  maxTotalBytes: 2 * GiB,
  maxRatio: 200,
  maxPathLength: 240,
  maxPathDepth: 16,
  maxManifestBytes: MiB,
  maxManifestString: 1024,
});

/**
 * Entries whose declared uncompressed size is below this (64 KiB) are exempt from the ratio
 * limit: a small CSV of repeated lines compresses far beyond 200:1, and 64 KiB can harm no one.
 */
export const RATIO_EXEMPT_BYTES = 64 * KiB;

/** Largest `caisse-manifest.json` read into memory by default (1 MiB, about 6,000 listed files). */
export const MAX_MANIFEST_BYTES = DEFAULT_LIMITS.maxManifestBytes;

/**
 * Deepest nesting of arrays and objects in a manifest (a valid one nests 3 deep). Not a limit
 * people need to raise: a bound so that no recursive walk of the parsed value can overflow.
 */
export const MAX_MANIFEST_DEPTH = 32;

/** Largest `caisse-manifest.sig` read into memory (4 KiB; a signature line is about 100 bytes). */
export const MAX_SIGNATURE_BYTES = 4 * KiB;

/** The caller's limits over `DEFAULT_LIMITS`: a limit left out or undefined keeps its default. */
export function resolveLimits(given: Partial<ArchiveLimits> | undefined): ArchiveLimits {
  const limits: ArchiveLimits = { ...DEFAULT_LIMITS };
  for (const key of Object.keys(limits) as (keyof ArchiveLimits)[]) {
    const value = given?.[key];
    if (value !== undefined) limits[key] = value;
  }
  return limits;
}
