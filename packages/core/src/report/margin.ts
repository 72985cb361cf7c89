import { cents, divideRounded, type Cents, type Milli } from "../money.js";
import { DIMENSIONS, type Dimension } from "./dimension.js";

/**
 * The purchase price (`prix_achat_ht`, HT, in cents per unit) of each article of the central's
 * catalogue that has one: article code -> price. The cost and gross margin of a report come from
 * it (see docs/reports.md#gross-margin).
 */
export type PurchasePrices = ReadonlyMap<string, Cents>;

/**
 * A cost before it is rounded: quantity (thousandths) x price (cents), so thousandths of a cent.
 * Summed exactly over the lines of a row, rounded to the cent once per row.
 */
export type MilliCents = number & { readonly __unit: "milli-cents" };

export const ZERO_MILLI_CENTS = 0 as MilliCents;

/**
 * The dimensions whose rows can have a margin: the report index keeps quantities per till, day,
 * family and article only, so `--by hour` and `--by vat` cannot (and payments have no articles).
 */
export const MARGIN_DIMENSIONS: readonly Dimension[] = DIMENSIONS.filter(
  (by) => by !== "hour" && by !== "vat" && by !== "payment",
);

export function hasMargin(by: Dimension): boolean {
  return MARGIN_DIMENSIONS.includes(by);
}

/** The cost of `quantity` units at `price`, exact (in thousandths of a cent). */
export function lineCost(quantity: Milli, price: Cents): MilliCents {
  const cost = quantity * price;
  if (!Number.isSafeInteger(cost))
    throw new RangeError(`cost out of range: ${quantity} x ${price}`);
  return cost as MilliCents;
}

export function addMilliCents(a: MilliCents, b: MilliCents): MilliCents {
  const sum = a + b;
  if (!Number.isSafeInteger(sum)) throw new RangeError(`cost out of range: ${sum}`);
  return sum as MilliCents;
}

/** A cost in cents: rounded half away from zero, once (returns make it smaller, or negative). */
export function roundCost(cost: MilliCents): Cents {
  return cents(Number(divideRounded(BigInt(cost), 1000n)));
}
