import type { DatabaseSync } from "node:sqlite";
import { tillDirectory, type CentralPaths, type TillRecord } from "../config.js";
import { currentFolder } from "../swap.js";
import { indexTill } from "./build.js";
import { fingerprintOf } from "./fingerprint.js";

/**
 * Which tills of the report index match their directories, indexing again those that do not
 * (see docs/reports.md#the-report-index): what a report does first, and all `index` does.
 */

/** A till to read from the index, with the fingerprint its rows must have. */
export interface Checked {
  till: TillRecord;
  /** Undefined: the till has no directory. */
  fingerprint: string | undefined;
  /** Its rows were current, were written again from its files, or it has no directory. */
  state: "current" | "indexed" | "no-directory";
}

/**
 * Brings the index up to date for `tills`: each till whose directory does not match what its
 * rows were built from (or that has none) is indexed again from its files.
 */
export async function refresh(
  db: DatabaseSync,
  paths: CentralPaths,
  tills: readonly TillRecord[],
): Promise<Checked[]> {
  const stored = db.prepare("SELECT fingerprint FROM till WHERE till = ?");
  const checked: Checked[] = [];
  for (const till of tills) {
    const folder = await currentFolder(tillDirectory(paths, till));
    if (folder === undefined) {
      checked.push({ till, fingerprint: undefined, state: "no-directory" });
      continue;
    }
    const fingerprint = await fingerprintOf(folder.path, till);
    if (stored.get(till.ref)?.fingerprint === fingerprint) {
      checked.push({ till, fingerprint, state: "current" });
      continue;
    }
    const indexed = await indexTill(db, paths, till);
    checked.push({
      till,
      fingerprint: indexed,
      state: indexed === undefined ? "no-directory" : "indexed",
    });
  }
  return checked;
}

/** Whether every till's rows are still those checked (no import replaced them meanwhile). */
export function stillChecked(db: DatabaseSync, checked: readonly Checked[]): boolean {
  const stored = db.prepare("SELECT fingerprint FROM till WHERE till = ?");
  return checked.every(
    ({ till, fingerprint }) =>
      fingerprint === undefined || stored.get(till.ref)?.fingerprint === fingerprint,
  );
}
