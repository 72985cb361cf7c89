import type { CentralPaths, TillRecord } from "../config.js";
import type { Collected, CollectRequest } from "../report/collect.js";
import { indexTill } from "./build.js";
import { openIndex } from "./db.js";
import { collectFromIndex } from "./query.js";

export { INDEX_FILE, INDEX_SCHEMA_VERSION } from "./db.js";

/**
 * Gathers a report's data from the report index in `<root>/index/`, creating or bringing it up to
 * date first (see docs/reports.md#the-report-index).
 */
export async function collectIndexed(request: CollectRequest): Promise<Collected> {
  const db = await openIndex(request.paths.index);
  try {
    return await collectFromIndex(db, request);
  } finally {
    db.close();
  }
}

/**
 * Indexes a till again after its directory was replaced (an import). The index is a cache that
 * every report checks against the directories: should this fail or never run (a crash just after
 * the swap), the next report indexes the till itself, so a failure here is not the import's.
 */
export async function reindexTill(paths: CentralPaths, till: TillRecord): Promise<void> {
  const db = await openIndex(paths.index);
  try {
    await indexTill(db, paths, till);
  } finally {
    db.close();
  }
}
