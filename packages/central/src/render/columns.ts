import {
  CaisseError,
  fixedDecimal,
  formatCentsPlain,
  formatQuantity,
  oneLine,
  type Cents,
  type Locale,
  type Milli,
  type Report,
  type ReportRow,
  type ReportTotal,
  type ReportTill,
} from "@caisse/core";
import { MARGIN_WORDS, type MarginWords, type ReportWords } from "@caisse/cli";
import { countCell, deltaCell, moneyCell, NONE, percentCell, quantityCell } from "./cells.js";
import { MARGIN_METRICS, METRICS, type Metric } from "./formats.js";

/** A row or the total. */
export type Line = ReportRow | ReportTotal;

/** A figure before it is written: each format writes it its own way. */
export type Value =
  | { kind: "money"; cents: Cents | null; signed?: boolean }
  | { kind: "count"; count: number }
  | { kind: "quantity"; milli: Milli | null }
  /** Hundredths of a percent (basis points of a ratio): 4123 is 41.23 %. */
  | { kind: "percent"; hundredths: number | null; signed?: boolean }
  /** Nothing to write (the total's share). */
  | { kind: "blank" }
  /** A word instead of a figure (`no data` after a till's last sale); empty in CSV. */
  | { kind: "word"; text: string };

/** A column of figures: its heads and how it reads a line. */
export interface FigureColumn {
  metric: Metric;
  /** The head in the table, Markdown and HTML. */
  head: string;
  /** The head in the CSV for people. */
  csvHead: string;
  value: (line: Line, isTotal: boolean) => Value;
}

const COMPARE_METRICS: readonly Metric[] = ["compare_ttc", "delta", "pct"];

/**
 * `--metrics ttc,tickets`: the figure columns to show, in that order; E_USAGE naming the unknown
 * ones, or the comparison's columns without `--compare`.
 */
export function parseMetrics(text: string, withCompare: boolean): Metric[] {
  const names = text
    .split(",")
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== "");
  const unknown = names.filter((name) => !(METRICS as readonly string[]).includes(name));
  if (names.length === 0 || unknown.length > 0) {
    throw new CaisseError(
      "E_USAGE",
      `--metrics takes a list of ${METRICS.join(", ")} (found '${oneLine(text)}')`,
      { details: { flag: "--metrics" }, hint: "give for example --metrics ttc,tickets,share." },
    );
  }
  const metrics = [...new Set(names)] as Metric[];
  const compare = metrics.filter((metric) => COMPARE_METRICS.includes(metric));
  if (!withCompare && compare.length > 0) {
    throw new CaisseError("E_USAGE", `--metrics ${compare.join(",")} needs --compare`, {
      details: { flag: "--metrics" },
      hint: "add --compare previous or --compare year, or leave those columns out.",
    });
  }
  return metrics;
}

/**
 * The columns a format shows when `--metrics` is not given. Table, Markdown, HTML: with `--by
 * till` each till's figures; otherwise the stores side by side then the row's total. The CSV for
 * people adds what a spreadsheet may sum (VAT, quantity, average basket).
 */
export function defaultMetrics(report: Report, forCsv: boolean): Metric[] {
  const compare = report.compared === undefined ? [] : COMPARE_METRICS;
  // The margin only in a report that has one: the catalogue gives purchase prices.
  const margin = report.total.cost === undefined ? [] : forCsv ? MARGIN_METRICS : SHORT_MARGIN;
  if (report.by === "till") {
    return ["ttc", "ht", "vat", "tickets", "avg_basket", "share", ...margin, ...compare];
  }
  if (forCsv) {
    return [
      "ttc",
      "ht",
      "vat",
      "tickets",
      "quantity",
      "avg_basket",
      "share",
      ...margin,
      "tills",
      ...compare,
    ];
  }
  return ["tills", "ttc", "ht", "tickets", "share", ...margin, ...compare];
}

/** The margin columns of the table, Markdown and HTML by default: the cost is left to the CSV. */
const SHORT_MARGIN: readonly Metric[] = ["margin_ht", "margin_rate"];

/** A store for people: `Magasin 1 (D01)`, or its ref alone when it has no name. */
export function storeName(till: Pick<ReportTill, "ref" | "name">): string {
  const name = oneLine(till.name).trim();
  const ref = oneLine(till.ref);
  return name === "" || name === ref ? ref : `${name} (${ref})`;
}

/** `D03 (never)` for a till that never sent anything, else the text as it is. */
export function withNever(text: string, till: ReportTill | undefined, words: ReportWords): string {
  return till?.never === true ? `${text} ${words.never}` : text;
}

/** `D02 (incomplete)` when the figures leave out rows, else the text as it is. */
export function withMark(text: string, incomplete: boolean, words: ReportWords): string {
  return incomplete ? `${text} ${words.incomplete}` : text;
}

const money = (cents: Cents | null): Value => ({ kind: "money", cents });

function compareValue(line: Line, pick: "ttc" | "delta" | "pct"): Value {
  const { compare } = line;
  if (pick === "pct") return { kind: "percent", hundredths: compare?.pctBp ?? null, signed: true };
  if (pick === "delta") return { kind: "money", cents: compare?.delta ?? null, signed: true };
  return money(compare?.ttc ?? null);
}

function tillColumns(report: Report, words: ReportWords): FigureColumn[] {
  // Rows are the tills themselves with --by till: no column per till.
  if (report.by === "till") return [];
  const incomplete = (ref: string): boolean => report.total.byTill?.[ref]?.incomplete === true;
  return report.tills.map((till) => {
    const head = withNever(withMark(storeName(till), incomplete(till.ref), words), till, words);
    return {
      metric: "tills",
      head,
      csvHead: head,
      value: (line) => {
        const own = line.byTill?.[till.ref];
        // After the till's last sale: "no data" rather than a zero.
        return own?.noData === true
          ? { kind: "word", text: words.noData }
          : money(own?.ttc ?? null);
      },
    };
  });
}

/** The columns of figures for these metrics, in their order (`tills` is one column per till). */
export function figureColumns(
  report: Report,
  words: ReportWords,
  metrics: readonly Metric[],
  marginWords: MarginWords = MARGIN_WORDS.en,
): FigureColumn[] {
  const perTill = report.by !== "till" && metrics.includes("tills");
  const one = (metric: Metric): FigureColumn[] => {
    const column = (
      head: string,
      csvHead: string,
      value: FigureColumn["value"],
    ): FigureColumn[] => [{ metric, head, csvHead, value }];
    switch (metric) {
      case "tills":
        return tillColumns(report, words);
      case "ttc":
        return column(perTill ? words.totalTtc : words.ttc, words.csvTtc, (line) =>
          money(line.ttc),
        );
      case "ht":
        return column(words.ht, words.csvHt, (line) => money(line.ht));
      case "vat":
        return column(words.vat, words.vat, (line) => money(line.vat));
      case "tickets":
        return column(words.tickets, words.tickets, (line) => ({
          kind: "count",
          count: line.tickets,
        }));
      case "quantity":
        return column(words.quantity, words.quantity, (line) => ({
          kind: "quantity",
          milli: line.quantity,
        }));
      case "avg_basket":
        return column(words.avgBasket, words.avgBasket, (line) => money(line.avgBasket));
      case "share":
        return column(words.share, words.share, (line, isTotal) =>
          isTotal || !("shareBp" in line)
            ? { kind: "blank" }
            : { kind: "percent", hundredths: line.shareBp },
        );
      case "cost_ht":
        return column(marginWords.cost, marginWords.csvCost, (line) => money(line.cost ?? null));
      case "margin_ht":
        return column(marginWords.margin, marginWords.csvMargin, (line) =>
          money(line.margin ?? null),
        );
      case "margin_rate":
        return column(marginWords.marginRate, marginWords.marginRate, (line) => ({
          kind: "percent",
          hundredths: line.marginRateBp ?? null,
        }));
      case "compare_ttc":
        return column(words.comparedTtc, words.csvComparedTtc, (line) => compareValue(line, "ttc"));
      case "delta":
        return column(words.change, words.change, (line) => compareValue(line, "delta"));
      case "pct":
        return column(words.pct, words.csvPct, (line) => compareValue(line, "pct"));
    }
  };
  // A till's own row after its last sale (`--by till`): "no data" in its TTC, no other figure;
  // the comparison's columns keep theirs.
  const noData = (column: FigureColumn): FigureColumn =>
    column.metric === "tills" || COMPARE_METRICS.includes(column.metric)
      ? column
      : {
          ...column,
          value: (line, isTotal) =>
            line.noData !== true || (isTotal && column.metric === "share")
              ? column.value(line, isTotal)
              : column.metric === "ttc"
                ? { kind: "word", text: words.noData }
                : money(null),
        };
  return metrics.flatMap(one).map(noData);
}

/** A value for people, in the locale: `1 234,56 €`, `+12,00 €`, `1 234`, `41,23 %`, `—`. */
export function displayValue(value: Value, locale: Locale): string {
  switch (value.kind) {
    case "money":
      if (value.cents === null) return NONE;
      return value.signed === true
        ? deltaCell(value.cents, locale)
        : moneyCell(value.cents, locale);
    case "count":
      return countCell(value.count, locale);
    case "quantity":
      return quantityCell(value.milli, locale);
    case "percent":
      return percentCell(value.hundredths, locale, value.signed === true);
    case "blank":
      return "";
    case "word":
      return value.text;
  }
}

/**
 * A value for a spreadsheet cell: a plain number it reads as one (`1234,56` in French, `1234.56`
 * in English; a percentage as `41,23%`), an empty cell where the figure does not exist.
 */
export function plainValue(value: Value, locale: Locale): string {
  const point = locale === "fr" ? "," : ".";
  switch (value.kind) {
    case "money":
      return value.cents === null ? "" : formatCentsPlain(value.cents, locale);
    case "count":
      return String(value.count);
    case "quantity":
      return value.milli === null ? "" : formatQuantity(value.milli, locale, false);
    case "percent":
      return value.hundredths === null ? "" : `${fixedDecimal(value.hundredths, 2, point)}%`;
    case "blank":
    case "word":
      return "";
  }
}
