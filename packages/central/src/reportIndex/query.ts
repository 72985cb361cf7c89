import {
  addMilliCents,
  Aggregator,
  CaisseError,
  isoWeekOf,
  isTimeDimension,
  answerRemainder,
  topSplit,
  monthOf,
  sourceOf,
  ZERO_MILLI_CENTS,
  type Cents,
  type CountedSums,
  type DateRange,
  type DateShift,
  type Dimension,
  type LocalDate,
  type LocalDateTime,
  type Milli,
  type MilliCents,
  type RateBp,
} from "@caisse/core";
import type { DatabaseSync } from "node:sqlite";
import { tillDirectory } from "../config.js";
import {
  duplicateWarnings,
  labelBookOf,
  labelKind,
  readCatalogLabels,
  TILL_READ_ATTEMPTS,
  type Collected,
  type CollectRequest,
  type DataKind,
} from "../report/collect.js";
import { loadPrices, marginGroup } from "./prices.js";
import { refresh, stillChecked, type Checked } from "./refresh.js";
import { forEachTicket } from "./tickets.js";

/** The lowest and highest days a closed range is queried with. */
const NO_START = "0000-00-00";
const NO_END = "9999-99-99";

interface Bounds {
  from: string;
  to: string;
}

function boundsOf(range: DateRange): Bounds {
  return { from: range.from ?? NO_START, to: range.to ?? NO_END };
}

/** The stored dimension a `--by` reads its rows from. */
function storedDim(by: Dimension): string {
  if (by === "payment") return "payment";
  if (by === "till" || isTimeDimension(by)) return by === "hour" ? "hour" : "total";
  return by;
}

/** The row key of a day's sums for `--by till/day/week/month`, its date shifted when compared. */
function timeKey(
  by: Dimension,
  till: string,
  day: LocalDate,
  shift: DateShift | undefined,
): string {
  if (by === "till") return till;
  const date = shift === undefined ? day : shift(day);
  if (by === "week") return isoWeekOf(date);
  if (by === "month") return monthOf(date);
  return date;
}

/** Sums of one row of one till, per VAT rate, being gathered. */
interface RowSums {
  ttc: number;
  byRate: Map<RateBp, Cents>;
  quantity: number;
  tickets: number;
  cost?: { cost: MilliCents; unpriced: boolean };
}

function sumsOf(map: Map<string, RowSums>, key: string): RowSums {
  let sums = map.get(key);
  if (sums === undefined) {
    sums = { ttc: 0, byRate: new Map(), quantity: 0, tickets: 0 };
    map.set(key, sums);
  }
  return sums;
}

function add(sums: RowSums, rate: number, ttc: number, quantity: number, sales: boolean): void {
  sums.ttc += ttc;
  sums.quantity += quantity;
  if (sales)
    sums.byRate.set(rate as RateBp, ((sums.byRate.get(rate as RateBp) ?? 0) + ttc) as Cents);
}

function counted(sums: RowSums): CountedSums {
  return {
    ttc: sums.ttc as Cents,
    byRate: sums.byRate,
    quantity: sums.quantity as Milli,
    tickets: sums.tickets,
    cost: sums.cost,
  };
}

/**
 * Adds to each row's sums of one till the cost of its lines at the purchase prices, computed by
 * SQLite from the quantities per article of the `margin` table and the `price` table (see
 * loadPrices): integer products and sums, exact
 * (the price times the summed quantity is the sum of the lines' costs; an overflow of 64 bits is
 * an error, not a wrong figure). Notes the articles without price (see
 * docs/reports.md#gross-margin). Returns the till's cost over every row, for its total.
 */
function addCosts(
  db: DatabaseSync,
  into: Aggregator,
  rows: Map<string, RowSums>,
  keyOf: (value: string) => string,
  till: string,
  bounds: Bounds,
): { cost: MilliCents; unpriced: boolean } {
  const total = { cost: ZERO_MILLI_CENTS, unpriced: false };
  const prices = into.prices;
  if (prices === undefined) return total;
  const group = marginGroup(into.by);
  const costs = db
    .prepare(
      `SELECT ${group === undefined ? "''" : `m.${group}`} AS g,
         SUM(m.qty * p.cents) AS cost, SUM(p.cents IS NULL) AS unpriced
       FROM margin AS m LEFT JOIN temp.price AS p ON p.article = m.article
       WHERE m.till = ? AND m.day >= ? AND m.day <= ? GROUP BY g`,
    )
    .all(till, bounds.from, bounds.to);
  for (const row of costs) {
    const sums = sumsOf(rows, group === undefined ? till : keyOf(String(row.g)));
    sums.cost ??= { cost: ZERO_MILLI_CENTS, unpriced: false };
    // A sum beyond 2^53 would lose digits as a JavaScript number: refused, as on the files.
    const cost = addMilliCents(ZERO_MILLI_CENTS, Number(row.cost ?? 0) as MilliCents);
    sums.cost.cost = addMilliCents(sums.cost.cost, cost);
    total.cost = addMilliCents(total.cost, cost);
    if (Number(row.unpriced) > 0) {
      sums.cost.unpriced = true;
      total.unpriced = true;
    }
  }
  if (!total.unpriced) return total;
  for (const row of db
    .prepare(
      `SELECT DISTINCT article FROM margin WHERE till = ? AND day >= ? AND day <= ?
       AND article NOT IN (SELECT article FROM temp.price)`,
    )
    .all(till, bounds.from, bounds.to)) {
    into.unpricedArticles.add(String(row.article));
  }
  return total;
}

/**
 * Fills an aggregator with one till's sums over `bounds`: its rows, its total, its first and last
 * dates, and (for `--by article`) the labels of its sales lines.
 */
function fillTill(
  db: DatabaseSync,
  into: Aggregator,
  till: string,
  bounds: Bounds,
  shift: DateShift | undefined,
): void {
  const { by } = into;
  const sales = into.source === "sales";
  const total = sales ? "total" : "ptotal";
  const dim = storedDim(by);
  const byDay = by === "till" || (isTimeDimension(by) && by !== "hour");
  const rows = new Map<string, RowSums>();
  const group = byDay ? "day" : "key";
  const cells = db
    .prepare(
      `SELECT ${group} AS g, rate, SUM(ttc) AS ttc, SUM(qty) AS qty FROM cell
       WHERE dim = ? AND till = ? AND day >= ? AND day <= ? GROUP BY ${group}, rate`,
    )
    .all(dim, till, bounds.from, bounds.to);
  const keyOf = (value: string): string =>
    byDay ? timeKey(by, till, value as LocalDate, shift) : value;
  for (const cell of cells) {
    add(
      sumsOf(rows, keyOf(String(cell.g))),
      Number(cell.rate),
      Number(cell.ttc),
      Number(cell.qty),
      sales,
    );
  }
  const tickets = db
    .prepare(
      `SELECT ${group} AS g, SUM(tickets) AS tickets FROM tix
       WHERE dim = ? AND till = ? AND day >= ? AND day <= ? GROUP BY ${group}`,
    )
    .all(dim, till, bounds.from, bounds.to);
  for (const row of tickets) sumsOf(rows, keyOf(String(row.g))).tickets += Number(row.tickets);
  const cost = addCosts(db, into, rows, keyOf, till, bounds);
  for (const [key, sums] of rows) into.addCounted(till, key, counted(sums));

  if (rows.size === 0) return;
  const totals: RowSums = { ttc: 0, byRate: new Map(), quantity: 0, tickets: 0, cost };
  for (const cell of db
    .prepare(
      `SELECT rate, SUM(ttc) AS ttc, SUM(qty) AS qty FROM cell
       WHERE dim = ? AND till = ? AND day >= ? AND day <= ? GROUP BY rate`,
    )
    .all(total, till, bounds.from, bounds.to)) {
    add(totals, Number(cell.rate), Number(cell.ttc), Number(cell.qty), sales);
  }
  const span = db
    .prepare(
      `SELECT SUM(tickets) AS tickets, MIN(day) AS first, MAX(day) AS last FROM tix
       WHERE dim = ? AND till = ? AND day >= ? AND day <= ?`,
    )
    .get(total, till, bounds.from, bounds.to);
  totals.tickets = Number(span?.tickets ?? 0);
  into.addCountedTotal(till, counted(totals));
  if (typeof span?.first === "string") into.seeDate(span.first as LocalDate);
  if (typeof span?.last === "string") into.seeDate(span.last as LocalDate);

  if (by !== "article") return;
  for (const seen of db
    .prepare(
      `SELECT article, at, label FROM seen WHERE till = ? AND day >= ? AND day <= ?
       ORDER BY day, file`,
    )
    .all(till, bounds.from, bounds.to)) {
    into.seeLabel(String(seen.article), {
      at: String(seen.at) as LocalDateTime,
      label: String(seen.label),
    });
  }
}

/**
 * Per till, the distinct tickets of the lines of every row but `kept`: each day's tickets less
 * those whose keys (of the dimension, that day) are all among the kept rows.
 */
function ticketsOutside(
  db: DatabaseSync,
  data: Aggregator,
  tills: readonly string[],
  bounds: Bounds,
  kept: ReadonlySet<string>,
): Map<string, number> {
  const dim = storedDim(data.by);
  const result = new Map<string, number>();
  const list = db.prepare(
    "SELECT day, list FROM tlist WHERE dim = ? AND till = ? AND key = ? AND day >= ? AND day <= ?",
  );
  for (const till of tills) {
    const all = data.total.get(till)?.ticketCount ?? 0;
    /** `day NUL ticket` -> [kept keys it has, keys it has] */
    const inKept = new Map<string, [number, number]>();
    for (const key of kept) {
      for (const row of list.all(dim, till, key, bounds.from, bounds.to)) {
        const day = String(row.day);
        forEachTicket(row.list, (ticket, keys) => {
          const id = `${day}\u0000${ticket}`;
          const seen = inKept.get(id);
          if (seen === undefined) inKept.set(id, [1, keys]);
          else seen[0]++;
        });
      }
    }
    let within = 0;
    for (const [count, keys] of inKept.values()) if (count === keys) within++;
    result.set(till, all - within);
  }
  return result;
}

/**
 * For `--top N` of a dimension whose tickets do not add up across rows: the union of the
 * remainder's tickets, computed now, in the same read of the index as the rows.
 */
function prepareTop(
  db: DatabaseSync,
  data: Aggregator,
  compared: Aggregator | undefined,
  tills: readonly string[],
  bounds: Bounds,
  top: number | undefined,
): void {
  const split = topSplit(data, compared, top);
  if (split === undefined) return;
  answerRemainder(data, split, ticketsOutside(db, data, tills, bounds, split.kept));
}

/** The warnings of one till as reading its files would print them (see collect.ts). */
function tillWarnings(
  db: DatabaseSync,
  till: string,
  kind: DataKind,
  labels: "familles" | "articles" | undefined,
  scope: readonly Bounds[],
): { warnings: string[]; incomplete: boolean; first: unknown; last: unknown } {
  const warnings: string[] = [];
  const row = db.prepare("SELECT walk FROM till WHERE till = ?").get(till);
  for (const [fileKind, warning] of JSON.parse(String(row?.walk ?? "[]")) as [string, string][]) {
    if (fileKind === kind || fileKind === labels) warnings.push(warning);
  }
  const files = db
    .prepare("SELECT idx, name, warnings, whole FROM file WHERE till = ? AND kind = ? ORDER BY idx")
    .all(till, kind);
  const names = files.map((file) => String(file.name));
  const inScope = scope.map(() => "(day >= ? AND day <= ?)").join(" OR ");
  const dups = db.prepare(
    `SELECT owner, SUM(count) AS count FROM dup WHERE till = ? AND kind = ? AND idx = ?
     AND (${inScope}) GROUP BY owner ORDER BY owner`,
  );
  const bounds = scope.flatMap((range) => [range.from, range.to]);
  for (const file of files) {
    warnings.push(...(JSON.parse(String(file.warnings)) as string[]));
    if (Number(file.whole) !== 1) continue;
    const perOwner = new Map<number, number>();
    for (const dup of dups.all(till, kind, Number(file.idx), ...bounds)) {
      if (Number(dup.count) > 0) perOwner.set(Number(dup.owner), Number(dup.count));
    }
    warnings.push(...duplicateWarnings(till, String(file.name), names, perOwner));
  }
  const part = db
    .prepare("SELECT incomplete, first, last FROM part WHERE till = ? AND kind = ?")
    .get(till, kind);
  const warning = part?.incomplete;
  const incomplete = typeof warning === "string";
  if (incomplete) warnings.push(warning);
  if (labels !== undefined) {
    for (const warning of db
      .prepare("SELECT warning FROM labelwarn WHERE till = ? AND kind = ? ORDER BY seq")
      .all(till, labels)) {
      warnings.push(String(warning.warning));
    }
  }
  return { warnings, incomplete, first: part?.first, last: part?.last };
}

/**
 * Gathers the data of a report from the report index (see docs/reports.md#the-report-index):
 * the same `Collected` as `collectReport` gives from the files, byte for byte once built into a
 * report. Tills whose directory changed since they were indexed are indexed again first; the
 * rows of every till are then read in one transaction, so an import meanwhile is either wholly
 * in the report or not at all.
 */
export async function collectFromIndex(
  db: DatabaseSync,
  request: CollectRequest,
): Promise<Collected> {
  const { by } = request;
  const kind: DataKind = sourceOf(by) === "payments" ? "reglements" : "ventes";
  const labelsKind = labelKind(by);
  if (request.prices !== undefined && request.prices.size > 0) loadPrices(db, request.prices);
  for (let attempt = 1; attempt <= TILL_READ_ATTEMPTS; attempt++) {
    const warnings: string[] = [];
    const labels = new Map<string, string>();
    if (labelsKind !== undefined)
      await readCatalogLabels(request.paths, labelsKind, labels, warnings);
    const checked = await refresh(db, request.paths, request.tills);
    db.exec("BEGIN");
    try {
      if (!stillChecked(db, checked)) continue;
      const collected = readChecked(db, request, checked, kind, labels, warnings);
      db.exec("COMMIT");
      return collected;
    } finally {
      if (db.isTransaction) db.exec("ROLLBACK");
    }
  }
  throw new CaisseError(
    "E_IO",
    `cannot read the report index: imports changed it ${TILL_READ_ATTEMPTS} times while the report read it`,
    { hint: "run the report again once the imports are done, or add --no-index." },
  );
}

function readChecked(
  db: DatabaseSync,
  request: CollectRequest,
  checked: readonly Checked[],
  kind: DataKind,
  labels: Map<string, string>,
  warnings: string[],
): Collected {
  const { by, range, comparison } = request;
  const labelsKind = labelKind(by);
  const data = new Aggregator(by, undefined, request.prices);
  const compared = comparison === undefined ? undefined : new Aggregator(by, comparison.toReported);
  const bounds = boundsOf(range);
  const comparedBounds = comparison === undefined ? undefined : boundsOf(comparison.range);
  const scope = comparedBounds === undefined ? [bounds] : [bounds, comparedBounds];
  const incomplete: string[] = [];
  const lastSale = new Map<string, LocalDate>();
  const firstSale = new Map<string, LocalDate>();
  const present: string[] = [];
  const tillLabels = db.prepare(
    "SELECT code, label FROM label WHERE till = ? AND kind = ? ORDER BY seq",
  );
  for (const { till, fingerprint } of checked) {
    if (fingerprint === undefined) {
      const dir = tillDirectory(request.paths, till);
      warnings.push(`${till.ref}: no data yet (folder ${dir} not found)`);
      continue;
    }
    present.push(till.ref);
    fillTill(db, data, till.ref, bounds, undefined);
    if (compared !== undefined && comparedBounds !== undefined) {
      fillTill(db, compared, till.ref, comparedBounds, comparison?.toReported);
    }
    const part = tillWarnings(db, till.ref, kind, labelsKind, scope);
    warnings.push(...part.warnings);
    if (part.incomplete) incomplete.push(till.ref);
    if (labelsKind !== undefined) {
      for (const row of tillLabels.all(till.ref, labelsKind)) {
        const code = String(row.code);
        if (!labels.has(code)) labels.set(code, String(row.label));
      }
    }
    if (typeof part.first === "string") firstSale.set(till.ref, part.first as LocalDate);
    if (typeof part.last === "string") lastSale.set(till.ref, part.last as LocalDate);
  }
  prepareTop(db, data, compared, present, bounds, request.top);
  return {
    data,
    compared,
    labels: labelBookOf(by, labels),
    warnings,
    incomplete,
    lastSale,
    firstSale,
  };
}
