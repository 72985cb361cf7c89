import { CATALOG_LIMITS, catalogSequenceOfName, openArchive, sha256Hex } from "@caisse/core";
import { join } from "node:path";
import type { CentralPaths } from "../config.js";
import { listFolder } from "../journalCheck.js";

/**
 * The catalogue archives `catalog export` built, kept under `catalog/published/` (see
 * docs/catalogue.md): the last one is what `catalog send` publishes, and its sequence and manifest
 * are what the next one continues.
 */
export function publishedFolder(paths: CentralPaths): string {
  return join(paths.catalog, "published");
}

export interface PublishedCatalog {
  path: string;
  name: string;
  sequence: number;
}

/** The catalogue with the highest sequence under catalog/published/, if any. */
export async function lastPublished(paths: CentralPaths): Promise<PublishedCatalog | undefined> {
  const folder = publishedFolder(paths);
  let last: PublishedCatalog | undefined;
  for (const entry of await listFolder(folder)) {
    const sequence = catalogSequenceOfName(entry.name);
    if (!entry.isFile() || sequence === undefined) continue;
    if (last === undefined || sequence > last.sequence)
      last = { path: join(folder, entry.name), name: entry.name, sequence };
  }
  return last;
}

/** The SHA-256 of a published catalogue's manifest: the next one's `previous`. */
export async function manifestSha256Of(path: string): Promise<string | null> {
  const archive = await openArchive(path, { limits: CATALOG_LIMITS });
  try {
    return archive.manifest === undefined ? null : sha256Hex(archive.manifest.bytes);
  } finally {
    await archive.close();
  }
}
