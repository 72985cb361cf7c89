import { fileKindOf, walkFiles } from "@caisse/core";
import { createHash } from "node:crypto";
import type { TillRecord } from "../config.js";
import { INDEX_SCHEMA_VERSION } from "./db.js";

/**
 * What a till's index rows were built from, as one hash: the settings that change how its files
 * read (encoding, column mapping), and for every entry named like a till file below its directory
 * (`ventes*.csv`...), its path, size, inode, modification and change times. Another archive
 * swapped in, a file edited, added, removed or touched by hand all change it, so the index is
 * never used stale; computing it reads no file, only their metadata.
 */
export async function fingerprintOf(
  dir: string,
  till: Pick<TillRecord, "encoding" | "columns">,
): Promise<string> {
  const hash = createHash("sha256");
  hash.update(
    JSON.stringify({
      schema: INDEX_SCHEMA_VERSION,
      encoding: till.encoding ?? null,
      columns: till.columns ?? null,
    }),
  );
  const skipped: string[] = [];
  for await (const file of walkFiles(dir, (entry) => {
    if (fileKindOf(entry.relative) !== undefined) skipped.push(entry.relative);
  })) {
    if (fileKindOf(file.relative) === undefined) continue;
    const { size, ino, mtimeMs, ctimeMs } = file.stats;
    hash.update(`\n${file.relative}\u0000${size}\u0000${ino}\u0000${mtimeMs}\u0000${ctimeMs}`);
  }
  for (const relative of skipped) hash.update(`\n${relative}\u0000skipped`);
  return hash.digest("hex");
}
