import {
  CaisseError,
  hourOf,
  paymentModeKey,
  rateKey,
  sameFolder,
  sha256OfFile,
  type FileKind,
  type LocalDate,
  type Payment,
  type SaleLine,
  type WalkedFile,
} from "@caisse/core";
import { lstat } from "node:fs/promises";
import type { DatabaseSync, StatementSync } from "node:sqlite";
import { tillDirectory, type CentralPaths, type TillRecord } from "../config.js";
import {
  filesOf,
  incompleteWarning,
  newTillFiles,
  readLabels,
  readOwnedRows,
  TILL_READ_ATTEMPTS,
  type TillFiles,
  type DataKind,
  type Place,
  type RowSink,
} from "../report/collect.js";
import {
  fileRecordPath,
  loadFileRecord,
  recordedSha256,
  type FileRecord,
} from "../import/fileRecord.js";
import { currentFolder } from "../swap.js";
import { TILL_TABLES } from "./db.js";
import { fingerprintOf } from "./fingerprint.js";
import { IndexedOwners } from "./owners.js";
import { encodeTickets } from "./tickets.js";

const DATA_KINDS: readonly DataKind[] = ["ventes", "reglements"];
const LABEL_KINDS = ["familles", "articles"] as const;

/** The grouping keys a sales line is summed under (see FileSums.addSale); `total`: the till. */
const SALES_DIMS = ["total", "family", "article", "hour", "vat"] as const;

/** The dimension of the totals of a data kind. */
function totalDim(kind: DataKind): "total" | "ptotal" {
  return kind === "ventes" ? "total" : "ptotal";
}

const SEP = "\u0000";

/** The sums of one grouping key on one day: per VAT rate [ttc, quantity], and its tickets. */
interface Group {
  readonly rates: Map<number, [number, number]>;
  readonly tickets: Set<string>;
}

/** Dimension -> grouping key -> its sums, for one day. */
type DaySums = Map<string, Map<string, Group>>;

/**
 * The sums of one data file, kept apart until the file is read whole, then written. Memory grows
 * with the file's distinct (day, key) pairs and tickets, not with the history.
 */
class FileSums {
  /** day -> dimension -> key -> sums */
  readonly days = new Map<string, DaySums>();
  /** The day of the last row and its sums: a file's rows mostly follow each other by day. */
  private lastDay: string | undefined;
  private lastSums: DaySums = new Map();
  /** `day family article` -> [quantity, ttc] */
  readonly margins = new Map<string, [number, number]>();
  /** `day article` -> the label of its latest line */
  readonly labels = new Map<string, { at: string; label: string }>();
  /** `owner day` -> duplicate tickets */
  readonly duplicates = new Map<string, number>();
  /** The first and last days of the file's valid rows (each counted, or a copy of a ticket). */
  first: LocalDate | undefined;
  last: LocalDate | undefined;

  private see(day: LocalDate): void {
    if (this.first === undefined || day < this.first) this.first = day;
    if (this.last === undefined || day > this.last) this.last = day;
  }

  private daySums(day: string): DaySums {
    if (day === this.lastDay) return this.lastSums;
    let sums = this.days.get(day);
    if (sums === undefined) {
      sums = new Map();
      this.days.set(day, sums);
    }
    this.lastDay = day;
    this.lastSums = sums;
    return sums;
  }

  private add(
    dims: DaySums,
    dim: string,
    key: string,
    rate: number,
    ticket: string,
    ttc: number,
    qty: number,
  ): void {
    let keys = dims.get(dim);
    if (keys === undefined) {
      keys = new Map();
      dims.set(dim, keys);
    }
    let group = keys.get(key);
    if (group === undefined) {
      group = { rates: new Map(), tickets: new Set() };
      keys.set(key, group);
    }
    const sums = group.rates.get(rate);
    if (sums === undefined) group.rates.set(rate, [ttc, qty]);
    else {
      sums[0] += ttc;
      sums[1] += qty;
    }
    group.tickets.add(ticket);
  }

  addSale(line: SaleLine, day: LocalDate): void {
    this.see(day);
    const { rate, ticket, ttc, quantity } = line;
    const dims = this.daySums(day);
    this.add(dims, "total", "", rate, ticket, ttc, quantity);
    this.add(dims, "family", line.family, rate, ticket, ttc, quantity);
    this.add(dims, "article", line.article, rate, ticket, ttc, quantity);
    this.add(dims, "hour", hourOf(line.at), rate, ticket, ttc, quantity);
    this.add(dims, "vat", rateKey(rate), rate, ticket, ttc, quantity);
    const margin = `${day}${SEP}${line.family}${SEP}${line.article}`;
    const sums = this.margins.get(margin);
    if (sums === undefined) this.margins.set(margin, [line.quantity, line.ttc]);
    else {
      sums[0] += line.quantity;
      sums[1] += line.ttc;
    }
    if (line.label !== undefined) {
      const seen = `${day}${SEP}${line.article}`;
      const current = this.labels.get(seen);
      if (current === undefined || line.at >= current.at) {
        this.labels.set(seen, { at: line.at, label: line.label });
      }
    }
  }

  addPayment(payment: Payment, day: LocalDate): void {
    this.see(day);
    const dims = this.daySums(day);
    const { ticket, amount } = payment;
    this.add(dims, "ptotal", "", -1, ticket, amount, 0);
    this.add(dims, "payment", paymentModeKey(payment.mode), -1, ticket, amount, 0);
  }

  duplicate(owner: number, day: LocalDate): void {
    this.see(day);
    const key = `${owner}${SEP}${day}`;
    this.duplicates.set(key, (this.duplicates.get(key) ?? 0) + 1);
  }
}

/** Rows per INSERT statement: one statement for many rows costs far less than one per row. */
const BATCH_ROWS = 64;

/**
 * Inserts rows into one table, BATCH_ROWS at a time (multi-row VALUES); `flush` writes the rest.
 */
class Inserter {
  private readonly values: (string | number | null | Uint8Array)[] = [];
  /**
   * The statements by their number of rows, prepared once: a statement prepared per flush holds
   * SQLite memory, outside V8's heap, until the garbage collector finalises it.
   */
  private readonly statements = new Map<number, StatementSync>();

  constructor(
    private readonly db: DatabaseSync,
    private readonly table: string,
    private readonly columns: readonly string[],
  ) {}

  private statement(rows: number): StatementSync {
    let statement = this.statements.get(rows);
    if (statement === undefined) {
      const row = `(${this.columns.map(() => "?").join(", ")})`;
      statement = this.db.prepare(
        `INSERT INTO ${this.table} (${this.columns.join(", ")}) VALUES ${Array.from({ length: rows }, () => row).join(", ")}`,
      );
      this.statements.set(rows, statement);
    }
    return statement;
  }

  add(...row: (string | number | null | Uint8Array)[]): void {
    for (const value of row) this.values.push(value);
    if (this.values.length === BATCH_ROWS * this.columns.length) {
      this.statement(BATCH_ROWS).run(...this.values);
      this.values.length = 0;
    }
  }

  flush(): void {
    if (this.values.length === 0) return;
    this.statement(this.values.length / this.columns.length).run(...this.values);
    this.values.length = 0;
  }
}

/** What writes a till's rows. */
interface Writers {
  cell: Inserter;
  tix: Inserter;
  tlist: Inserter;
  margin: Inserter;
  seen: Inserter;
  dup: Inserter;
  file: StatementSync;
}

function writersOf(db: DatabaseSync): Writers {
  return {
    cell: new Inserter(db, "cell", ["dim", "till", "day", "key", "rate", "file", "ttc", "qty"]),
    tix: new Inserter(db, "tix", ["dim", "till", "day", "key", "file", "tickets"]),
    tlist: new Inserter(db, "tlist", ["dim", "till", "day", "key", "file", "list"]),
    margin: new Inserter(db, "margin", ["till", "day", "family", "article", "file", "qty", "ttc"]),
    seen: new Inserter(db, "seen", ["till", "day", "article", "file", "at", "label"]),
    dup: new Inserter(db, "dup", ["till", "kind", "idx", "owner", "day", "count"]),
    file: db.prepare(
      `INSERT INTO file (till, kind, idx, name, sha256, warnings, whole, rows, invalid, first, last)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
  };
}

/** Writes the sums of a file read whole. */
function writeSums(w: Writers, till: string, kind: DataKind, index: number, sums: FileSums): void {
  for (const [day, dims] of sums.days) {
    for (const [dim, keys] of dims) {
      // How many keys of its dimension each ticket has that day: a ticket whose keys are all
      // among the rows a report keeps is not in the remainder of --top.
      const keysPerTicket = new Map<string, number>();
      for (const group of keys.values()) {
        for (const ticket of group.tickets) {
          keysPerTicket.set(ticket, (keysPerTicket.get(ticket) ?? 0) + 1);
        }
      }
      for (const [key, group] of keys) {
        for (const [rate, [ttc, qty]] of group.rates) {
          w.cell.add(dim, till, day, key, rate, index, ttc, qty);
        }
        w.tix.add(dim, till, day, key, index, group.tickets.size);
        const list = encodeTickets(group.tickets, (ticket) => keysPerTicket.get(ticket) ?? 1);
        w.tlist.add(dim, till, day, key, index, list);
      }
    }
  }
  for (const [margin, [qty, ttc]] of sums.margins) {
    const [day = "", family = "", article = ""] = margin.split(SEP);
    w.margin.add(till, day, family, article, index, qty, ttc);
  }
  for (const [seen, { at, label }] of sums.labels) {
    const [day = "", article = ""] = seen.split(SEP);
    w.seen.add(till, day, article, index, at, label);
  }
  for (const [duplicate, count] of sums.duplicates) {
    const [owner = "", day = ""] = duplicate.split(SEP);
    w.dup.add(till, kind, index, Number(owner), day, count);
  }
  for (const inserter of [w.cell, w.tix, w.tlist, w.margin, w.seen, w.dup]) inserter.flush();
}

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
async function indexKind(
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
