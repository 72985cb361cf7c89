import { sha256OfFile, type LocalDate, type WalkedFile } from "@caisse/core";
import { lstat } from "node:fs/promises";
import type { DatabaseSync } from "node:sqlite";
import { recordedSha256, type FileRecord } from "../import/fileRecord.js";
import {
  incompleteWarning,
  newTillFiles,
  readOwnedRows,
  type DataKind,
  type Place,
  type RowSink,
  type TillFiles,
} from "../report/collect.js";
import { FileSums, SALES_DIMS, totalDim } from "./fileSums.js";
import { IndexedOwners } from "./owners.js";
import { writersOf, writeSums } from "./writers.js";

/**
 * Bringing one data kind of a till up to date in the report index: which files are read again
 * (a changed one, and those whose tickets it may have changed), and the rows of the others kept.
 */

/** A data file as last indexed. */
interface IndexedFile {
  name: string;
  sha256: string;
  warnings: string;
  whole: boolean;
  rows: number;
  invalid: number;
  first: LocalDate | undefined;
  last: LocalDate | undefined;
}

function indexedFiles(db: DatabaseSync, till: string, kind: DataKind): IndexedFile[] {
  return db
    .prepare("SELECT * FROM file WHERE till = ? AND kind = ? ORDER BY idx")
    .all(till, kind)
    .map((row) => ({
      name: String(row.name),
      sha256: String(row.sha256),
      warnings: String(row.warnings),
      whole: Number(row.whole) === 1,
      rows: Number(row.rows),
      invalid: Number(row.invalid),
      first: typeof row.first === "string" ? (row.first as LocalDate) : undefined,
      last: typeof row.last === "string" ? (row.last as LocalDate) : undefined,
    }));
}

/** The dimensions of a data kind's rows. */
function dimsOf(kind: DataKind): readonly string[] {
  return kind === "ventes" ? SALES_DIMS : ["ptotal", "payment"];
}

/** The tables holding a data file's rows per day (column `file`), by data kind. */
function dayTablesOf(kind: DataKind): readonly string[] {
  return kind === "ventes" ? ["margin", "seen"] : [];
}

/**
 * Deletes the rows of the data file `index` of a till as last indexed (`old`): all of them lie
 * between its first and last days, which keeps each deletion to the file's own rows.
 */
function forgetFile(
  db: DatabaseSync,
  till: string,
  kind: DataKind,
  index: number,
  old: IndexedFile,
): void {
  if (old.first !== undefined && old.last !== undefined) {
    const days = [old.first, old.last, index] as const;
    for (const dim of dimsOf(kind)) {
      // tlist's key comes before its day: its rows are found through the keys of tix's.
      db.prepare(
        `DELETE FROM tlist WHERE dim = ? AND till = ? AND key IN (SELECT key FROM tix
         WHERE dim = ? AND till = ? AND day BETWEEN ? AND ? AND file = ?)
         AND day BETWEEN ? AND ? AND file = ?`,
      ).run(dim, till, dim, till, ...days, ...days);
      for (const table of ["cell", "tix"]) {
        db.prepare(
          `DELETE FROM ${table} WHERE dim = ? AND till = ? AND day BETWEEN ? AND ? AND file = ?`,
        ).run(dim, till, ...days);
      }
    }
    for (const table of dayTablesOf(kind)) {
      db.prepare(`DELETE FROM ${table} WHERE till = ? AND day BETWEEN ? AND ? AND file = ?`).run(
        till,
        ...days,
      );
    }
  }
  for (const table of ["dup", "file"]) {
    db.prepare(`DELETE FROM ${table} WHERE till = ? AND kind = ? AND idx = ?`).run(
      till,
      kind,
      index,
    );
  }
}

/** Counts a file kept as last indexed into `seen`, as reading it again would. */
function keepFile(seen: TillFiles, file: IndexedFile): void {
  seen.files.push(file.name);
  if (!file.whole) {
    seen.filesLeftOut++;
    return;
  }
  seen.rows += file.rows;
  seen.invalid += file.invalid;
  if (file.first !== undefined && (seen.first === undefined || file.first < seen.first)) {
    seen.first = file.first;
  }
  if (file.last !== undefined && (seen.last === undefined || file.last > seen.last)) {
    seen.last = file.last;
  }
}

/** Days whose ticket owners may have changed, as ranges of days. */
class TouchedDays {
  private readonly ranges: [LocalDate, LocalDate][] = [];

  add(first: LocalDate | undefined, last: LocalDate | undefined): void {
    if (first !== undefined && last !== undefined) this.ranges.push([first, last]);
  }

  meets(file: IndexedFile): boolean {
    const { first, last } = file;
    if (first === undefined || last === undefined) return false;
    return this.ranges.some(([from, to]) => first <= to && from <= last);
  }
}

/**
 * The SHA-256 of a till file: the file record's (`.caisse/files/<TILL>.json`, written by the
 * import that swapped the directory in) when `lstat` shows the very file it recorded, else read.
 */
async function sha256Of(file: WalkedFile, record: FileRecord | undefined): Promise<string> {
  if (record !== undefined) {
    const info = await lstat(file.absolute, { bigint: true }).catch(() => undefined);
    const known = info === undefined ? undefined : recordedSha256(record, file.relative, info);
    if (known !== undefined) return known;
  }
  return sha256OfFile(file.absolute);
}

/**
 * Reads one data kind of a till and writes its rows, reading again only what may have changed
 * (see docs/performance.md#the-report-index): a file whose name or SHA-256 is not as last
 * indexed; every file from the first whose name differs on (their indexes moved); and a later
 * file sharing a day with a changed one (before or after the change), since a ticket is counted
 * from the first file that gives it that day. Every other file keeps its rows: its tickets, its
 * copies of earlier tickets and its figures depend only on its own content and on the files
 * before it on its days, none of which changed.
 */
export async function indexKind(
  db: DatabaseSync,
  place: Place,
  kind: DataKind,
  files: readonly WalkedFile[],
  record: FileRecord | undefined,
): Promise<void> {
  const before = indexedFiles(db, place.owner, kind);
  let aligned = 0;
  while (
    aligned < files.length &&
    aligned < before.length &&
    before[aligned]?.name === files[aligned]?.relative
  ) {
    aligned++;
  }
  for (const [index, old] of before.entries()) {
    if (index >= aligned) forgetFile(db, place.owner, kind, index, old);
  }
  db.prepare("DELETE FROM part WHERE till = ? AND kind = ?").run(place.owner, kind);
  const seen = newTillFiles();
  // The owners are loaded from the index per day, and dropped past a number of days: never
  // packed, which would keep every day's tickets and load again those already packed.
  seen.owners = new IndexedOwners(db, totalDim(kind), place.owner, seen.files);
  seen.pack = false;
  const touched = new TouchedDays();
  const writers = writersOf(db);
  for (const [index, file] of files.entries()) {
    const sha256 = await sha256Of(file, record);
    const old = index < aligned ? before[index] : undefined;
    const changed = old === undefined || old.sha256 !== sha256;
    if (!changed && !touched.meets(old)) {
      keepFile(seen, old);
      continue;
    }
    if (old !== undefined) {
      if (changed) touched.add(old.first, old.last);
      forgetFile(db, place.owner, kind, index, old);
    }
    const sums = new FileSums();
    const warnings: string[] = [];
    const sink: RowSink<DataKind> = {
      inScope: () => true,
      take: (row, day) => {
        if ("mode" in row) sums.addPayment(row, day);
        else sums.addSale(row, day);
      },
      duplicate: (owner, day) => {
        sums.duplicate(owner, day);
      },
    };
    const counts = { rows: seen.rows, invalid: seen.invalid };
    const issues = await readOwnedRows(place, file, kind, seen, warnings, sink);
    if (changed) touched.add(sums.first, sums.last);
    writers.file.run(
      place.owner,
      kind,
      index,
      file.relative,
      sha256,
      JSON.stringify(warnings),
      issues === undefined ? 0 : 1,
      seen.rows - counts.rows,
      seen.invalid - counts.invalid,
      sums.first ?? null,
      sums.last ?? null,
    );
    if (issues !== undefined) writeSums(writers, place.owner, kind, index, sums);
  }
  db.prepare("INSERT INTO part (till, kind, incomplete, first, last) VALUES (?, ?, ?, ?, ?)").run(
    place.owner,
    kind,
    incompleteWarning(place.owner, seen) ?? null,
    seen.first ?? null,
    seen.last ?? null,
  );
}
