import { oneLine, formatDate, type Locale, type Report } from "@caisse/core";
import { MARGIN_WORDS, REPORT_WORDS, type ReportWords } from "@caisse/cli";
import { timeCell } from "./cells.js";
import { warningIn } from "./warnings.js";
import {
  defaultMetrics,
  displayValue,
  figureColumns,
  withMark,
  withNever,
  type FigureColumn,
  type Line,
} from "./columns.js";
import type { Metric } from "./formats.js";

/** How a report is asked to be written; every renderer takes it. */
export interface RenderOptions {
  /** Figures and words: `1 234,56 €` in French, `€1,234.56` in English. */
  locale: Locale;
  /**
   * Colour codes allowed: only on a terminal and without NO_COLOR (see
   * docs/operations.md#logs).
   */
  color: boolean;
  /**
   * The terminal's width in characters: a table wider than that is cut into several tables (see
   * docs/reports.md#wide-reports); none: never cut.
   */
  width?: number | undefined;
  /** The figure columns chosen with `--metrics`; none: the format's own (see defaultMetrics). */
  metrics?: readonly Metric[] | undefined;
}

/**
 * A report laid out for people, shared by the table, Markdown and HTML renderers: every cell is
 * already formatted in the locale and on one line, free of control characters; each renderer
 * only adds its own markup and escaping.
 */
export interface ReportGrid {
  /** One line saying what the figures are: `Turnover by family, 2026-11-01 to 2026-11-30`. */
  title: string;
  head: string[];
  /** Per column: true for figures, which are right-aligned. */
  numeric: boolean[];
  body: string[][];
  /** The total row. */
  total: string[];
  /**
   * How many columns on the left name the row (key and label): repeated in each part when a
   * table too wide for the terminal is cut.
   */
  naming: number;
  /** The heading of the warnings, and the warnings, each on one line. */
  warningsTitle: string;
  warnings: string[];
  /** The heading of the freshness lines, and one line per till (see docs/reports.md#freshness). */
  freshnessTitle: string;
  freshness: string[];
}

/** The words of a locale that the renderers share (the total row's name, for CSV). */
export function totalWord(locale: Locale): string {
  return REPORT_WORDS[locale].total;
}

function titleOf(report: Report, words: ReportWords, locale: Locale): string {
  const parts = [`${words.turnover} ${words.by[report.by]}`];
  parts.push(
    report.from === null || report.to === null
      ? words.noSales
      : words.range(formatDate(report.from, locale), formatDate(report.to, locale)),
  );
  if (report.compared !== undefined) {
    const { from, to } = report.compared;
    parts.push(words.compared(formatDate(from, locale), formatDate(to, locale)));
  }
  return oneLine(parts.join(", "));
}

/**
 * One line per till saying how fresh its data is: `D01 Magasin 1: last sale 2026-11-20, last
 * archive 2026-11-27 02:10 (#12)`, or that it never sent anything.
 */
function freshnessLines(report: Report, words: ReportWords, locale: Locale): string[] {
  const colon = locale === "fr" ? " : " : ": ";
  // Nothing known (a report built without freshness): no line rather than a wrong one.
  const known = report.tills.filter(
    (till) => till.never || till.lastSale !== null || till.lastArchive !== null,
  );
  return known.map((till) => {
    const name = `${till.ref} ${till.name}`;
    if (till.never) return oneLine(`${name}${colon}${words.neverSent}`);
    const sale =
      till.lastSale === null ? words.noSale : words.lastSale(formatDate(till.lastSale, locale));
    const archive =
      till.lastArchive === null
        ? words.noArchive
        : words.lastArchive(timeCell(till.lastArchive, locale), till.sequence);
    return oneLine(`${name}${colon}${sale}, ${archive}`);
  });
}

/**
 * Lays a report out for people in the locale (see {@link ReportGrid}): the key and label, then
 * the figure columns of `metrics` (by default: with `--by till` each till's own figures, one row
 * per till; otherwise the stores side by side, one TTC column per store named `Magasin 1 (D01)`,
 * then the row's total), then the comparison's with `--compare`.
 */
export function reportGrid(
  report: Report,
  locale: Locale,
  metrics: readonly Metric[] = defaultMetrics(report, false),
): ReportGrid {
  const words = REPORT_WORDS[locale];
  const columns: FigureColumn[] = figureColumns(report, words, metrics, MARGIN_WORDS[locale]);
  const cells = (line: Line, isTotal: boolean, key: string, label: string): string[] => [
    key,
    label,
    ...columns.map((column) => displayValue(column.value(line, isTotal), locale)),
  ];
  const head = [
    words.key[report.by],
    report.by === "till" ? words.name : words.label,
    ...columns.map((column) => column.head),
  ];
  return {
    title: titleOf(report, words, locale),
    head,
    // Key and label are text; every other column is a figure.
    numeric: head.map((_, index) => index >= 2),
    body: report.rows.map((row) =>
      cells(
        row,
        false,
        // The till's own row is marked; other rows show the mark on the till's column.
        withNever(
          withMark(oneLine(row.key), report.by === "till" && row.incomplete === true, words),
          report.by === "till" ? report.tills.find((till) => till.ref === row.key) : undefined,
          words,
        ),
        oneLine(row.label),
      ),
    ),
    total: cells(
      report.total,
      true,
      withMark(words.total, report.total.incomplete === true, words),
      "",
    ),
    naming: 2,
    warningsTitle: words.warnings,
    warnings: report.warnings.map((warning) => oneLine(warningIn(warning, locale))),
    freshnessTitle: words.freshness,
    freshness: freshnessLines(report, words, locale),
  };
}
