import {
  Aggregator,
  CaisseError,
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

/** What a report sums: the data files of one kind, over the reported and compared ranges. */
interface SumSpec {
  kind: DataKind;
  by: Dimension;
  range: DateRange;
  comparison: Comparison | undefined;
}

/** Running sums: the reported range, and the compared one with its dates brought onto it. */
interface Tallies {
  data: Aggregator;
  compared: Aggregator | undefined;
}

function newTallies(spec: SumSpec): Tallies {
  const toReported = spec.comparison?.toReported;
  return {
    data: new Aggregator(spec.by),
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
 * Sums one data file into aggregators of its own, merged into the report's only when the file
 * was read whole. Each row counts in the reported range, the compared range, or both.
 */
async function readDataFile(
  place: Place,
  file: WalkedFile,
  spec: SumSpec,
  into: Tallies,
  warnings: string[],
): Promise<void> {
  const { range, comparison } = spec;
  const fileTallies = newTallies(spec);
  const whole = await readWhole(
    place,
    file,
    spec.kind,
    (row) => {
      const date = dateOf(row.at);
      if (inRange(date, range)) addRow(fileTallies.data, place.owner, row);
      if (
        fileTallies.compared !== undefined &&
        comparison !== undefined &&
        inRange(date, comparison.range)
      ) {
        addRow(fileTallies.compared, place.owner, row);
      }
    },
    warnings,
  );
  if (whole) mergeTallies(into, fileTallies);
}

/** How many times a till is read again when imports keep replacing its directory meanwhile. */
export const TILL_READ_ATTEMPTS = 5;

/** One till's share of a report, kept apart until it is known to come from one snapshot. */
interface TillPart {
  tallies: Tallies;
  labels: Map<string, string>;
  warnings: string[];
}

async function readPlace(place: Place, spec: SumSpec, part: TillPart): Promise<void> {
  const { tallies, labels, warnings } = part;
  const labelsKind = labelKind(spec.by);
  const kinds = labelsKind === undefined ? [spec.kind] : [spec.kind, labelsKind];
  const files = await filesOf(place, kinds, warnings);
  for (const file of files.get(spec.kind) ?? []) {
    await readDataFile(place, file, spec, tallies, warnings);
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
    const part: TillPart = { tallies: newTallies(spec), labels: new Map(), warnings: [] };
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
  };
  const total = newTallies(spec);
  const labelsKind = labelKind(by);
  const labels = new Map<string, string>();
  const warnings: string[] = [];

  // The central's catalogue is the reference: its labels come first.
  if (labelsKind !== undefined && (await folderAt(request.paths.catalog)) !== undefined) {
    const place: Place = { owner: "catalog", dir: request.paths.catalog };
    const files = await filesOf(place, [labelsKind], warnings);
    for (const file of files.get(labelsKind) ?? []) {
      await readLabels(place, file, labelsKind, labels, warnings);
    }
  }

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
  }

  return {
    data: total.data,
    compared: total.compared,
    labels: {
      families: by === "family" ? labels : new Map(),
      articles: by === "article" ? labels : new Map(),
    },
    warnings,
  };
}
