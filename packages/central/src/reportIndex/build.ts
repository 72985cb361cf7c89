import { CaisseError, sameFolder, type FileKind, type WalkedFile } from "@caisse/core";
import type { DatabaseSync } from "node:sqlite";
import { tillDirectory, type CentralPaths, type TillRecord } from "../config.js";
import { fileRecordPath, loadFileRecord } from "../import/fileRecord.js";
import {
  filesOf,
  readLabels,
  TILL_READ_ATTEMPTS,
  type DataKind,
  type Place,
} from "../report/collect.js";
import { currentFolder } from "../swap.js";
import { indexKind } from "./dataFiles.js";
import { TILL_TABLES } from "./db.js";
import { fingerprintOf } from "./fingerprint.js";

/**
 * Indexing a till (see docs/reports.md#the-report-index): its data files through dataFiles.ts,
 * its label files, its fingerprint, in one transaction over one snapshot of its directory.
 */

const DATA_KINDS: readonly DataKind[] = ["ventes", "reglements"];
const LABEL_KINDS = ["familles", "articles"] as const;

/** Reads a till's label files: its labels (the first file naming a code wins) and warnings. */
async function indexLabels(
  db: DatabaseSync,
  place: Place,
  kind: (typeof LABEL_KINDS)[number],
  files: readonly WalkedFile[],
): Promise<void> {
  const labels = new Map<string, string>();
  const warnings: string[] = [];
  for (const file of files) await readLabels(place, file, kind, labels, warnings);
  const label = db.prepare(
    "INSERT INTO label (till, kind, seq, code, label) VALUES (?, ?, ?, ?, ?)",
  );
  let seq = 0;
  for (const [code, text] of labels) label.run(place.owner, kind, seq++, code, text);
  const warn = db.prepare("INSERT INTO labelwarn (till, kind, seq, warning) VALUES (?, ?, ?, ?)");
  warnings.forEach((warning, index) => warn.run(place.owner, kind, index, warning));
}

/** Deletes every row of a till. */
export function forgetTill(db: DatabaseSync, till: string): void {
  for (const table of TILL_TABLES) db.prepare(`DELETE FROM ${table} WHERE till = ?`).run(till);
}

/** The settings that change how a till's files read: another one means reading them all again. */
function settingsOf(till: TillRecord): string {
  return JSON.stringify({ encoding: till.encoding ?? null, columns: till.columns ?? null });
}

/**
 * The rows of one till from the folder `dir`, in the open transaction: the label files and the
 * links are read again, the data files from the first changed one (all of them when the till's
 * settings changed).
 */
async function writeTill(
  db: DatabaseSync,
  paths: CentralPaths,
  till: TillRecord,
  dir: string,
  fingerprint: string,
): Promise<void> {
  const settings = settingsOf(till);
  const stored = db.prepare("SELECT settings FROM till WHERE till = ?").get(till.ref);
  if (stored?.settings !== settings) forgetTill(db, till.ref);
  for (const table of ["till", "label", "labelwarn"]) {
    db.prepare(`DELETE FROM ${table} WHERE till = ?`).run(till.ref);
  }
  const place: Place = { owner: till.ref, dir, encoding: till.encoding, columns: till.columns };
  const walk: [FileKind, string][] = [];
  const files = await filesOf(place, [...DATA_KINDS, ...LABEL_KINDS], [], (kind, warning) =>
    walk.push([kind, warning]),
  );
  const record = await loadFileRecord(fileRecordPath(paths, till.ref), dir);
  for (const kind of DATA_KINDS) await indexKind(db, place, kind, files.get(kind) ?? [], record);
  for (const kind of LABEL_KINDS) await indexLabels(db, place, kind, files.get(kind) ?? []);
  db.prepare("INSERT INTO till (till, fingerprint, settings, walk) VALUES (?, ?, ?, ?)").run(
    till.ref,
    fingerprint,
    settings,
    JSON.stringify(walk),
  );
}

/**
 * Indexes one till from its directory as it is now, as one snapshot: like a report, it reads the
 * folder again when an import swapped it in meanwhile or its files changed, and writes the rows
 * in one transaction with the fingerprint they were read from. Returns that fingerprint, or
 * undefined when the till has no directory (its rows are then deleted).
 */
export async function indexTill(
  db: DatabaseSync,
  paths: CentralPaths,
  till: TillRecord,
): Promise<string | undefined> {
  const target = tillDirectory(paths, till);
  for (let attempt = 1; ; attempt++) {
    const before = await currentFolder(target);
    if (before === undefined) {
      db.exec("BEGIN IMMEDIATE");
      forgetTill(db, till.ref);
      db.exec("COMMIT");
      return undefined;
    }
    const fingerprint = await fingerprintOf(before.path, till);
    db.exec("BEGIN IMMEDIATE");
    let done = false;
    try {
      await writeTill(db, paths, till, before.path, fingerprint);
      const after = await currentFolder(target);
      done =
        after !== undefined &&
        sameFolder(before, after) &&
        (await fingerprintOf(after.path, till)) === fingerprint;
    } catch (error) {
      const after = await currentFolder(target);
      if (after !== undefined && sameFolder(before, after)) {
        db.exec("ROLLBACK");
        throw error;
      }
    }
    if (done) {
      db.exec("COMMIT");
      return fingerprint;
    }
    db.exec("ROLLBACK");
    if (attempt === TILL_READ_ATTEMPTS) {
      throw new CaisseError(
        "E_IO",
        `cannot index ${target} for ${till.ref}: its files changed ${attempt} times while they were read`,
        {
          details: { path: target },
          hint: "run the command again once the imports are done.",
        },
      );
    }
  }
}
