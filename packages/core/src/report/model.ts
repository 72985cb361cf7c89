import type { LocalDate } from "../dates.js";
import { centsToEuros, milliToNumber, type Cents, type Milli } from "../money.js";
import type { Dimension } from "./dimension.js";
import type { CompareMode } from "./period.js";

/**
 * The figures of one set of sales lines (see docs/reports.md#the-figures), in integers: amounts in
 * cents, quantities in thousandths, ratios in basis points (1/10 000). `toJson` turns them into the
 * numbers of the JSON output, at the edge.
 */
export interface Figures {
  /** The sum of `montant_ttc` (of `montant` for `--by payment`). */
  ttc: Cents;
  /** Per VAT rate TTC x 100 / (100 + rate) rounded half away from zero, summed; null for payments. */
  ht: Cents | null;
  /** `ttc - ht`; null for payments. */
  vat: Cents | null;
  /** Distinct (till, ticket) pairs. */
  tickets: number;
  /** The sum of `quantite`; null for payments, which have none. */
  quantity: Milli | null;
  /** `ttc / tickets` rounded half away from zero to the cent; null when there is no ticket. */
  avgBasket: Cents | null;
  /** This `ttc` over the report total's, in basis points (4123 is 0.4123); null when that is 0. */
  shareBp: number | null;
  /**
   * Present only in a report with a margin (see docs/reports.md#gross-margin): the cost of the
   * lines at the catalogue's purchase prices (HT), rounded once; null when an article sold has
   * no purchase price.
   */
  cost?: Cents | null;
  /** With `cost`: `ht - cost`; null when the cost is. */
  margin?: Cents | null;
  /** With `cost`: `margin / ht` in basis points (3512 is 35.12 %); null when either is null or 0. */
  marginRateBp?: number | null;
  /**
   * Present (true) when these figures include a till whose invalid or unreadable data leave out
   * more than a small share of its rows (see docs/reports.md#incomplete-figures).
   */
  incomplete?: true;
  /**
   * Present (true) on a till's figures for a stretch of time after that till's last sale (or of a
   * till that never sent a sale): not a zero, but no data (see docs/reports.md#freshness).
   */
  noData?: true;
}

/** The total row's figures: those of every line of the report, so no share. */
export type TotalFigures = Omit<Figures, "shareBp">;

/** A row beside the same row of the compared period (`--compare`). */
export interface CompareFigures {
  /** The compared period's TTC. */
  ttc: Cents;
  /** This period's TTC minus the compared one. */
  delta: Cents;
  /**
   * `delta` over the size of the compared TTC, in basis points (1223 is +12.23 %), rounded half
   * away from zero; null when the compared TTC is 0.
   */
  pctBp: number | null;
}

/** A till as reports show it. */
export interface TillRef {
  ref: string;
  name: string;
}

/** How fresh a till's data is (see docs/reports.md#freshness); null where unknown. */
export interface TillFreshness {
  /** The date of its last sale found in its data (of its last payment for `--by payment`). */
  lastSale: LocalDate | null;
  /** When its last archive was imported (ISO time with offset, as the journal says). */
  lastArchive: string | null;
  /** The sequence of that archive. */
  sequence: number | null;
  /** A registered till that never sent anything: no archive received and no sale found. */
  never: boolean;
}

/** A till of a report, with the freshness of its data. */
export interface ReportTill extends TillRef, TillFreshness {}

export interface ReportRow extends Figures {
  /** Till ref, family or article code, `YYYY-MM-DD`, `YYYY-Www`, `YYYY-MM`, `00`..`23`, mode, rate. */
  key: string;
  /** For people: till name, family or article label, a readable date, mode or rate. */
  label: string;
  /** The same figures per till (every selected till); absent with `--by till`. */
  byTill?: Record<string, Figures>;
  compare?: CompareFigures;
}

export interface ReportTotal extends TotalFigures {
  /** Per till; absent with `--by till`, where the rows already are the tills. */
  byTill?: Record<string, Figures>;
  compare?: CompareFigures;
}

/** The key and label of the row that sums what `--top N` leaves out. */
export const OTHERS_KEY = "(others)";

/** A comparative turnover report (see docs/reports.md), amounts in cents. */
export interface Report {
  /** First day covered: `--from` or the period's, else the first date found; null with no data. */
  from: LocalDate | null;
  /** Last day covered: `--to` or the period's, else the last date found; null with no data. */
  to: LocalDate | null;
  by: Dimension;
  currency: "EUR";
  tills: ReportTill[];
  rows: ReportRow[];
  total: ReportTotal;
  /**
   * What the figures leave out: invalid rows (`D02 ventes.csv line 17: invalid amount '12,505'`,
   * or one summary line per file when many), files left out, duplicate tickets, incomplete tills
   * (see docs/reports.md#invalid-data-warnings).
   */
  warnings: string[];
  /**
   * With `--compare`: which period the `compare` figures come from; `partial` when a till's data
   * does not cover both periods (see docs/reports.md#freshness).
   */
  compared?: { mode: CompareMode; from: LocalDate; to: LocalDate; partial?: true };
}

/** Figures as JSON numbers: euros with at most 2 decimals, quantities with at most 3. */
export interface FiguresJson {
  ttc: number;
  ht: number | null;
  vat: number | null;
  tickets: number;
  quantity: number | null;
  avg_basket: number | null;
  share?: number | null;
  /** Only in a report with a margin: see {@link Figures.cost}. */
  cost_ht?: number | null;
  margin_ht?: number | null;
  /** A fraction with at most 4 decimals (0.3512 is 35.12 %). */
  margin_rate?: number | null;
  /** Only when true: see {@link Figures.incomplete}. */
  incomplete?: true;
  /** Only when true: see {@link Figures.noData}. */
  no_data?: true;
}

/** A till of the JSON report: `never` only when true. */
export interface ReportTillJson extends TillRef {
  last_sale: string | null;
  last_archive: string | null;
  sequence: number | null;
  never?: true;
}

export interface CompareJson {
  ttc: number;
  delta: number;
  pct: number | null;
}

/** Figures with their per-till detail and comparison, as in rows and the total. */
export interface DetailedFiguresJson extends FiguresJson {
  byTill?: Record<string, FiguresJson>;
  compare?: CompareJson;
}

export interface ReportRowJson extends DetailedFiguresJson {
  key: string;
  label: string;
}

export interface ReportJson {
  from: string | null;
  to: string | null;
  by: Dimension;
  currency: "EUR";
  tills: ReportTillJson[];
  rows: ReportRowJson[];
  total: DetailedFiguresJson;
  warnings: string[];
  compared?: { mode: CompareMode; from: string; to: string; partial?: true };
}

function euros(amount: Cents | null): number | null {
  return amount === null ? null : centsToEuros(amount);
}

function figuresJson(figures: Figures | TotalFigures): FiguresJson {
  const json: FiguresJson = {
    ttc: centsToEuros(figures.ttc),
    ht: euros(figures.ht),
    vat: euros(figures.vat),
    tickets: figures.tickets,
    quantity: figures.quantity === null ? null : milliToNumber(figures.quantity),
    avg_basket: euros(figures.avgBasket),
  };
  if ("shareBp" in figures) json.share = figures.shareBp === null ? null : figures.shareBp / 10000;
  if (figures.cost !== undefined) {
    json.cost_ht = euros(figures.cost);
    json.margin_ht = euros(figures.margin ?? null);
    const rate = figures.marginRateBp ?? null;
    json.margin_rate = rate === null ? null : rate / 10000;
  }
  if (figures.incomplete === true) json.incomplete = true;
  if (figures.noData === true) json.no_data = true;
  return json;
}

function compareJson(compare: CompareFigures): CompareJson {
  return {
    ttc: centsToEuros(compare.ttc),
    delta: centsToEuros(compare.delta),
    pct: compare.pctBp === null ? null : compare.pctBp / 100,
  };
}

function withDetails<T extends DetailedFiguresJson>(
  json: T,
  source: { byTill?: Record<string, Figures>; compare?: CompareFigures },
): T {
  if (source.byTill !== undefined) {
    json.byTill = Object.fromEntries(
      Object.entries(source.byTill).map(([ref, figures]) => [ref, figuresJson(figures)]),
    );
  }
  if (source.compare !== undefined) json.compare = compareJson(source.compare);
  return json;
}

function tillJson(till: ReportTill): ReportTillJson {
  const json: ReportTillJson = {
    ref: till.ref,
    name: till.name,
    last_sale: till.lastSale,
    last_archive: till.lastArchive,
    sequence: till.sequence,
  };
  if (till.never) json.never = true;
  return json;
}

/**
 * The report in the JSON shape of docs/reports.md#json. This is the only place where cents become
 * euros: integers divided by 100 print with at most 2 decimals (`1234.56`), exactly.
 */
export function toJson(report: Report): ReportJson {
  const { byTill: totalByTill, compare: totalCompare, incomplete, ...total } = report.total;
  const json: ReportJson = {
    from: report.from,
    to: report.to,
    by: report.by,
    currency: report.currency,
    tills: report.tills.map(tillJson),
    rows: report.rows.map((row) =>
      withDetails({ key: row.key, label: row.label, ...figuresJson(row) }, row),
    ),
    total: withDetails(figuresJson(incomplete === true ? { ...total, incomplete } : total), {
      ...(totalByTill === undefined ? {} : { byTill: totalByTill }),
      ...(totalCompare === undefined ? {} : { compare: totalCompare }),
    }),
    warnings: [...report.warnings],
  };
  if (report.compared !== undefined) json.compared = { ...report.compared };
  return json;
}
