import {
  Aggregator,
  inRange,
  type Comparison,
  type DateRange,
  type Dimension,
  type LocalDate,
  type PurchasePrices,
  type RowOf,
  type WalkedFile,
} from "@caisse/core";
import { labelKind, readLabels } from "./labels.js";
import { incompleteWarning, newTillFiles, readOwnedRows, duplicateWarnings } from "./owned.js";
import type { TillFiles } from "./owned.js";
import { filesOf, type DataKind, type Place } from "./place.js";

/** What a report sums: the data files of one kind, over the reported and compared ranges. */
export interface SumSpec {
  kind: DataKind;
  by: Dimension;
  range: DateRange;
  comparison: Comparison | undefined;
  prices?: PurchasePrices | undefined;
}

/** Running sums: the reported range, and the compared one with its dates brought onto it. */
export interface Tallies {
  data: Aggregator;
  compared: Aggregator | undefined;
}

export function newTallies(spec: SumSpec): Tallies {
  const toReported = spec.comparison?.toReported;
  return {
    data: new Aggregator(spec.by, undefined, spec.prices),
    compared: toReported === undefined ? undefined : new Aggregator(spec.by, toReported),
  };
}

export function mergeTallies(into: Tallies, from: Tallies): void {
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
 * was read whole. Each row counts in the reported range, the compared range, or both. A ticket of
 * those ranges that an earlier file of the till already gave is left out of this one and reported
 * once per pair of files.
 *
 * The file's tickets are counted and forgotten before the merge (Aggregator.settle): a ticket is
 * counted from the one file that gave it first, so no other file adds it again, and the report
 * keeps counts, not ticket sets; its memory grows with one file's tickets, not with the history.
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
  fileTallies.data.settle();
  fileTallies.compared?.settle();
  mergeTallies(into, fileTallies);
  warnings.push(...duplicateWarnings(place.owner, file.relative, seen.files, perOwner));
}

/** One till's share of a report, kept apart until it is known to come from one snapshot. */
export interface TillPart {
  tallies: Tallies;
  labels: Map<string, string>;
  warnings: string[];
  /** Whether its figures leave out more than a small share of its rows. */
  incomplete: boolean;
  /** The first and last dates of its data, whatever the range. */
  first: LocalDate | undefined;
  last: LocalDate | undefined;
}

/** Reads the data files and label files of one till's folder (see `collectReport`). */
export async function readTillPart(place: Place, spec: SumSpec): Promise<TillPart> {
  const part: TillPart = {
    tallies: newTallies(spec),
    labels: new Map(),
    warnings: [],
    incomplete: false,
    first: undefined,
    last: undefined,
  };
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
  if (labelsKind === undefined) return part;
  for (const file of files.get(labelsKind) ?? []) {
    await readLabels(place, file, labelsKind, labels, warnings);
  }
  return part;
}
