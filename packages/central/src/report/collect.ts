import {
  answerRemainder,
  sourceOf,
  topSplit,
  type Aggregator,
  type Comparison,
  type DateRange,
  type Dimension,
  type FolderSnapshot,
  type LabelBook,
  type LocalDate,
  type PurchasePrices,
} from "@caisse/core";
import { tillDirectory, type CentralPaths, type TillRecord } from "../config.js";
import { labelBookOf, labelKind, readCatalogLabels } from "./labels.js";
import { remainderTickets } from "./remainder.js";
import { readSnapshot, replacedTooOften, TILL_READ_ATTEMPTS } from "./snapshot.js";
import { mergeTallies, newTallies, readTillPart, type SumSpec } from "./tillSums.js";

export { FileIssues, LISTED_ISSUES, readWhole } from "./fileRows.js";
export { labelBookOf, labelKind, readCatalogLabels, readLabels } from "./labels.js";
export {
  duplicateWarnings,
  INCOMPLETE_SHARE_BP,
  incompleteWarning,
  newTillFiles,
  readOwnedRows,
  type RowSink,
  type TillFiles,
} from "./owned.js";
export { filesOf, type DataKind, type Place } from "./place.js";
export { TILL_READ_ATTEMPTS } from "./snapshot.js";

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
   * `--top N`: the tickets of the remainder row are not the sum of its rows' (see remainder.ts
   * and reportIndex/query.ts).
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

/** A collection of the tills' data, and the folders it was read from. */
interface Gathered {
  collected: Collected;
  folders: Map<string, FolderSnapshot | undefined>;
}

async function gather(request: CollectRequest, spec: SumSpec): Promise<Gathered> {
  const { by } = request;
  const total = newTallies(spec);
  const labelsKind = labelKind(by);
  const labels = new Map<string, string>();
  const warnings: string[] = [];
  const incomplete: string[] = [];
  const lastSale = new Map<string, LocalDate>();
  const firstSale = new Map<string, LocalDate>();
  const folders = new Map<string, FolderSnapshot | undefined>();

  if (labelsKind !== undefined)
    await readCatalogLabels(request.paths, labelsKind, labels, warnings);

  for (const till of request.tills) {
    const target = tillDirectory(request.paths, till);
    const read = await readSnapshot(
      target,
      till.ref,
      (dir) =>
        readTillPart(
          { owner: till.ref, dir, encoding: till.encoding, columns: till.columns },
          spec,
        ),
      async (attempt) => request.afterTillRead?.(till.ref, attempt),
    );
    folders.set(till.ref, read?.folder);
    if (read === undefined) {
      warnings.push(`${till.ref}: no data yet (folder ${target} not found)`);
      continue;
    }
    const part = read.value;
    mergeTallies(total, part.tallies);
    for (const [code, label] of part.labels) if (!labels.has(code)) labels.set(code, label);
    warnings.push(...part.warnings);
    if (part.incomplete) incomplete.push(till.ref);
    if (part.first !== undefined) firstSale.set(till.ref, part.first);
    if (part.last !== undefined) lastSale.set(till.ref, part.last);
  }

  const collected: Collected = {
    data: total.data,
    compared: total.compared,
    labels: labelBookOf(by, labels),
    warnings,
    incomplete,
    lastSale,
    firstSale,
  };
  return { collected, folders };
}

/**
 * Gathers the data of a report from the selected tills' directories (see docs/csv-format.md and
 * docs/reports.md): every `ventes*.csv` (or `reglements*.csv` for `--by payment`) anywhere below
 * each till's directory, matched case-insensitively, read with the till's encoding and column
 * mapping. Each file is summed apart and added only once read to its end, so a file that cannot be
 * read is left out whole; each till is read as one snapshot (see `readSnapshot`). One pass fills
 * both the reported and the compared range; with `--top N` over rows that share tickets, a
 * second pass counts the remainder's tickets (see remainder.ts), and both are done again should
 * an import replace a till's directory between them.
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
  for (let attempt = 1; ; attempt++) {
    const { collected, folders } = await gather(request, spec);
    const split = topSplit(collected.data, collected.compared, request.top);
    if (split === undefined) return collected;
    const union = await remainderTickets({
      paths: request.paths,
      tills: request.tills,
      kind: spec.kind,
      by,
      range,
      kept: split.kept,
      folders,
    });
    if (union instanceof Map) {
      answerRemainder(collected.data, split, union);
      return collected;
    }
    if (attempt === TILL_READ_ATTEMPTS) {
      throw replacedTooOften(tillDirectory(request.paths, union), union.ref, attempt);
    }
  }
}
