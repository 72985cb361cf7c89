import {
  addDays,
  addMonths,
  buildReport,
  daysBetween,
  formatDate,
  labelOf,
  monthOf,
  othersLabel,
  type Cents,
  type DateRange,
  type Locale,
  type LocalDate,
  type Report,
  type TillRef,
} from "@caisse/core";
import { collectReport, type Collected, type CollectRequest } from "./collect.js";

/** A store as the charts name it: its name, with its ref when two stores share a name. */
export interface ChartStore {
  ref: string;
  name: string;
}

/**
 * What the HTML report's charts show (see docs/reports.md#html), in the stores' table order:
 * per store its turnover, its turnover per day (per month over long periods), and its family mix.
 * Every figure is of the sales lines (TTC), whatever the report's `--by`.
 */
export interface ChartData {
  stores: ChartStore[];
  /** Per store: TTC over the period. */
  turnover: Cents[];
  time: {
    unit: "day" | "month";
    /** Every day (or month) of the period, in order, also those without sales. */
    keys: string[];
    labels: string[];
    /**
     * Per store, per key: TTC; null after the store's last sale when the report knows it (the
     * figures there are not known to be 0, see docs/reports.md#html).
     */
    ttc: (Cents | null)[][];
  };
  families: {
    /** The largest families by TTC over all stores, then the remainder (`Autres`) when any. */
    keys: string[];
    labels: string[];
    /** Per store, per family: its share of the store's TTC in basis points; null without sales. */
    shareBp: (number | null)[][];
  };
}

/** Up to this many days the time chart has a point per day; longer periods a point per month. */
export const CHART_MAX_DAYS = 92;
/** The family chart shows this many families; the others are summed as one. */
export const CHART_FAMILIES = 8;

/** Names for the charts' legends: the till's name, or its ref; `name (REF)` when names repeat. */
export function chartStores(tills: readonly TillRef[]): ChartStore[] {
  const named = tills.map((till) => (till.name.trim() === "" ? till.ref : till.name));
  return tills.map((till, index) => {
    const name = named[index] ?? till.ref;
    const repeated = named.filter((other) => other === name).length > 1;
    return { ref: till.ref, name: repeated ? `${name} (${till.ref})` : name };
  });
}

/** Every day or month from `from` to `to`, inclusive. */
function timeKeys(unit: "day" | "month", from: LocalDate, to: LocalDate): string[] {
  const keys: string[] = [];
  if (unit === "day") {
    for (let day = from; day <= to; day = addDays(day, 1)) keys.push(day);
    return keys;
  }
  const last = monthOf(to);
  for (let day = `${monthOf(from)}-01` as LocalDate; monthOf(day) <= last; day = addMonths(day, 1))
    keys.push(monthOf(day));
  return keys;
}

/** The store's last sale date, when the report knows it (see docs/reports.md#freshness). */
function lastSaleOf(report: Report, ref: string): LocalDate | undefined {
  return report.tills.find((till) => till.ref === ref)?.lastSale ?? undefined;
}

function ttcOf(report: Report, rowKey: string, till: string): Cents {
  const row = report.rows.find((candidate) => candidate.key === rowKey);
  return (row?.byTill?.[till]?.ttc ?? 0) as Cents;
}

/** `part` over `whole` in basis points, rounded half up; null when the whole is 0. */
function shareBp(part: number, whole: number): number | null {
  return whole === 0 ? null : Math.round((part * 10000) / whole);
}

function timeSeries(
  report: Report,
  unit: "day" | "month",
  stores: readonly ChartStore[],
  locale: Locale,
  freshness: Report,
): ChartData["time"] {
  const { from, to } = report;
  const keys = from === null || to === null ? [] : timeKeys(unit, from, to);
  const labels = keys.map((key) =>
    unit === "day"
      ? formatDate(key as LocalDate, locale)
      : labelOf("month", key, { tills: [], labels: EMPTY_BOOK, saleLabels: new Map(), locale }),
  );
  return {
    unit,
    keys,
    labels,
    ttc: stores.map((store) => {
      const last = lastSaleOf(freshness, store.ref);
      const after = (key: string): boolean =>
        last !== undefined && key > (unit === "day" ? last : monthOf(last));
      return keys.map((key) => (after(key) ? null : ttcOf(report, key, store.ref)));
    }),
  };
}

const EMPTY_BOOK = { families: new Map<string, string>(), articles: new Map<string, string>() };

function familySeries(
  report: Report,
  stores: readonly ChartStore[],
  storeTtc: readonly Cents[],
  locale: Locale,
): ChartData["families"] {
  // Rows come largest first; the remainder sums the rest per store.
  const shown = report.rows.slice(0, CHART_FAMILIES);
  const rest = report.rows.slice(CHART_FAMILIES);
  const keys = shown.map((row) => row.key);
  const labels = shown.map((row) => (row.label.trim() === "" ? row.key : row.label));
  if (rest.length > 0) {
    keys.push("(others)");
    labels.push(othersLabel(locale));
  }
  return {
    keys,
    labels,
    shareBp: stores.map((store, index) => {
      const whole = storeTtc[index] ?? 0;
      const shares = shown.map((row) => shareBp(row.byTill?.[store.ref]?.ttc ?? 0, whole));
      if (rest.length > 0) {
        const others = rest.reduce((sum, row) => sum + (row.byTill?.[store.ref]?.ttc ?? 0), 0);
        shares.push(shareBp(others, whole));
      }
      return shares;
    }),
  };
}

/** What the chart data is gathered from: the report's own request and result. */
export interface ChartRequest {
  collect: Omit<CollectRequest, "by" | "comparison" | "range">;
  /** How the report's own data was gathered (the report index, or the files); the files by default. */
  collector?: ((request: CollectRequest) => Promise<Collected>) | undefined;
  range: DateRange;
  tills: readonly TillRef[];
  locale: Locale;
  /** The report already computed: reused when its rows are the ones a chart needs. */
  report: Report;
  /** Whether the report's rows are all there (no `--top` remainder). */
  complete: boolean;
}

/**
 * The figures of the charts. The report's own rows serve when they are per day or per family;
 * otherwise the sales are summed again per day (or month) and per family, without comparison:
 * one more reading of the sales files per chart dimension (see docs/reports.md#html).
 */
export async function collectChartData(request: ChartRequest): Promise<ChartData> {
  const { report, locale } = request;
  const stores = chartStores(request.tills);
  const span =
    report.from === null || report.to === null ? 0 : daysBetween(report.from, report.to) + 1;
  const unit = span > CHART_MAX_DAYS ? "month" : "day";
  const reportBy = async (by: "day" | "month" | "family"): Promise<Report> => {
    if (report.by === by && request.complete) return report;
    const collect = request.collector ?? collectReport;
    const collected = await collect({ ...request.collect, by, range: request.range });
    return buildReport({
      by,
      range: { from: report.from ?? undefined, to: report.to ?? undefined },
      tills: request.tills,
      data: collected.data,
      labels: collected.labels,
      warnings: [],
      locale,
    });
  };
  const timeReport = await reportBy(unit);
  const familyReport = await reportBy("family");
  const turnover = stores.map(
    (store) => (familyReport.total.byTill?.[store.ref]?.ttc ?? 0) as Cents,
  );
  return {
    stores,
    turnover,
    time: timeSeries(timeReport, unit, stores, locale, report),
    families: familySeries(familyReport, stores, turnover, locale),
  };
}
