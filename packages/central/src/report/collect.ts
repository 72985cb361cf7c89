import {
  Aggregator,
  CaisseError,
  counted,
  folderAt,
  sameFolder,
  type FolderSnapshot,
  dateOf,
  fileKindOf,
  inRange,
  isCaisseError,
  readCsv,
  sourceOf,
  walkFiles,
  type Comparison,
  type CsvIssue,
  type DateRange,
  type Dimension,
  type FileKind,
  type LabelBook,
  type LocalDate,
  type PurchasePrices,
  type RowOf,
  type WalkedFile,
} from "@caisse/core";
import { tillDirectory, type CentralPaths, type TillRecord } from "../config.js";
import { currentFolder } from "../swap.js";

/** What to gather for a report. */
export interface CollectRequest {
  paths: CentralPaths;
  /** The selected tills, in till-table order. */
  tills: readonly TillRecord[];
  by: Dimension;
  range: DateRange;
  /** With `--compare`: the compared range, filled in the same pass over the files. */
  comparison?: Comparison | undefined;
  /**
   * `--top N`: the report index computes the tickets of the remainder row in the same read as the
   * rows (see reportIndex/query.ts); reading the files needs it not.
   */
  top?: number | undefined;
  /**
   * The catalogue's purchase prices, for the cost and margin of the reported range (see
   * docs/reports.md#gross-margin); none or empty: no margin.
   */
  prices?: PurchasePrices | undefined;
  /** Called after each reading of a till, before the check that it was one snapshot (tests). */
  afterTillRead?: ((till: string, attempt: number) => Promise<void>) | undefined;
}

/** The summed data of a report, its labels, and what was left out. */
export interface Collected {
  data: Aggregator;
  /** The compared range's data, its dates brought onto the reported period. */
  compared: Aggregator | undefined;
  labels: LabelBook;
  /**
   * Per file: its invalid rows (one line each, or one summary line when many), its duplicate
   * tickets, or that it was left out; per till: without data, or with incomplete figures.
   */
  warnings: string[];
  /** The refs of the tills whose figures leave out more than a small share of their rows. */
  incomplete: string[];
  /**
   * Per till ref, the date of its last sale in all its data, whatever the range (of its last
   * payment for `--by payment`); a till without any is absent. See docs/reports.md#freshness.
   */
  lastSale: Map<string, LocalDate>;
  /** Per till ref, the date of its first sale, likewise: whether a compared period is covered. */
  firstSale: Map<string, LocalDate>;
}

/** A folder whose till files are read: a till's directory, or the central's catalogue. */
export interface Place {
  /** How warnings name it: the till ref, or `catalog`. */
  owner: string;
  dir: string;
  encoding?: string | undefined;
  columns?: Readonly<Record<string, string>> | undefined;
}

export type DataKind = "ventes" | "reglements";

function issueWarning(owner: string, issue: CsvIssue): string {
  const where = issue.line === undefined ? issue.file : `${issue.file} line ${issue.line}`;
  return `${owner} ${where}: ${issue.reason}`;
}

/** Up to this many invalid rows of a file are listed one per line; more are summarised. */
export const LISTED_ISSUES = 3;

/**
 * The invalid rows of one file, in bounded memory however many there are: the first ones whole
 * (listed one per line when they are all there is), a count, and per kind of problem (its error
 * code) a count and its first reason, for the summary line.
 */
export class FileIssues {
  count = 0;
  private readonly first: CsvIssue[] = [];
  private readonly byCode = new Map<string, { count: number; reason: string }>();

  add(issue: CsvIssue): void {
    this.count++;
    if (this.first.length < LISTED_ISSUES) this.first.push(issue);
    const kind = this.byCode.get(issue.code);
    if (kind === undefined) this.byCode.set(issue.code, { count: 1, reason: issue.reason });
    else kind.count++;
  }

  /**
   * One warning per invalid row when there are at most LISTED_ISSUES of them; else one line:
   * `D02 ventes.csv: 1234 invalid rows left out (lines 17, 18, 40, ...; most: invalid amount ...)`.
   */
  warnings(owner: string, file: string): string[] {
    if (this.count <= LISTED_ISSUES) return this.first.map((issue) => issueWarning(owner, issue));
    let most: { count: number; reason: string } | undefined;
    for (const kind of this.byCode.values())
      if (most === undefined || kind.count > most.count) most = kind;
    const lines = this.first.map((issue) => issue.line).filter((line) => line !== undefined);
    const where = lines.length === 0 ? "" : `lines ${lines.join(", ")}, ...; `;
    return [
      `${owner} ${file}: ${this.count} invalid rows left out (${where}most: ${most?.reason ?? ""})`,
    ];
  }
}

/**
 * Reads one file to its end, giving each row to `take`, and warns about its invalid rows. Returns
 * them (their count), or undefined when the file could not be read whole (E_CSV_UNREADABLE,
 * possibly after some rows): the caller then drops what `take` gathered, and the file is reported
 * as left out instead of its rows' warnings.
 */
export async function readWhole<K extends FileKind>(
  place: Place,
  file: WalkedFile,
  kind: K,
  take: (row: RowOf[K]) => void,
  warnings: string[],
): Promise<FileIssues | undefined> {
  const issues = new FileIssues();
  try {
    const items = readCsv(file.absolute, kind, {
      displayName: file.relative,
      encoding: place.encoding,
      columns: place.columns,
    });
    for await (const item of items) {
      if (item.type === "row") take(item.row);
      else issues.add(item.issue);
    }
  } catch (error) {
    if (!isCaisseError(error, "E_CSV_UNREADABLE")) throw error;
    warnings.push(`${place.owner} ${error.message}; file left out`);
    return undefined;
  }
  warnings.push(...issues.warnings(place.owner, file.relative));
  return issues;
}

/**
 * The till files below a place, by kind, in name order. Links are never followed (nothing is
 * read outside the place's folder); a link or special file named like a till file is reported,
 * to `warnings` or, with the kind its name gives, to `warn`.
 */
export async function filesOf(
  place: Place,
  kinds: readonly FileKind[],
  warnings: string[],
  warn: (kind: FileKind, warning: string) => void = (_kind, warning) => warnings.push(warning),
): Promise<Map<FileKind, WalkedFile[]>> {
  const files = new Map<FileKind, WalkedFile[]>(kinds.map((kind) => [kind, []]));
  const wanted = (name: string): FileKind | undefined => {
    const kind = fileKindOf(name);
    return kind !== undefined && kinds.includes(kind) ? kind : undefined;
  };
  const skipped = (entry: { relative: string; reason: "link" | "special" }): void => {
    const kind = wanted(entry.relative);
    if (kind === undefined) return;
    const what = entry.reason === "link" ? "a symbolic link" : "not a regular file";
    warn(kind, `${place.owner} ${entry.relative}: ${what}; file left out`);
  };
  for await (const file of walkFiles(place.dir, skipped)) {
    const kind = wanted(file.relative);
    if (kind !== undefined) files.get(kind)?.push(file);
  }
  return files;
}

/** The label files a dimension needs: family or article labels, else none. */
export function labelKind(by: Dimension): "familles" | "articles" | undefined {
  if (by === "family") return "familles";
  if (by === "article") return "articles";
  return undefined;
}

/**
 * Adds the labels of one file to the book; the first place that names a code wins (the
 * catalogue, then the tills in table order), and a file left out gives none.
 */
export async function readLabels(
  place: Place,
  file: WalkedFile,
  kind: "familles" | "articles",
  book: Map<string, string>,
  warnings: string[],
): Promise<void> {
  const found = new Map<string, string>();
  const whole =
    kind === "familles"
      ? await readWhole(place, file, kind, (row) => found.set(row.family, row.label), warnings)
      : await readWhole(place, file, kind, (row) => found.set(row.article, row.label), warnings);
  if (whole === undefined) return;
  for (const [code, label] of found) if (!book.has(code) && label !== "") book.set(code, label);
}

/** What a report sums: the data files of one kind, over the reported and compared ranges. */
interface SumSpec {
  kind: DataKind;
  by: Dimension;
  range: DateRange;
  comparison: Comparison | undefined;
  prices?: PurchasePrices | undefined;
}

/** Running sums: the reported range, and the compared one with its dates brought onto it. */
interface Tallies {
  data: Aggregator;
  compared: Aggregator | undefined;
}

function newTallies(spec: SumSpec): Tallies {
  const toReported = spec.comparison?.toReported;
  return {
    data: new Aggregator(spec.by, undefined, spec.prices),
    compared: toReported === undefined ? undefined : new Aggregator(spec.by, toReported),
  };
}

function mergeTallies(into: Tallies, from: Tallies): void {
  into.data.merge(from.data);
  if (from.compared !== undefined) into.compared?.merge(from.compared);
}

function addRow(into: Aggregator, till: string, row: RowOf[DataKind]): void {
  // A payment has a mode, a sales line does not.
  if ("mode" in row) into.addPayment(till, row);
  else into.addSale(till, row);
}

/**
 * What one till's data files have shown so far: which file first gave each ticket of the ranges
 * (so that a copy of it in another file is left out), and how many rows were read and left out
 * (for the incomplete mark). Memory grows with the tickets, not with the lines.
 *
 * A ticket is (ticket number, day) within one till: the day, not the full time, because the lines
 * of one ticket may carry different times (each item as it was scanned) and a file written again
 * may round them; the day, not the number alone, because a till that restarts its numbering gives
 * old numbers to new sales, which are not copies. See docs/reports.md#duplicate-tickets.
 */
export interface TillFiles {
  /** Day -> ticket number -> index in `files` of the file the ticket is counted from. */
  owners: Map<string, Map<string, number>>;
  /** The data files read, in reading order. */
  files: string[];
  rows: number;
  invalid: number;
  filesLeftOut: number;
  /** The first and last dates of the rows of the files read whole, whatever the range. */
  first: LocalDate | undefined;
  last: LocalDate | undefined;
}

export function newTillFiles(): TillFiles {
  return {
    owners: new Map(),
    files: [],
    rows: 0,
    invalid: 0,
    filesLeftOut: 0,
    first: undefined,
    last: undefined,
  };
}

/** The tickets of one day, created on first use. */
function ticketsOf(seen: TillFiles, day: string): Map<string, number> {
  let tickets = seen.owners.get(day);
  if (tickets === undefined) {
    tickets = new Map();
    seen.owners.set(day, tickets);
  }
  return tickets;
}

/**
 * One warning per earlier file that already gave tickets of `file`; `perOwner`: index of the
 * earlier file in `files` -> tickets.
 */
export function duplicateWarnings(
  owner: string,
  file: string,
  files: readonly string[],
  perOwner: ReadonlyMap<number, number>,
): string[] {
  return [...perOwner]
    .sort(([a], [b]) => a - b)
    .map(
      ([index, count]) =>
        `${owner}: ${counted(count, "ticket")} of ${file} already in ${files[index] ?? "?"}; counted once`,
    );
}

/** What is done with the rows of a data file (see `readOwnedRows`). */
export interface RowSink<K extends DataKind> {
  /** Whether the rows of this date are looked at: those of the reported and compared ranges. */
  inScope(date: LocalDate): boolean;
  /** A row of a ticket that this file is the first to give. */
  take(row: RowOf[K], date: LocalDate): void;
  /** A ticket of `date` that the earlier file `owner` (its index in `TillFiles.files`) gave. */
  duplicate(owner: number, date: LocalDate): void;
}

/**
 * Reads one data file of a till, giving `sink` the rows of the dates in scope whose ticket no
 * earlier file of the till gave; a ticket an earlier file gave is told to `sink.duplicate` once.
 * Returns the file's invalid rows, or undefined when the file was left out whole: the caller
 * then drops what the sink gathered. The lines of a ticket usually follow each other: the ticket
 * is looked up once per run of lines, which keeps this path fast.
 */
export async function readOwnedRows<K extends DataKind>(
  place: Place,
  file: WalkedFile,
  kind: K,
  seen: TillFiles,
  warnings: string[],
  sink: RowSink<K>,
): Promise<FileIssues | undefined> {
  const index = seen.files.push(file.relative) - 1;
  /** `day NUL ticket` of the duplicate tickets, each counted once per earlier file. */
  const duplicates = new Set<string>();
  let rows = 0;
  let lastTicket: string | undefined;
  let lastDay: string | undefined;
  let lastOwner = index;
  let first: LocalDate | undefined;
  let last: LocalDate | undefined;
  const issues = await readWhole(
    place,
    file,
    kind,
    (row) => {
      rows++;
      const date = dateOf(row.at);
      if (first === undefined || date < first) first = date;
      if (last === undefined || date > last) last = date;
      if (!sink.inScope(date)) return;
      if (row.ticket !== lastTicket || date !== lastDay) {
        lastTicket = row.ticket;
        lastDay = date;
        const tickets = ticketsOf(seen, date);
        const owner = tickets.get(row.ticket);
        if (owner === undefined) tickets.set(row.ticket, index);
        lastOwner = owner ?? index;
        const key = `${date}\u0000${row.ticket}`;
        if (lastOwner !== index && !duplicates.has(key)) {
          duplicates.add(key);
          sink.duplicate(lastOwner, date);
        }
      }
      if (lastOwner === index) sink.take(row, date);
    },
    warnings,
  );
  if (issues === undefined) {
    // Left out whole: the tickets it gave are not counted from it.
    for (const tickets of seen.owners.values()) {
      for (const [ticket, owner] of tickets) if (owner === index) tickets.delete(ticket);
    }
    seen.filesLeftOut++;
    return undefined;
  }
  seen.rows += rows + issues.count;
  seen.invalid += issues.count;
  if (first !== undefined && (seen.first === undefined || first < seen.first)) seen.first = first;
  if (last !== undefined && (seen.last === undefined || last > seen.last)) seen.last = last;
  return issues;
}

/**
 * Sums one data file into aggregators of its own, merged into the report's only when the file
 * was read whole. Each row counts in the reported range, the compared range, or both. A ticket of
 * those ranges that an earlier file of the till already gave is left out of this one and reported
 * once per pair of files.
 */
async function readDataFile(
  place: Place,
  file: WalkedFile,
  spec: SumSpec,
  into: Tallies,
  seen: TillFiles,
  warnings: string[],
): Promise<void> {
  const { range, comparison } = spec;
  const fileTallies = newTallies(spec);
  const perOwner = new Map<number, number>();
  const inCompared = (date: LocalDate): boolean =>
    fileTallies.compared !== undefined &&
    comparison !== undefined &&
    inRange(date, comparison.range);
  const issues = await readOwnedRows(place, file, spec.kind, seen, warnings, {
    inScope: (date) => inRange(date, range) || inCompared(date),
    take: (row, date) => {
      if (inRange(date, range)) addRow(fileTallies.data, place.owner, row);
      if (fileTallies.compared !== undefined && inCompared(date)) {
        addRow(fileTallies.compared, place.owner, row);
      }
    },
    duplicate: (owner) => perOwner.set(owner, (perOwner.get(owner) ?? 0) + 1),
  });
  if (issues === undefined) return;
  mergeTallies(into, fileTallies);
  warnings.push(...duplicateWarnings(place.owner, file.relative, seen.files, perOwner));
}

/** A till whose invalid rows are more than this share of its rows, in basis points, is incomplete. */
export const INCOMPLETE_SHARE_BP = 100;

/**
 * The warning that marks a till's figures as incomplete, or undefined when they are not: more
 * than INCOMPLETE_SHARE_BP of its rows were invalid, or a file was left out whole.
 */
export function incompleteWarning(owner: string, seen: TillFiles): string | undefined {
  const tooMany = seen.invalid * 10000 > seen.rows * INCOMPLETE_SHARE_BP;
  if (!tooMany && seen.filesLeftOut === 0) return undefined;
  const parts: string[] = [];
  if (seen.invalid > 0) {
    const percent = ((seen.invalid * 100) / seen.rows).toFixed(2);
    parts.push(`${seen.invalid} of ${seen.rows} rows invalid (${percent} %)`);
  }
  if (seen.filesLeftOut > 0) parts.push(`${counted(seen.filesLeftOut, "file")} left out whole`);
  return `${owner}: incomplete figures: ${parts.join(", ")}; see the warnings above`;
}

/** How many times a till is read again when imports keep replacing its directory meanwhile. */
export const TILL_READ_ATTEMPTS = 5;

/** One till's share of a report, kept apart until it is known to come from one snapshot. */
interface TillPart {
  tallies: Tallies;
  labels: Map<string, string>;
  warnings: string[];
  /** Whether its figures leave out more than a small share of its rows. */
  incomplete: boolean;
  /** The first and last dates of its data, whatever the range. */
  first: LocalDate | undefined;
  last: LocalDate | undefined;
}

async function readPlace(place: Place, spec: SumSpec, part: TillPart): Promise<void> {
  const { tallies, labels, warnings } = part;
  const labelsKind = labelKind(spec.by);
  const kinds = labelsKind === undefined ? [spec.kind] : [spec.kind, labelsKind];
  const files = await filesOf(place, kinds, warnings);
  const seen = newTillFiles();
  for (const file of files.get(spec.kind) ?? []) {
    await readDataFile(place, file, spec, tallies, seen, warnings);
  }
  part.first = seen.first;
  part.last = seen.last;
  const incomplete = incompleteWarning(place.owner, seen);
  if (incomplete !== undefined) {
    warnings.push(incomplete);
    part.incomplete = true;
  }
  if (labelsKind === undefined) return;
  for (const file of files.get(labelsKind) ?? []) {
    await readLabels(place, file, labelsKind, labels, warnings);
  }
}

/**
 * Runs a reading of the folder `before`; false when it failed because a swap replaced the folder
 * under it (a file vanished), true when it completed. A failure no swap explains is thrown.
 */
async function readsOneSnapshot(
  before: FolderSnapshot,
  target: string,
  read: () => Promise<void>,
): Promise<boolean> {
  try {
    await read();
    return true;
  } catch (error) {
    if (sameFolder(before, await currentFolder(target))) throw error;
    return false;
  }
}

/**
 * Reads one till as one snapshot, without the central's lock: an import may swap its directory
 * in while the report reads it (docs/central-layout.md#the-till-directory-swap: the swap is all or
 * nothing, not the reading). The folder is looked at before and after; when another folder stands
 * there afterwards, what was read may mix the old data with the new, or have lost files, so it is
 * read again.
 */
async function readTill(
  request: CollectRequest,
  till: TillRecord,
  spec: SumSpec,
): Promise<TillPart | undefined> {
  const target = tillDirectory(request.paths, till);
  for (let attempt = 1; ; attempt++) {
    const before = await currentFolder(target);
    if (before === undefined) return undefined;
    const part: TillPart = {
      tallies: newTallies(spec),
      labels: new Map(),
      warnings: [],
      incomplete: false,
      first: undefined,
      last: undefined,
    };
    const place: Place = {
      owner: till.ref,
      dir: before.path,
      encoding: till.encoding,
      columns: till.columns,
    };
    if (await readsOneSnapshot(before, target, () => readPlace(place, spec, part))) {
      await request.afterTillRead?.(till.ref, attempt);
      if (sameFolder(before, await currentFolder(target))) return part;
    }
    if (attempt === TILL_READ_ATTEMPTS) {
      throw new CaisseError(
        "E_IO",
        `cannot read ${target} for ${till.ref}: imports replaced it ${attempt} times while the report read it`,
        {
          details: { path: target },
          hint: "run the report again once the imports are done.",
        },
      );
    }
  }
}

/** The label book of a report: the labels read are family or article labels, as `by` says. */
export function labelBookOf(by: Dimension, labels: Map<string, string>): LabelBook {
  return {
    families: by === "family" ? labels : new Map(),
    articles: by === "article" ? labels : new Map(),
  };
}

/**
 * The labels of the central's catalogue, which is the reference: they come first in the book.
 */
export async function readCatalogLabels(
  paths: CentralPaths,
  kind: "familles" | "articles",
  labels: Map<string, string>,
  warnings: string[],
): Promise<void> {
  if ((await folderAt(paths.catalog)) === undefined) return;
  const place: Place = { owner: "catalog", dir: paths.catalog };
  const files = await filesOf(place, [kind], warnings);
  for (const file of files.get(kind) ?? []) await readLabels(place, file, kind, labels, warnings);
}

/**
 * Gathers the data of a report from the selected tills' directories (see docs/csv-format.md and
 * docs/reports.md): every `ventes*.csv` (or `reglements*.csv` for `--by payment`) anywhere below
 * each till's directory, matched case-insensitively, read with the till's encoding and column
 * mapping. Each file is summed apart and added only once read to its end, so a file that cannot be
 * read is left out whole; each till is read as one snapshot (see `readTill`). One pass fills both
 * the reported and the compared range.
 */
export async function collectReport(request: CollectRequest): Promise<Collected> {
  const { by, range, comparison } = request;
  const spec: SumSpec = {
    kind: sourceOf(by) === "payments" ? "reglements" : "ventes",
    by,
    range,
    comparison,
    prices: request.prices,
  };
  const total = newTallies(spec);
  const labelsKind = labelKind(by);
  const labels = new Map<string, string>();
  const warnings: string[] = [];
  const incomplete: string[] = [];
  const lastSale = new Map<string, LocalDate>();
  const firstSale = new Map<string, LocalDate>();

  if (labelsKind !== undefined)
    await readCatalogLabels(request.paths, labelsKind, labels, warnings);

  for (const till of request.tills) {
    const part = await readTill(request, till, spec);
    if (part === undefined) {
      const dir = tillDirectory(request.paths, till);
      warnings.push(`${till.ref}: no data yet (folder ${dir} not found)`);
      continue;
    }
    mergeTallies(total, part.tallies);
    for (const [code, label] of part.labels) if (!labels.has(code)) labels.set(code, label);
    warnings.push(...part.warnings);
    if (part.incomplete) incomplete.push(till.ref);
    if (part.first !== undefined) firstSale.set(till.ref, part.first);
    if (part.last !== undefined) lastSale.set(till.ref, part.last);
  }

  return {
    data: total.data,
    compared: total.compared,
    labels: labelBookOf(by, labels),
    warnings,
    incomplete,
    lastSale,
    firstSale,
  };
}
