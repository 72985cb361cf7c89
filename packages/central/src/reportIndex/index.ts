import { pathExists } from "@caisse/core";
import { join } from "node:path";
import type { CentralPaths, TillRecord } from "../config.js";
import type { Collected, CollectRequest } from "../report/collect.js";
import { indexTill } from "./build.js";
import { deleteIndex, INDEX_FILE, openIndex } from "./db.js";
import { collectFromIndex } from "./query.js";
import { refresh, type Checked } from "./refresh.js";

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
 * Brings the index up to date for a till whose directory an import replaced, when the till is
 * in it already: the import then costs what its archive changed (see docs/performance.md). A
 * till not indexed yet, or a central without an index, is left to the next report, which indexes
 * it from nothing: done here, that first build would read the till's whole history in the import.
 * The index is a cache that every report checks against the directories: should this fail or
 * never run (a crash just after the swap), the next report indexes the till itself, so a failure
 * here is not the import's.
 */
export async function reindexTill(paths: CentralPaths, till: TillRecord): Promise<void> {
  if (!(await pathExists(join(paths.index, INDEX_FILE)))) return;
  const db = await openIndex(paths.index);
  try {
    if (db.prepare("SELECT 1 FROM till WHERE till = ?").get(till.ref) === undefined) return;
    await indexTill(db, paths, till);
  } finally {
    db.close();
  }
}

/** What `caisse-central index` did for one till. */
export interface IndexedTill {
  till: TillRecord;
  state: Checked["state"];
  /** Time spent on the till, in seconds. */
  seconds: number;
}

/**
 * Builds or brings up to date the report index for `tills`, as the next report would, one till
 * at a time (see docs/reports.md#the-report-index); with `rebuild`, from nothing. `onTill` is told
 * each till as it is done.
 */
export async function updateIndex(
  paths: CentralPaths,
  tills: readonly TillRecord[],
  options: { rebuild: boolean; onTill?: (done: IndexedTill) => void; now?: () => number },
): Promise<IndexedTill[]> {
  const now = options.now ?? (() => performance.now());
  if (options.rebuild) await deleteIndex(paths.index);
  const db = await openIndex(paths.index);
  try {
    const done: IndexedTill[] = [];
    for (const till of tills) {
      const start = now();
      const [checked] = await refresh(db, paths, [till]);
      const result: IndexedTill = {
        till,
        state: checked?.state ?? "no-directory",
        seconds: (now() - start) / 1000,
      };
      done.push(result);
      options.onTill?.(result);
    }
    return done;
  } finally {
    db.close();
  }
}
