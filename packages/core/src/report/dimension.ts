import {
  dateOf,
  hourOf,
  isoWeekOf,
  monthOf,
  type LocalDate,
  type LocalDateTime,
} from "../dates.js";
import type { Payment, SaleLine } from "../csv/types.js";
import { rateKey } from "../money.js";

/** What `--by` accepts: how the rows of a report are grouped (see docs/reports.md#rows---by). */
export const DIMENSIONS = [
  "till",
  "family",
  "article",
  "day",
  "week",
  "month",
  "hour",
  "payment",
  "vat",
] as const;

export type Dimension = (typeof DIMENSIONS)[number];

export function isDimension(value: string): value is Dimension {
  return (DIMENSIONS as readonly string[]).includes(value);
}

/** Dimensions whose rows are in time order rather than by turnover. */
export function isTimeDimension(by: Dimension): boolean {
  return by === "day" || by === "week" || by === "month" || by === "hour";
}

/** `--by payment` is computed from `reglements*.csv`, every other dimension from `ventes*.csv`. */
export type FigureSource = "sales" | "payments";

export function sourceOf(by: Dimension): FigureSource {
  return by === "payment" ? "payments" : "sales";
}

/**
 * The key of a payment mode. Tills write `CB`, `cb` or ` CB `: one mode, so trimmed and upper
 * case.
 */
export function paymentModeKey(mode: string): string {
  return mode.trim().toUpperCase();
}

/** Brings a moment of a compared period onto the reported one, keeping the time of day. */
export type DateShift = (date: LocalDate) => LocalDate;

function shifted(at: LocalDateTime, shift: DateShift | undefined): LocalDateTime {
  return shift === undefined ? at : (`${shift(dateOf(at))}${at.slice(10)}` as LocalDateTime);
}

/** The row a sales line belongs to. */
export function saleKey(
  by: Exclude<Dimension, "payment">,
  till: string,
  line: SaleLine,
  shift?: DateShift,
): string {
  switch (by) {
    case "till":
      return till;
    case "family":
      return line.family;
    case "article":
      return line.article;
    case "day":
      return dateOf(shifted(line.at, shift));
    case "week":
      return isoWeekOf(shifted(line.at, shift));
    case "month":
      return monthOf(shifted(line.at, shift));
    case "hour":
      return hourOf(line.at);
    case "vat":
      return rateKey(line.rate);
  }
}

/** The row a payment belongs to (`--by payment` only). */
export function paymentKey(payment: Payment): string {
  return paymentModeKey(payment.mode);
}
