import type { Payment, SaleLine } from "../csv/types.js";
import { dateOf, type LocalDate, type LocalDateTime } from "../dates.js";
import type { Cents, Milli, RateBp } from "../money.js";
import {
  paymentKey,
  saleKey,
  sourceOf,
  type DateShift,
  type Dimension,
  type FigureSource,
} from "./dimension.js";
import { hasMargin, type MilliCents, type PurchasePrices } from "./margin.js";
import { Tally } from "./tally.js";

/** Tallies per till of one row (or of the total): till ref -> tally. */
export type TillTallies = Map<string, Tally>;

/** Sums counted elsewhere (the report index) for one row of one till. */
export interface CountedSums {
  ttc: Cents;
  /** TTC per VAT rate; empty for payments. */
  byRate: Iterable<[RateBp, Cents]>;
  quantity: Milli;
  /** Distinct tickets, distinct from those of any other sums added to the same tally. */
  tickets: number;
  /** With purchase prices: the exact cost of the priced lines, and whether a line had none. */
  cost?: { cost: MilliCents; unpriced: boolean } | undefined;
}

/** An article's label as last seen in the sales lines. */
export interface SeenLabel {
  at: LocalDateTime;
  label: string;
}

function tallyOf(tallies: TillTallies, till: string): Tally {
  let tally = tallies.get(till);
  if (tally === undefined) {
    tally = new Tally();
    tallies.set(till, tally);
  }
  return tally;
}

function addCountedTo(tally: Tally, sums: CountedSums): void {
  tally.addCounted(sums.ttc, sums.byRate, sums.quantity, sums.tickets);
  if (sums.cost !== undefined) tally.addCountedCost(sums.cost.cost, sums.cost.unpriced);
}

/** Adds the tallies of `from` to those of the same tills in `into`. */
export function mergeTallies(into: TillTallies, from: TillTallies): void {
  for (const [till, tally] of from) tallyOf(into, till).merge(tally);
}

/**
 * Sums sales lines (or payments, for `--by payment`) into the rows of a report: one tally per
 * (row, till), plus one per till for the total, whose tickets are counted on their own (a ticket
 * with lines in two families counts once in the total).
 *
 * Accumulators merge: the collector fills one per file and merges it into the report's only when
 * the file was read to its end, so that a file left out is left out whole.
 */
export class Aggregator {
  readonly source: FigureSource;
  /** Row key -> till ref -> tally. */
  readonly rows = new Map<string, TillTallies>();
  /** Till ref -> tally of every line. */
  readonly total: TillTallies = new Map();
  /** The first and last dates of the lines added, as written (not shifted). */
  first: LocalDate | undefined;
  last: LocalDate | undefined;
  /** With `--by article`: the most recent `libelle` per article code, for articles not in a catalogue. */
  readonly saleLabels = new Map<string, SeenLabel>();
  /**
   * Set when the tallies hold counted tickets (the report index) rather than ticket sets: per
   * till, the distinct tickets of the lines of the rows `keys` together, for the `--top`
   * remainder, whose tickets are not the sum of its rows'.
   */
  ticketsOfRows: ((keys: readonly string[]) => ReadonlyMap<string, number>) | undefined;
  /**
   * The purchase prices the cost is counted at, when the report has a margin (some price known,
   * a dimension that has one: see docs/reports.md#gross-margin); else undefined.
   */
  readonly prices: PurchasePrices | undefined;
  /** With `prices`: the articles sold that have no purchase price. */
  readonly unpricedArticles = new Set<string>();

  /**
   * @param by the dimension of the rows.
   * @param shift for a compared period: brings its dates onto the reported period, so that each
   *   compared line lands in the row it is compared with.
   * @param prices the catalogue's purchase prices: with some, and a dimension that can have a
   *   margin, the tallies count the cost of the lines too.
   */
  constructor(
    readonly by: Dimension,
    private readonly shift?: DateShift,
    prices?: PurchasePrices,
  ) {
    this.source = sourceOf(by);
    this.prices = prices !== undefined && prices.size > 0 && hasMargin(by) ? prices : undefined;
  }

  /** Whether the figures have a cost and a margin. */
  get withMargin(): boolean {
    return this.prices !== undefined;
  }

  /** Adds one sales line of till `till`. */
  addSale(till: string, line: SaleLine): void {
    if (this.by === "payment") throw new Error("--by payment is computed from payments, not sales");
    const { prices } = this;
    const price = prices?.get(line.article);
    if (prices !== undefined && price === undefined) this.unpricedArticles.add(line.article);
    this.add(till, saleKey(this.by, till, line, this.shift), line.at, (tally) => {
      tally.addSale(line);
      if (prices !== undefined) tally.addCost(line.quantity, price);
    });
    if (this.by === "article" && line.label !== undefined) {
      this.seeLabel(line.article, { at: line.at, label: line.label });
    }
  }

  /** Adds one payment of till `till` (`--by payment` only). */
  addPayment(till: string, payment: Payment): void {
    if (this.by !== "payment")
      throw new Error(`--by ${this.by} is computed from sales, not payments`);
    this.add(till, paymentKey(payment), payment.at, (tally) => {
      tally.addPayment(payment);
    });
  }

  /** Adds sums counted elsewhere (the report index) to row `key` of till `till`. */
  addCounted(till: string, key: string, sums: CountedSums): void {
    addCountedTo(tallyOf(this.rowOf(key), till), sums);
  }

  /** Adds sums counted elsewhere (the report index) to the total of till `till`. */
  addCountedTotal(till: string, sums: CountedSums): void {
    addCountedTo(tallyOf(this.total, till), sums);
  }

  /** Notes that lines of this date were counted (with `addCounted`). */
  seeDate(date: LocalDate): void {
    if (this.first === undefined || date < this.first) this.first = date;
    if (this.last === undefined || date > this.last) this.last = date;
  }

  /** Adds everything another aggregator of the same dimension counted. */
  merge(other: Aggregator): void {
    if (other.by !== this.by) throw new Error(`cannot merge --by ${other.by} into --by ${this.by}`);
    for (const [key, tallies] of other.rows) mergeTallies(this.rowOf(key), tallies);
    mergeTallies(this.total, other.total);
    if (other.first !== undefined) this.seeDate(other.first);
    if (other.last !== undefined) this.seeDate(other.last);
    for (const [article, seen] of other.saleLabels) this.seeLabel(article, seen);
    for (const article of other.unpricedArticles) this.unpricedArticles.add(article);
  }

  private rowOf(key: string): TillTallies {
    let tallies = this.rows.get(key);
    if (tallies === undefined) {
      tallies = new Map();
      this.rows.set(key, tallies);
    }
    return tallies;
  }

  private add(till: string, key: string, at: LocalDateTime, count: (tally: Tally) => void): void {
    count(tallyOf(this.rowOf(key), till));
    count(tallyOf(this.total, till));
    this.seeDate(dateOf(at));
  }

  /**
   * An article's label as a sales line gives it: the most recent sale wins; at the same moment,
   * the one added last (files are read in order, tills in table order).
   */
  seeLabel(article: string, seen: SeenLabel): void {
    const current = this.saleLabels.get(article);
    if (current === undefined || seen.at >= current.at) this.saleLabels.set(article, seen);
  }
}
