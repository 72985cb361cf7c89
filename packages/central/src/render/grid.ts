import {
  oneLine,
  formatDate,
  type Dimension,
  type Figures,
  type Locale,
  type Report,
  type ReportRow,
  type ReportTill,
  type ReportTotal,
} from "@caisse/core";
import { countCell, deltaCell, moneyCell, NONE, percentCell, timeCell } from "./cells.js";

/** How a report is asked to be written; every renderer takes it. */
export interface RenderOptions {
  /** Figures and words: `1 234,56 €` in French, `€1,234.56` in English. */
  locale: Locale;
  /**
   * Colour codes allowed: only on a terminal and without NO_COLOR (see
   * docs/operations.md#logs).
   */
  color: boolean;
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
  /** The heading of the warnings, and the warnings, each on one line. */
  warningsTitle: string;
  warnings: string[];
  /** The heading of the freshness lines, and one line per till (see docs/reports.md#freshness). */
  freshnessTitle: string;
  freshness: string[];
}

interface Words {
  turnover: string;
  by: Record<Dimension, string>;
  key: Record<Dimension, string>;
  range: (from: string, to: string) => string;
  compared: (from: string, to: string) => string;
  noSales: string;
  name: string;
  label: string;
  vat: string;
  avgBasket: string;
  share: string;
  totalTtc: string;
  comparedTtc: string;
  change: string;
  total: string;
  warnings: string;
  /** Appended to a till, a row or the total whose figures are incomplete. */
  incomplete: string;
  /** A figure after the till's last sale: not a zero. */
  noData: string;
  /** Appended to a till that never sent anything. */
  never: string;
  freshness: string;
  lastSale: (date: string) => string;
  lastArchive: (time: string, sequence: number | null) => string;
  noArchive: string;
  noSale: string;
  neverSent: string;
}

const WORDS: Record<Locale, Words> = {
  fr: {
    turnover: "Chiffre d'affaires",
    by: {
      till: "par magasin",
      family: "par famille",
      article: "par article",
      day: "par jour",
      week: "par semaine",
      month: "par mois",
      hour: "par heure",
      payment: "par mode de règlement",
      vat: "par taux de TVA",
    },
    key: {
      till: "Ref",
      family: "Famille",
      article: "Article",
      day: "Jour",
      week: "Semaine",
      month: "Mois",
      hour: "Heure",
      payment: "Règlement",
      vat: "TVA",
    },
    range: (from, to) => (from === to ? `le ${from}` : `du ${from} au ${to}`),
    compared: (from, to) => `comparé au ${from} – ${to}`,
    noSales: "aucune vente",
    name: "Nom",
    label: "Libellé",
    vat: "TVA",
    avgBasket: "Panier moyen",
    share: "Part",
    totalTtc: "Total TTC",
    comparedTtc: "TTC comparé",
    change: "Écart",
    total: "Total",
    warnings: "Avertissements",
    incomplete: "(incomplet)",
    noData: "pas de données",
    never: "(jamais)",
    freshness: "Fraîcheur des données",
    lastSale: (date) => `dernière vente le ${date}`,
    lastArchive: (time, sequence) =>
      `dernière archive le ${time}${sequence === null ? "" : ` (n° ${sequence})`}`,
    noArchive: "aucune archive reçue",
    noSale: "aucune vente",
    neverSent: "n'a jamais rien envoyé",
  },
  en: {
    turnover: "Turnover",
    by: {
      till: "by till",
      family: "by family",
      article: "by article",
      day: "by day",
      week: "by week",
      month: "by month",
      hour: "by hour",
      payment: "by payment method",
      vat: "by VAT rate",
    },
    key: {
      till: "Ref",
      family: "Family",
      article: "Article",
      day: "Day",
      week: "Week",
      month: "Month",
      hour: "Hour",
      payment: "Payment",
      vat: "VAT",
    },
    range: (from, to) => (from === to ? `on ${from}` : `${from} to ${to}`),
    compared: (from, to) => `compared with ${from} to ${to}`,
    noSales: "no sales",
    name: "Name",
    label: "Label",
    vat: "VAT",
    avgBasket: "Avg basket",
    share: "Share",
    totalTtc: "Total TTC",
    comparedTtc: "Compared TTC",
    change: "Change",
    total: "Total",
    warnings: "Warnings",
    incomplete: "(incomplete)",
    noData: "no data",
    never: "(never)",
    freshness: "Freshness",
    lastSale: (date) => `last sale ${date}`,
    lastArchive: (time, sequence) =>
      `last archive ${time}${sequence === null ? "" : ` (#${sequence})`}`,
    noArchive: "no archive received",
    noSale: "no sale",
    neverSent: "never sent anything",
  },
};

/** The words of a locale that the renderers share (the total row's name, for CSV). */
export function totalWord(locale: Locale): string {
  return WORDS[locale].total;
}

function titleOf(report: Report, words: Words, locale: Locale): string {
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

type Line = ReportRow | ReportTotal;

function compareCells(line: Line, locale: Locale): string[] {
  const { compare } = line;
  if (compare === undefined) return [NONE, NONE, NONE];
  return [
    moneyCell(compare.ttc, locale),
    deltaCell(compare.delta, locale),
    percentCell(compare.pctBp, locale, true),
  ];
}

/**
 * The columns between the label and the share. `--by till`: each till's own figures, one row per
 * till. Other dimensions: the stores side by side, one TTC column per till, then the row's total.
 */
function figureColumns(
  report: Report,
  words: Words,
  locale: Locale,
): { head: string[]; cells: (line: Line) => string[] } {
  if (report.by === "till") {
    return {
      head: ["TTC", "HT", words.vat, "Tickets", words.avgBasket],
      // After the till's last sale: "no data" rather than zeros.
      cells: (line) =>
        line.noData === true
          ? [words.noData, NONE, NONE, NONE, NONE]
          : [
              moneyCell(line.ttc, locale),
              moneyCell(line.ht, locale),
              moneyCell(line.vat, locale),
              countCell(line.tickets, locale),
              moneyCell(line.avgBasket, locale),
            ],
    };
  }
  const incomplete = (till: string): boolean => report.total.byTill?.[till]?.incomplete === true;
  const perTill = (byTill: Record<string, Figures> | undefined): string[] =>
    report.tills.map((till) => {
      const figures = byTill?.[till.ref];
      return figures?.noData === true ? words.noData : moneyCell(figures?.ttc ?? null, locale);
    });
  return {
    head: [
      ...report.tills.map((till) =>
        withNever(withMark(oneLine(till.ref), incomplete(till.ref), words), till, words),
      ),
      words.totalTtc,
      "HT",
      "Tickets",
    ],
    cells: (line) => [
      ...perTill(line.byTill),
      moneyCell(line.ttc, locale),
      moneyCell(line.ht, locale),
      countCell(line.tickets, locale),
    ],
  };
}

/** `D03 (never)` for a till that never sent anything, else the text as it is. */
function withNever(text: string, till: ReportTill | undefined, words: Words): string {
  return till?.never === true ? `${text} ${words.never}` : text;
}

/**
 * One line per till saying how fresh its data is: `D01 Magasin 1: last sale 2026-11-20, last
 * archive 2026-11-27 02:10 (#12)`, or that it never sent anything.
 */
function freshnessLines(report: Report, words: Words, locale: Locale): string[] {
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

/** `D02 (incomplete)` when the figures leave out rows, else the text as it is. */
function withMark(text: string, incomplete: boolean, words: Words): string {
  return incomplete ? `${text} ${words.incomplete}` : text;
}

/** Lays a report out for people in the locale (see {@link ReportGrid}). */
export function reportGrid(report: Report, locale: Locale): ReportGrid {
  const words = WORDS[locale];
  const figures = figureColumns(report, words, locale);
  const withCompare = report.compared !== undefined;
  const cells = (line: Line, key: string, label: string, share: string): string[] => [
    key,
    label,
    ...figures.cells(line),
    share,
    ...(withCompare ? compareCells(line, locale) : []),
  ];
  const head = [
    words.key[report.by],
    report.by === "till" ? words.name : words.label,
    ...figures.head,
    words.share,
  ];
  if (withCompare) head.push(words.comparedTtc, words.change, "%");
  return {
    title: titleOf(report, words, locale),
    head,
    // Key and label are text; every other column is a figure.
    numeric: head.map((_, index) => index >= 2),
    body: report.rows.map((row) =>
      cells(
        row,
        // The till's own row is marked; other rows show the mark on the till's column.
        withNever(
          withMark(oneLine(row.key), report.by === "till" && row.incomplete === true, words),
          report.by === "till" ? report.tills.find((till) => till.ref === row.key) : undefined,
          words,
        ),
        oneLine(row.label),
        row.noData === true ? NONE : percentCell(row.shareBp, locale),
      ),
    ),
    total: cells(
      report.total,
      withMark(words.total, report.total.incomplete === true, words),
      "",
      "",
    ),
    warningsTitle: words.warnings,
    warnings: report.warnings.map(oneLine),
    freshnessTitle: words.freshness,
    freshness: freshnessLines(report, words, locale),
  };
}
