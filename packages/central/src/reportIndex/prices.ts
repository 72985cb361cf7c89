import type { Dimension, PurchasePrices } from "@caisse/core";
import type { DatabaseSync } from "node:sqlite";

/** The purchase prices a report's margin is computed with (see docs/reports.md#gross-margin). */

/** The column of the `margin` table a dimension's rows are grouped by (`--by till`: none). */
export function marginGroup(by: Dimension): string | undefined {
  if (by === "family") return "family";
  if (by === "article") return "article";
  if (by === "day" || by === "week" || by === "month") return "day";
  return undefined;
}

/**
 * Puts the purchase prices into the connection's temporary table `price(article, cents)` (keyed
 * by article, so that the cost queries look each line's price up rather than scan them), before
 * the report's read transaction. A temporary table is the connection's own: the index file is not
 * written.
 */
export function loadPrices(db: DatabaseSync, prices: PurchasePrices): void {
  db.exec(
    `CREATE TEMP TABLE IF NOT EXISTS price (article TEXT PRIMARY KEY, cents INTEGER NOT NULL)
     WITHOUT ROWID; DELETE FROM temp.price;`,
  );
  const insert = db.prepare("INSERT INTO temp.price (article, cents) VALUES (?, ?)");
  for (const [article, cents] of prices) insert.run(article, cents);
}
