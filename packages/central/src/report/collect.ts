import {
  Aggregator,
  CaisseError,
  dateOf,
  fileKindOf,
  inRange,
  ioError,
  isCaisseError,
  readCsv,
  systemErrorCode,
  walkFiles,
  type Comparison,
  type CsvIssue,
  type DateRange,
  type Dimension,
  type FileKind,
  type LabelBook,
  type RowOf,
  type WalkedFile,
} from "@caisse/core";
import { stat } from "node:fs/promises";
import { tillDirectory, type CentralPaths, type TillRecord } from "../config.js";
import { currentFolder, sameFolder, type FolderSnapshot } from "../swap.js";

/** What to gather for a report. */
export interface CollectRequest {
  paths: CentralPaths;
  /** The selected tills, in till-table order. */
  tills: readonly TillRecord[];
  by: Dimension;
  range: DateRange;
  /** With `--compare`: the compared range, filled in the same pass over the files. */
  comparison?: Comparison | undefined;
  /** Called after each reading of a till, before the check that it was one snapshot (tests). */
  afterTillRead?: ((till: string, attempt: number) => Promise<void>) | undefined;
}

/** The summed data of a report, its labels, and what was left out. */
export interface Collected {
  data: Aggregator;
  /** The compared range's data, its dates brought onto the reported period. */
  compared: Aggregator | undefined;
  labels: LabelBook;
  /** One line per invalid row, per file left out, per till without data. */
  warnings: string[];
}

/** A folder whose till files are read: a till's directory, or the central's catalogue. */
interface Place {
  /** How warnings name it: the till ref, or `catalog`. */
  owner: string;
  dir: string;
  encoding?: string | undefined;
  columns?: Readonly<Record<string, string>> | undefined;
}

type DataKind = "ventes" | "reglements";

function issueWarning(owner: string, issue: CsvIssue): string {
  const where = issue.line === undefined ? issue.file : `${issue.file} line ${issue.line}`;
  return `${owner} ${where}: ${issue.reason}`;
}

/**
 * Reads one file to its end, giving each row to `take`. Returns false when the file could not be
 * read whole (E_CSV_UNREADABLE, possibly after some rows): the caller then drops what `take`
 * gathered, and the file is reported as left out instead of its rows' warnings.
 */
async function readWhole<K extends FileKind>(
  place: Place,
  file: WalkedFile,
  kind: K,
  take: (row: RowOf[K]) => void,
  warnings: string[],
): Promise<boolean> {
  const rowWarnings: string[] = [];
  try {
    const items = readCsv(file.absolute, kind, {
      displayName: file.relative,
      encoding: place.encoding,
      columns: place.columns,
    });
    for await (const item of items) {
      if (item.type === "row") take(item.row);
      else rowWarnings.push(issueWarning(place.owner, item.issue));
    }
  } catch (error) {
    if (!isCaisseError(error, "E_CSV_UNREADABLE")) throw error;
    warnings.push(`${place.owner} ${error.message}; file left out`);
    return false;
  }
  warnings.push(...rowWarnings);
  return true;
}

/**
 * The till files below a place, by kind, in name order. Links are never followed (nothing is
 * read outside the place's folder); a link or special file named like a till file is reported.
 */
async function filesOf(
  place: Place,
  kinds: readonly FileKind[],
  warnings: string[],
): Promise<Map<FileKind, WalkedFile[]>> {
  const files = new Map<FileKind, WalkedFile[]>(kinds.map((kind) => [kind, []]));
  const wanted = (name: string): FileKind | undefined => {
    const kind = fileKindOf(name);
    return kind !== undefined && kinds.includes(kind) ? kind : undefined;
  };
  const skipped = (entry: { relative: string; reason: "link" | "special" }): void => {
    if (wanted(entry.relative) === undefined) return;
    const what = entry.reason === "link" ? "a symbolic link" : "not a regular file";
    warnings.push(`${place.owner} ${entry.relative}: ${what}; file left out`);
  };
  for await (const file of walkFiles(place.dir, skipped)) {
    const kind = wanted(file.relative);
    if (kind !== undefined) files.get(kind)?.push(file);
  }
  return files;
}

/** Whether a folder exists; a missing one is not an error (no catalogue). */
async function folderExists(dir: string): Promise<boolean> {
  try {
    return (await stat(dir)).isDirectory();
  } catch (error) {
    const code = systemErrorCode(error);
    if (code === "ENOENT" || code === "ENOTDIR") return false;
    throw ioError("read the folder", dir, error);
  }
}

/** The label files a dimension needs: family or article labels, else none. */
function labelKind(by: Dimension): "familles" | "articles" | undefined {
  if (by === "family") return "familles";
  if (by === "article") return "articles";
  return undefined;
}

/**
 * Adds the labels of one file to the book; the first place that names a code wins (the
 * catalogue, then the tills in table order), and a file left out gives none.
 */
async function readLabels(
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
  if (!whole) return;
  for (const [code, label] of found) if (!book.has(code) && label !== "") book.set(code, label);
}

/** The report's running sums, and what goes into them. */
interface Sums {
  kind: DataKind;
  range: DateRange;
  comparison: Comparison | undefined;
  data: Aggregator;
  compared: Aggregator | undefined;
}

function addRow(into: Aggregator, till: string, row: RowOf[DataKind]): void {
  // A payment has a mode, a sales line does not.
  if ("mode" in row) into.addPayment(till, row);
  else into.addSale(till, row);
}

/**
 * Sums one data file into aggregators of its own, merged into the report's only when the file
 * was read whole. Each row counts in the reported range, the compared range, or both.
 */
async function readDataFile(
  place: Place,
  file: WalkedFile,
  sums: Sums,
  warnings: string[],
): Promise<void> {
  const { range, comparison } = sums;
  const fileData = new Aggregator(sums.data.by);
  const fileCompared =
    comparison === undefined ? undefined : new Aggregator(sums.data.by, comparison.toReported);
  const whole = await readWhole(
    place,
    file,
    sums.kind,
    (row) => {
      const date = dateOf(row.at);
      if (inRange(date, range)) addRow(fileData, place.owner, row);
      if (
        fileCompared !== undefined &&
        comparison !== undefined &&
        inRange(date, comparison.range)
      ) {
        addRow(fileCompared, place.owner, row);
      }
    },
    warnings,
  );
  if (!whole) return;
  sums.data.merge(fileData);
  if (fileCompared !== undefined) sums.compared?.merge(fileCompared);
}

/** How many times a till is read again when imports keep replacing its directory meanwhile. */
export const TILL_READ_ATTEMPTS = 5;

/** One till's share of a report, kept apart until it is known to come from one snapshot. */
interface TillPart {
  sums: Sums;
  labels: Map<string, string>;
  warnings: string[];
}

function emptyPart(like: Sums): TillPart {
  const { by } = like.data;
  const toReported = like.comparison?.toReported;
  return {
    sums: {
      ...like,
      data: new Aggregator(by),
      compared: toReported === undefined ? undefined : new Aggregator(by, toReported),
    },
    labels: new Map(),
    warnings: [],
  };
}

async function readPlace(
  place: Place,
  kinds: readonly FileKind[],
  labelsKind: "familles" | "articles" | undefined,
  part: TillPart,
): Promise<void> {
  const { sums, labels, warnings } = part;
  const files = await filesOf(place, kinds, warnings);
  for (const file of files.get(sums.kind) ?? []) await readDataFile(place, file, sums, warnings);
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
 * in while the report reads it (SPEC section 4 makes the swap all or nothing, not the reading).
 * The folder is looked at before and after; when another folder stands there afterwards, what was
 * read may mix the old data with the new, or have lost files, so it is read again.
 */
async function readTill(
  request: CollectRequest,
  till: TillRecord,
  kinds: readonly FileKind[],
  labelsKind: "familles" | "articles" | undefined,
  like: Sums,
): Promise<TillPart | undefined> {
  const target = tillDirectory(request.paths, till);
  for (let attempt = 1; ; attempt++) {
    const before = await currentFolder(target);
    if (before === undefined) return undefined;
    const part = emptyPart(like);
    const place: Place = {
      owner: till.ref,
      dir: before.path,
      encoding: till.encoding,
      columns: till.columns,
    };
    if (await readsOneSnapshot(before, target, () => readPlace(place, kinds, labelsKind, part))) {
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

/**
 * Gathers the data of a report from the selected tills' directories (SPEC sections 2 and 6):
 * every `ventes*.csv` (or `reglements*.csv` for `--by payment`) anywhere below each till's
 * directory, matched case-insensitively, read with the till's encoding and column mapping.
 * Each file is summed apart and added only once read to its end, so a file that cannot be read
 * is left out whole; each till is read as one snapshot (see `readTill`). One pass fills both the
 * reported and the compared range.
 */
export async function collectReport(request: CollectRequest): Promise<Collected> {
  const { by, range, comparison } = request;
  const data = new Aggregator(by);
  const sums: Sums = {
    kind: data.source === "payments" ? "reglements" : "ventes",
    range,
    comparison,
    data,
    compared: comparison === undefined ? undefined : new Aggregator(by, comparison.toReported),
  };
  const labelsKind = labelKind(by);
  const labels = new Map<string, string>();
  const warnings: string[] = [];

  // The central's catalogue is the reference: its labels come first.
  if (labelsKind !== undefined && (await folderExists(request.paths.catalog))) {
    const place: Place = { owner: "catalog", dir: request.paths.catalog };
    const files = await filesOf(place, [labelsKind], warnings);
    for (const file of files.get(labelsKind) ?? []) {
      await readLabels(place, file, labelsKind, labels, warnings);
    }
  }

  const kinds = labelsKind === undefined ? [sums.kind] : [sums.kind, labelsKind];
  for (const till of request.tills) {
    const part = await readTill(request, till, kinds, labelsKind, sums);
    if (part === undefined) {
      const dir = tillDirectory(request.paths, till);
      warnings.push(`${till.ref}: no data yet (folder ${dir} not found)`);
      continue;
    }
    data.merge(part.sums.data);
    if (part.sums.compared !== undefined) sums.compared?.merge(part.sums.compared);
    for (const [code, label] of part.labels) if (!labels.has(code)) labels.set(code, label);
    warnings.push(...part.warnings);
  }

  return {
    data,
    compared: sums.compared,
    labels: {
      families: by === "family" ? labels : new Map(),
      articles: by === "article" ? labels : new Map(),
    },
    warnings,
  };
}
