import { ioError, removeRetrying } from "@caisse/core";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";

/**
 * The version of the index's tables and of what they hold. Raise it whenever either changes
 * (a table, a column, how a figure or a warning is computed): an index of another version is
 * deleted and built again, never read.
 */
export const INDEX_SCHEMA_VERSION = 4;

/** The index file in `<root>/index/` (see docs/central-layout.md). */
export const INDEX_FILE = "reports.sqlite";

/** How long a writer waits for another one (an import, another report) before giving up. */
const BUSY_TIMEOUT_MS = 60_000;

/**
 * The tables (see docs/reports.md#the-report-index). Days are `YYYY-MM-DD`, amounts integer
 * cents, quantities thousandths, rates basis points. `dim` is `total`, `family`, `article`,
 * `hour`, `vat` (sales) or `ptotal`, `payment` (payments): `--by till`, `day`, `week` and `month`
 * are computed from `total` per day.
 */
const SCHEMA = `
CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
-- One row per till indexed: the fingerprint of the directory and settings it was built from, the
-- settings (encoding, columns), and the links or special files named like till files.
CREATE TABLE till (till TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, settings TEXT NOT NULL,
  walk TEXT NOT NULL);
-- The data files in reading order: their SHA-256 (a file and those after it are read again
-- when it changes), what reading them printed (JSON array), whether they were read whole, their
-- rows and invalid rows, the first and last dates of their valid rows.
CREATE TABLE file (till TEXT NOT NULL, kind TEXT NOT NULL, idx INTEGER NOT NULL,
  name TEXT NOT NULL, sha256 TEXT NOT NULL, warnings TEXT NOT NULL, whole INTEGER NOT NULL,
  rows INTEGER NOT NULL, invalid INTEGER NOT NULL, first TEXT, last TEXT,
  PRIMARY KEY (till, kind, idx)) WITHOUT ROWID;
-- Per till and data kind: the warning that marks its figures incomplete, if any; the first and
-- last dates of its valid rows (of files read whole), whatever the period: its first and last sale.
CREATE TABLE part (till TEXT NOT NULL, kind TEXT NOT NULL, incomplete TEXT, first TEXT,
  last TEXT, PRIMARY KEY (till, kind)) WITHOUT ROWID;
-- Tickets of file idx that the earlier file owner gave, per day.
CREATE TABLE dup (till TEXT NOT NULL, kind TEXT NOT NULL, idx INTEGER NOT NULL,
  owner INTEGER NOT NULL, day TEXT NOT NULL, count INTEGER NOT NULL,
  PRIMARY KEY (till, kind, idx, owner, day)) WITHOUT ROWID;
-- Every row below is one data file's (file: its idx), so that a till is read again from its
-- first changed file only; a ticket is counted from one file only, so the files' sums add up.
-- TTC and quantity per till, day, grouping key and VAT rate (-1 for payments).
CREATE TABLE cell (dim TEXT NOT NULL, till TEXT NOT NULL, day TEXT NOT NULL, key TEXT NOT NULL,
  rate INTEGER NOT NULL, file INTEGER NOT NULL, ttc INTEGER NOT NULL, qty INTEGER NOT NULL,
  PRIMARY KEY (dim, till, day, key, rate, file)) WITHOUT ROWID;
-- Distinct tickets per till, day and grouping key: they add up across days, not across keys.
CREATE TABLE tix (dim TEXT NOT NULL, till TEXT NOT NULL, day TEXT NOT NULL, key TEXT NOT NULL,
  file INTEGER NOT NULL, tickets INTEGER NOT NULL,
  PRIMARY KEY (dim, till, day, key, file)) WITHOUT ROWID;
-- The tickets themselves per till, day and key, each with how many keys of the dimension it
-- has that day: the union of several rows (--top); for the totals (key ''), the tickets a file
-- gave, which later files may not give. A BLOB of delta-encoded numbers, or JSON text when a
-- ticket is not a plain number (see tickets.ts).
CREATE TABLE tlist (dim TEXT NOT NULL, till TEXT NOT NULL, day TEXT NOT NULL,
  key TEXT NOT NULL, file INTEGER NOT NULL, list BLOB NOT NULL,
  PRIMARY KEY (dim, till, key, day, file)) WITHOUT ROWID;
-- Quantities and TTC per till, day, family and article: margins from catalogue costs.
CREATE TABLE margin (till TEXT NOT NULL, day TEXT NOT NULL, family TEXT NOT NULL,
  article TEXT NOT NULL, file INTEGER NOT NULL, qty INTEGER NOT NULL, ttc INTEGER NOT NULL,
  PRIMARY KEY (till, day, family, article, file)) WITHOUT ROWID;
-- Per till, day, article and file: the label of its most recent sales line that day.
CREATE TABLE seen (till TEXT NOT NULL, day TEXT NOT NULL, article TEXT NOT NULL,
  file INTEGER NOT NULL, at TEXT NOT NULL, label TEXT NOT NULL,
  PRIMARY KEY (till, day, article, file)) WITHOUT ROWID;
-- The labels of a till's label files (first file naming a code wins), and their warnings.
CREATE TABLE label (till TEXT NOT NULL, kind TEXT NOT NULL, seq INTEGER NOT NULL,
  code TEXT NOT NULL, label TEXT NOT NULL, PRIMARY KEY (till, kind, seq)) WITHOUT ROWID;
CREATE TABLE labelwarn (till TEXT NOT NULL, kind TEXT NOT NULL, seq INTEGER NOT NULL,
  warning TEXT NOT NULL, PRIMARY KEY (till, kind, seq)) WITHOUT ROWID;
`;

/** Every table holding a till's rows, emptied before the till is indexed again. */
export const TILL_TABLES = [
  "till",
  "file",
  "part",
  "dup",
  "cell",
  "tix",
  "tlist",
  "margin",
  "seen",
  "label",
  "labelwarn",
] as const;

function versionOf(db: DatabaseSync): number | undefined {
  const table = db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'meta'")
    .get();
  if (table === undefined) return undefined;
  const row = db.prepare("SELECT value FROM meta WHERE name = 'schema'").get();
  return row === undefined ? undefined : Number(row.value);
}

function connect(path: string): DatabaseSync {
  const db = new DatabaseSync(path, { timeout: BUSY_TIMEOUT_MS });
  // WAL: a report reads one consistent state while an import writes (docs/reports.md).
  // The write-ahead log grows with a till's transaction; cut back to 4 MiB once checkpointed.
  // A page cache of up to 8 MiB (the default is 2 MiB): indexing a till writes all over the
  // tables' B-trees, which a small cache reads and writes again page by page. 32 MiB cost as much
  // CPU time to build and 24 MiB more of the 150 MiB a command may use (docs/performance.md).
  db.exec(
    `PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA journal_size_limit = 4194304;
     PRAGMA cache_size = -8192;`,
  );
  return db;
}

async function removeIndexFiles(path: string): Promise<void> {
  for (const file of [path, `${path}-wal`, `${path}-shm`, `${path}-journal`]) {
    try {
      await removeRetrying(file, { recursive: true });
    } catch (error) {
      throw ioError("remove", file, error);
    }
  }
}

/** Deletes the report index in `dir` (it is a cache: the next report or `index` builds it). */
export async function deleteIndex(dir: string): Promise<void> {
  await removeIndexFiles(join(dir, INDEX_FILE));
}

/**
 * Opens the report index in `dir`, creating it when missing; an index of another schema version,
 * or one that is not a readable SQLite file, is deleted and created again (it is a cache).
 */
export async function openIndex(dir: string): Promise<DatabaseSync> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    throw ioError("create the folder", dir, error);
  }
  const path = join(dir, INDEX_FILE);
  for (let attempt = 1; ; attempt++) {
    let db: DatabaseSync | undefined;
    try {
      db = connect(path);
      const version = versionOf(db);
      if (version === INDEX_SCHEMA_VERSION) return db;
      if (version === undefined) {
        db.exec("BEGIN IMMEDIATE");
        // Another process may have created it meanwhile.
        if (versionOf(db) === undefined) {
          db.exec(SCHEMA);
          db.prepare("INSERT INTO meta (name, value) VALUES ('schema', ?)").run(
            String(INDEX_SCHEMA_VERSION),
          );
        }
        db.exec("COMMIT");
        if (versionOf(db) === INDEX_SCHEMA_VERSION) return db;
      }
    } catch (error) {
      if (attempt > 1) throw ioError("open the report index", path, error);
    }
    db?.close();
    if (attempt > 1) throw ioError("open the report index", path, new Error("schema mismatch"));
    await removeIndexFiles(path);
  }
}
