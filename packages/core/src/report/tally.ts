import type { Payment, SaleLine } from "../csv/types.js";
import { dateOf, type LocalDateTime } from "../dates.js";
import {
  addCents,
  addMilli,
  cents,
  divideRounded,
  htOf,
  ZERO_CENTS,
  ZERO_MILLI,
  type Cents,
  type Milli,
  type RateBp,
} from "../money.js";
import type { FigureSource } from "./dimension.js";
import { addMilliCents, lineCost, roundCost, ZERO_MILLI_CENTS, type MilliCents } from "./margin.js";
import type { CompareFigures, Figures } from "./model.js";

/**
 * The running sums of one set of lines at ONE till: what the figures of docs/reports.md#the-figures
 * need, and no line kept. Tallies merge, so that a file's lines can be counted apart and added to
 * the report only once the whole file was read.
 */
export class Tally {
  ttc: Cents = ZERO_CENTS;
  /** TTC per VAT rate: HT is rounded once per rate, not once per line. */
  readonly ttcByRate = new Map<RateBp, Cents>();
  /**
   * The tickets seen, as `day NUL number` (see {@link ticketKey}). One till's tickets only, so
   * that tallies of different tills never share a ticket and their counts add up. Memory grows
   * with tickets, not with lines.
   */
  readonly tickets = new Set<string>();
  /**
   * Tickets counted elsewhere (by the report index) rather than listed in `tickets`: distinct
   * from those, and from the counted tickets of any tally it is merged with.
   */
  countedTickets = 0;
  quantity: Milli = ZERO_MILLI;
  /**
   * With purchase prices (see docs/reports.md#gross-margin): the cost of the lines whose article
   * has one, exact; and whether a line's article has none, which leaves the margin unknown.
   */
  cost: MilliCents = ZERO_MILLI_CENTS;
  unpriced = false;

  /** How many distinct tickets the lines counted have. */
  get ticketCount(): number {
    return this.tickets.size + this.countedTickets;
  }

  addSale(line: SaleLine): void {
    this.ttc = addCents(this.ttc, line.ttc);
    this.ttcByRate.set(line.rate, addCents(this.ttcByRate.get(line.rate) ?? ZERO_CENTS, line.ttc));
    this.tickets.add(ticketKey(line.at, line.ticket));
    this.quantity = addMilli(this.quantity, line.quantity);
  }

  /** Adds the cost of a sales line: its quantity at its article's price, or that it has none. */
  addCost(quantity: Milli, price: Cents | undefined): void {
    if (price === undefined) this.unpriced = true;
    else this.cost = addMilliCents(this.cost, lineCost(quantity, price));
  }

  /** Adds a cost counted elsewhere (the report index). */
  addCountedCost(cost: MilliCents, unpriced: boolean): void {
    this.cost = addMilliCents(this.cost, cost);
    if (unpriced) this.unpriced = true;
  }

  addPayment(payment: Payment): void {
    this.ttc = addCents(this.ttc, payment.amount);
    this.tickets.add(ticketKey(payment.at, payment.ticket));
  }

  /**
   * Adds sums counted elsewhere (the report index): TTC, its share per VAT rate (sales only),
   * quantity, distinct tickets.
   */
  addCounted(
    ttc: Cents,
    ttcByRate: Iterable<[RateBp, Cents]>,
    quantity: Milli,
    tickets: number,
  ): void {
    this.ttc = addCents(this.ttc, ttc);
    for (const [rate, amount] of ttcByRate) {
      this.ttcByRate.set(rate, addCents(this.ttcByRate.get(rate) ?? ZERO_CENTS, amount));
    }
    this.quantity = addMilli(this.quantity, quantity);
    this.countedTickets += tickets;
  }

  /** Adds another tally of the SAME till: tickets are united, not added. */
  merge(other: Tally): void {
    this.ttc = addCents(this.ttc, other.ttc);
    for (const [rate, ttc] of other.ttcByRate) {
      this.ttcByRate.set(rate, addCents(this.ttcByRate.get(rate) ?? ZERO_CENTS, ttc));
    }
    for (const ticket of other.tickets) this.tickets.add(ticket);
    this.countedTickets += other.countedTickets;
    this.quantity = addMilli(this.quantity, other.quantity);
    this.addCountedCost(other.cost, other.unpriced);
  }
}

/**
 * A ticket within one till: its number AND its sale date, since a till may start its numbering
 * again every day (see docs/reports.md#the-figures). The day, not the full time: the lines of one
 * ticket may carry different times.
 */
export function ticketKey(at: LocalDateTime, ticket: string): string {
  return `${dateOf(at)}\u0000${ticket}`;
}

/** A ratio in basis points (1/10 000), half away from zero; null when the denominator is 0. */
export function basisPoints(numerator: Cents, denominator: Cents): number | null {
  if (denominator === 0) return null;
  return Number(divideRounded(BigInt(numerator) * 10000n, BigInt(denominator)));
}

/**
 * The figures of a set of lines given as tallies of DIFFERENT tills (so their tickets are
 * distinct pairs and simply add up). `totalTtc` is the report total, for the share. With
 * `withMargin`, the cost, margin and margin rate too (see docs/reports.md#gross-margin): the cost
 * rounded once from the exact sum of the tallies', null when a line's article has no price.
 */
export function figuresOf(
  tallies: Iterable<Tally>,
  source: FigureSource,
  totalTtc: Cents,
  withMargin = false,
): Figures {
  let ttc = ZERO_CENTS;
  let cost = ZERO_MILLI_CENTS;
  let unpriced = false;
  let quantity = ZERO_MILLI;
  let tickets = 0;
  const ttcByRate = new Map<RateBp, Cents>();
  for (const tally of tallies) {
    ttc = addCents(ttc, tally.ttc);
    quantity = addMilli(quantity, tally.quantity);
    tickets += tally.ticketCount;
    cost = addMilliCents(cost, tally.cost);
    if (tally.unpriced) unpriced = true;
    for (const [rate, amount] of tally.ttcByRate) {
      ttcByRate.set(rate, addCents(ttcByRate.get(rate) ?? ZERO_CENTS, amount));
    }
  }
  let ht: Cents | null = null;
  if (source === "sales") {
    ht = ZERO_CENTS;
    for (const [rate, amount] of ttcByRate) ht = addCents(ht, htOf(amount, rate));
  }
  const figures: Figures = {
    ttc,
    ht,
    vat: ht === null ? null : cents(ttc - ht),
    tickets,
    quantity: source === "sales" ? quantity : null,
    avgBasket: tickets === 0 ? null : cents(Number(divideRounded(BigInt(ttc), BigInt(tickets)))),
    shareBp: basisPoints(ttc, totalTtc),
  };
  if (withMargin) {
    figures.cost = unpriced || ht === null ? null : roundCost(cost);
    figures.margin = figures.cost === null || ht === null ? null : cents(ht - figures.cost);
    figures.marginRateBp =
      figures.margin === null ? null : basisPoints(figures.margin, ht ?? ZERO_CENTS);
  }
  return figures;
}

/**
 * A row beside the compared period. The percentage is over the size of the compared TTC, so that
 * its sign is the sign of the change even when refunds made the compared TTC negative.
 */
export function compareFigures(ttc: Cents, compared: Cents): CompareFigures {
  const delta = cents(ttc - compared);
  return { ttc: compared, delta, pctBp: basisPoints(delta, cents(Math.abs(compared))) };
}
