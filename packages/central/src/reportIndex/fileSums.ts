import {
  hourOf,
  paymentModeKey,
  rateKey,
  type LocalDate,
  type Payment,
  type SaleLine,
} from "@caisse/core";
import type { DataKind } from "../report/collect.js";

/**
 * What the report index keeps of one data file, summed while the file is read (see
 * docs/reports.md#the-report-index): per day and grouping key, the sums, the tickets, the
 * quantities for the margin, the latest labels and the copies of earlier files' tickets.
 */

/** The grouping keys a sales line is summed under (see FileSums.addSale); `total`: the till. */
export const SALES_DIMS = ["total", "family", "article", "hour", "vat"] as const;

/** The dimension of the totals of a data kind. */
export function totalDim(kind: DataKind): "total" | "ptotal" {
  return kind === "ventes" ? "total" : "ptotal";
}

export const SEP = "\u0000";

/** The sums of one grouping key on one day: per VAT rate [ttc, quantity], and its tickets. */
interface Group {
  readonly rates: Map<number, [number, number]>;
  readonly tickets: Set<string>;
}

/** Dimension -> grouping key -> its sums, for one day. */
type DaySums = Map<string, Map<string, Group>>;

/**
 * The sums of one data file, kept apart until the file is read whole, then written. Memory grows
 * with the file's distinct (day, key) pairs and tickets, not with the history.
 */
export class FileSums {
  /** day -> dimension -> key -> sums */
  readonly days = new Map<string, DaySums>();
  /** The day of the last row and its sums: a file's rows mostly follow each other by day. */
  private lastDay: string | undefined;
  private lastSums: DaySums = new Map();
  /** `day family article` -> [quantity, ttc] */
  readonly margins = new Map<string, [number, number]>();
  /** `day article` -> the label of its latest line */
  readonly labels = new Map<string, { at: string; label: string }>();
  /** `owner day` -> duplicate tickets */
  readonly duplicates = new Map<string, number>();
  /** The first and last days of the file's valid rows (each counted, or a copy of a ticket). */
  first: LocalDate | undefined;
  last: LocalDate | undefined;

  private see(day: LocalDate): void {
    if (this.first === undefined || day < this.first) this.first = day;
    if (this.last === undefined || day > this.last) this.last = day;
  }

  private daySums(day: string): DaySums {
    if (day === this.lastDay) return this.lastSums;
    let sums = this.days.get(day);
    if (sums === undefined) {
      sums = new Map();
      this.days.set(day, sums);
    }
    this.lastDay = day;
    this.lastSums = sums;
    return sums;
  }

  private add(
    dims: DaySums,
    dim: string,
    key: string,
    rate: number,
    ticket: string,
    ttc: number,
    qty: number,
  ): void {
    let keys = dims.get(dim);
    if (keys === undefined) {
      keys = new Map();
      dims.set(dim, keys);
    }
    let group = keys.get(key);
    if (group === undefined) {
      group = { rates: new Map(), tickets: new Set() };
      keys.set(key, group);
    }
    const sums = group.rates.get(rate);
    if (sums === undefined) group.rates.set(rate, [ttc, qty]);
    else {
      sums[0] += ttc;
      sums[1] += qty;
    }
    group.tickets.add(ticket);
  }

  addSale(line: SaleLine, day: LocalDate): void {
    this.see(day);
    const { rate, ticket, ttc, quantity } = line;
    const dims = this.daySums(day);
    this.add(dims, "total", "", rate, ticket, ttc, quantity);
    this.add(dims, "family", line.family, rate, ticket, ttc, quantity);
    this.add(dims, "article", line.article, rate, ticket, ttc, quantity);
    this.add(dims, "hour", hourOf(line.at), rate, ticket, ttc, quantity);
    this.add(dims, "vat", rateKey(rate), rate, ticket, ttc, quantity);
    const margin = `${day}${SEP}${line.family}${SEP}${line.article}`;
    const sums = this.margins.get(margin);
    if (sums === undefined) this.margins.set(margin, [line.quantity, line.ttc]);
    else {
      sums[0] += line.quantity;
      sums[1] += line.ttc;
    }
    if (line.label !== undefined) {
      const seen = `${day}${SEP}${line.article}`;
      const current = this.labels.get(seen);
      if (current === undefined || line.at >= current.at) {
        this.labels.set(seen, { at: line.at, label: line.label });
      }
    }
  }

  addPayment(payment: Payment, day: LocalDate): void {
    this.see(day);
    const dims = this.daySums(day);
    const { ticket, amount } = payment;
    this.add(dims, "ptotal", "", -1, ticket, amount, 0);
    this.add(dims, "payment", paymentModeKey(payment.mode), -1, ticket, amount, 0);
  }

  duplicate(owner: number, day: LocalDate): void {
    this.see(day);
    const key = `${owner}${SEP}${day}`;
    this.duplicates.set(key, (this.duplicates.get(key) ?? 0) + 1);
  }
}
