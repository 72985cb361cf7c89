import { isoWeekOf, monthOf, type LocalDate } from "../dates.js";
import { addCents, ZERO_CENTS, type Cents, type Locale } from "../money.js";
import { mergeTallies, type Aggregator, type TillTallies } from "./aggregate.js";
import { isTimeDimension, type Dimension } from "./dimension.js";
import { labelOf, othersLabel, type LabelBook, type LabelSources } from "./labels.js";
import {
  OTHERS_KEY,
  type Figures,
  type Report,
  type ReportRow,
  type ReportTill,
  type ReportTotal,
  type TillFreshness,
  type TillRef,
} from "./model.js";
import type { ClosedRange, CompareMode, DateRange } from "./period.js";
import { compareFigures, figuresOf } from "./tally.js";

/** Everything a report is made from; the collector gathers it, `buildReport` only computes. */
export interface ReportInput {
  by: Dimension;
  /** The range asked for; an open end is filled with the first or last date found. */
  range: DateRange;
  /** The selected tills, in till-table order. */
  tills: readonly TillRef[];
  /** The lines of the range, summed. */
  data: Aggregator;
  /** With `--compare`: the lines of the compared range, summed with their dates shifted. */
  comparison?: { mode: CompareMode; range: ClosedRange; data: Aggregator } | undefined;
  /** `--top N`: keep the N rows with the largest TTC, sum the others into one row. */
  top?: number | undefined;
  labels: LabelBook;
  warnings: readonly string[];
  /** The refs of the tills whose figures are incomplete (see docs/reports.md#incomplete-figures). */
  incomplete?: readonly string[] | undefined;
  /**
   * Per till ref, how fresh its data is (see docs/reports.md#freshness). When given, a till's
   * figures after its last sale are marked `noData`, a till missing from it counting as one that
   * never sent anything; when absent, nothing is marked (the freshness is unknown).
   */
  freshness?: ReadonlyMap<string, FreshnessInput> | undefined;
  locale: Locale;
}

/** What the collector knows of a till's data: its freshness, and its first sale. */
export interface FreshnessInput extends TillFreshness {
  /** The date of its first sale found, to tell whether a compared period is covered. */
  firstSale: LocalDate | null;
}

const UNKNOWN: FreshnessInput = {
  firstSale: null,
  lastSale: null,
  lastArchive: null,
  sequence: null,
  never: true,
};

function freshnessOf(input: ReportInput, till: string): FreshnessInput | undefined {
  return input.freshness === undefined ? undefined : (input.freshness.get(till) ?? UNKNOWN);
}

/** The key of the time row a date falls in, for the dimensions whose rows are dates. */
function timeKeyOf(by: Dimension, date: LocalDate): string | undefined {
  if (by === "day") return date;
  if (by === "week") return isoWeekOf(date);
  if (by === "month") return monthOf(date);
  return undefined;
}

/**
 * Whether a till's figures of a row are "no data": the whole of the row's time comes after the
 * till's last sale. For day, week and month rows, the row's own time; for any other row, the
 * report's period (from its first day). Row keys of these dimensions compare as strings.
 */
function isNoData(
  input: ReportInput,
  till: string,
  rowKey: string | undefined,
  start: LocalDate | null,
): boolean {
  const freshness = freshnessOf(input, till);
  if (freshness === undefined) return false;
  const { lastSale } = freshness;
  if (lastSale === null) return true;
  const timeKey = rowKey === undefined ? undefined : timeKeyOf(input.by, lastSale);
  if (timeKey !== undefined && rowKey !== undefined) return rowKey > timeKey;
  return start !== null && lastSale < start;
}

function markedNoData<T extends { noData?: true }>(figures: T, noData: boolean): T {
  if (noData) figures.noData = true;
  return figures;
}

const EMPTY: TillTallies = new Map();

/** Marks figures that include an incomplete till; unmarked figures carry no `incomplete` key. */
function marked<T extends { incomplete?: true }>(figures: T, incomplete: boolean): T {
  if (incomplete) figures.incomplete = true;
  return figures;
}

function isIncomplete(input: ReportInput, till: string): boolean {
  return input.incomplete?.includes(till) ?? false;
}

/** Whether any selected till is incomplete: then every figure summing all tills is. */
function anyIncomplete(input: ReportInput): boolean {
  return input.tills.some((till) => isIncomplete(input, till.ref));
}

function ttcOf(tallies: TillTallies | undefined): Cents {
  let ttc = ZERO_CENTS;
  for (const tally of tallies?.values() ?? []) ttc = addCents(ttc, tally.ttc);
  return ttc;
}

/** The row keys: every selected till for `--by till`, else every key seen in either period. */
function rowKeys(input: ReportInput): string[] {
  if (input.by === "till") return input.tills.map((till) => till.ref);
  const keys = new Set(input.data.rows.keys());
  for (const key of input.comparison?.data.rows.keys() ?? []) keys.add(key);
  return [...keys];
}

/** Time in order; tills in table order (as `rowKeys` gives them); the rest by TTC, largest first. */
function sortRows(by: Dimension, rows: ReportRow[]): ReportRow[] {
  if (by === "till") return rows;
  if (isTimeDimension(by)) return rows.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return rows.sort(byTtcDescending);
}

function byTtcDescending(a: { key: string; ttc: number }, b: { key: string; ttc: number }): number {
  return b.ttc - a.ttc || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}

/** Per-till figures of one row: every selected till, zeros where it sold nothing. */
function perTill(
  input: ReportInput,
  tallies: TillTallies,
  totalTtc: Cents,
  rowKey: string | undefined,
): Record<string, Figures> {
  const source = input.data.source;
  const start = startOf(input);
  return Object.fromEntries(
    input.tills.map((till) => {
      const tally = tallies.get(till.ref);
      const tallied = tally === undefined ? [] : [tally];
      const figures = figuresOf(tallied, source, totalTtc, input.data.withMargin);
      marked(figures, isIncomplete(input, till.ref));
      return [till.ref, markedNoData(figures, isNoData(input, till.ref, rowKey, start))];
    }),
  );
}

/** The report's first day: the one asked for, else the first found. */
function startOf(input: ReportInput): LocalDate | null {
  return input.range.from ?? input.data.first ?? null;
}

function makeRow(
  input: ReportInput,
  key: string,
  label: string,
  tallies: TillTallies,
  comparedTtc: Cents | undefined,
  totalTtc: Cents,
): ReportRow {
  const row: ReportRow = {
    key,
    label,
    ...figuresOf(tallies.values(), input.data.source, totalTtc, input.data.withMargin),
  };
  marked(row, input.by === "till" ? isIncomplete(input, key) : anyIncomplete(input));
  if (input.by === "till" && key !== OTHERS_KEY) {
    markedNoData(row, isNoData(input, key, undefined, startOf(input)));
  }
  if (input.by !== "till") row.byTill = perTill(input, tallies, totalTtc, key);
  if (comparedTtc !== undefined) row.compare = compareFigures(row.ttc, comparedTtc);
  return row;
}

/**
 * The `--top N` remainder: its own set of lines, so its tickets are distinct pairs (a ticket in
 * two of the rows counts once): the per-till tallies are merged, not their figures added.
 */
function othersRow(input: ReportInput, rest: readonly ReportRow[], totalTtc: Cents): ReportRow {
  const tallies: TillTallies = new Map();
  let comparedTtc: Cents | undefined = input.comparison === undefined ? undefined : ZERO_CENTS;
  for (const row of rest) {
    mergeTallies(tallies, input.data.rows.get(row.key) ?? EMPTY);
    if (comparedTtc !== undefined && row.compare !== undefined) {
      comparedTtc = addCents(comparedTtc, row.compare.ttc);
    }
  }
  // Counted tickets (the report index) of several rows cannot be added: ask for their union.
  const union = input.data.ticketsOfRows?.(rest.map((row) => row.key));
  if (union !== undefined) {
    for (const [till, tally] of tallies) {
      tally.tickets.clear();
      tally.countedTickets = union.get(till) ?? 0;
    }
  }
  const row = makeRow(input, OTHERS_KEY, othersLabel(input.locale), tallies, comparedTtc, totalTtc);
  // With `--by till`, the remainder sums the left-out tills: incomplete when one of them is.
  return marked(
    row,
    rest.some((kept) => kept.incomplete === true),
  );
}

/**
 * The rows `--top N` keeps: the N with the largest TTC, ties by key; undefined when it keeps
 * them all.
 */
export function keptByTop<T extends { key: string; ttc: number }>(
  rows: readonly T[],
  top: number | undefined,
): Set<T> | undefined {
  if (top === undefined || rows.length <= top) return undefined;
  return new Set([...rows].sort(byTtcDescending).slice(0, top));
}

function applyTop(input: ReportInput, rows: ReportRow[], totalTtc: Cents): ReportRow[] {
  const kept = keptByTop(rows, input.top);
  if (kept === undefined) return rows;
  const rest = rows.filter((row) => !kept.has(row));
  return [...rows.filter((row) => kept.has(row)), othersRow(input, rest, totalTtc)];
}

function totalOf(input: ReportInput): ReportTotal {
  const { data } = input;
  const figures = figuresOf(data.total.values(), data.source, ZERO_CENTS, data.withMargin);
  // Every figure but the share, which would be 100 % by definition.
  const total: ReportTotal = {
    ttc: figures.ttc,
    ht: figures.ht,
    vat: figures.vat,
    tickets: figures.tickets,
    quantity: figures.quantity,
    avgBasket: figures.avgBasket,
  };
  if (data.withMargin) {
    total.cost = figures.cost ?? null;
    total.margin = figures.margin ?? null;
    total.marginRateBp = figures.marginRateBp ?? null;
  }
  marked(total, anyIncomplete(input));
  // Every till after its last sale: the total is no data too.
  const start = startOf(input);
  markedNoData(
    total,
    input.freshness !== undefined &&
      input.tills.length > 0 &&
      input.tills.every((till) => isNoData(input, till.ref, undefined, start)),
  );
  if (input.by !== "till") total.byTill = perTill(input, input.data.total, figures.ttc, undefined);
  if (input.comparison !== undefined) {
    total.compare = compareFigures(figures.ttc, ttcOf(input.comparison.data.total));
  }
  return total;
}

/**
 * Computes a report from summed data (see docs/reports.md). Pure: the same input gives the same
 * report. The total is computed from its own tallies (its HT from its own TTC per rate, its
 * tickets counted once), never by adding up the rows.
 */
export function buildReport(input: ReportInput): Report {
  const total = totalOf(input);
  const sources: LabelSources = {
    tills: input.tills,
    labels: input.labels,
    saleLabels: mergedSaleLabels(input),
    locale: input.locale,
  };
  const rows = rowKeys(input).map((key) =>
    makeRow(
      input,
      key,
      labelOf(input.by, key, sources),
      input.data.rows.get(key) ?? EMPTY,
      input.comparison === undefined ? undefined : ttcOf(input.comparison.data.rows.get(key)),
      total.ttc,
    ),
  );
  const report: Report = {
    from: input.range.from ?? input.data.first ?? null,
    to: input.range.to ?? input.data.last ?? null,
    by: input.by,
    currency: "EUR",
    tills: input.tills.map((till) => reportTill(input, till)),
    rows: applyTop(input, sortRows(input.by, rows), total.ttc),
    total,
    warnings: [...input.warnings, ...staleWarnings(input)],
  };
  if (input.comparison !== undefined) {
    const { mode, range } = input.comparison;
    report.compared = { mode, from: range.from, to: range.to };
    const gaps = comparisonGaps(input, { from: range.from, to: report.to ?? range.to });
    if (gaps.length > 0) {
      report.compared.partial = true;
      report.warnings.push(
        `the comparison is partial: ${gaps.join("; ")} (see the freshness of each till)`,
      );
    }
  }
  return report;
}

function reportTill(input: ReportInput, till: TillRef): ReportTill {
  const freshness = freshnessOf(input, till.ref);
  return {
    ref: till.ref,
    name: till.name,
    lastSale: freshness?.lastSale ?? null,
    lastArchive: freshness?.lastArchive ?? null,
    sequence: freshness?.sequence ?? null,
    never: freshness?.never ?? false,
  };
}

/**
 * One warning per till that has data, but none in the whole period: its last sale came before
 * the period's start. A till that never sent anything is marked as such in its row instead.
 */
function staleWarnings(input: ReportInput): string[] {
  const start = startOf(input);
  if (start === null) return [];
  const warnings: string[] = [];
  for (const till of input.tills) {
    const lastSale = freshnessOf(input, till.ref)?.lastSale;
    if (lastSale !== undefined && lastSale !== null && lastSale < start) {
      warnings.push(`${till.ref}: no data in the period: its last sale was on ${lastSale}`);
    }
  }
  return warnings;
}

/**
 * What keeps a comparison from covering both periods, per till with data: its first sale after
 * the compared period's start, or its last sale before the reported period's end (the days after
 * it are no data, while the compared period has them).
 */
function comparisonGaps(input: ReportInput, span: { from: LocalDate; to: LocalDate }): string[] {
  const gaps: string[] = [];
  for (const till of input.tills) {
    const freshness = freshnessOf(input, till.ref);
    if (freshness === undefined || freshness.never) continue;
    const { firstSale, lastSale } = freshness;
    if (firstSale !== null && firstSale > span.from) {
      gaps.push(`${till.ref} has no data before ${firstSale}`);
    }
    if (lastSale !== null && lastSale < span.to)
      gaps.push(`${till.ref} has no data after ${lastSale}`);
  }
  return gaps;
}

// An article sold only in the compared period still gets its label from those sales.
function mergedSaleLabels(input: ReportInput): ReadonlyMap<string, { label: string }> {
  const compared = input.comparison?.data.saleLabels;
  if (compared === undefined || compared.size === 0) return input.data.saleLabels;
  return new Map([...compared, ...input.data.saleLabels]);
}
