import { folderAt, oneLine, type Cents, type Report } from "@caisse/core";
import { MARGIN_LISTED, MARGIN_WORDS } from "@caisse/cli";
import type { CentralPaths } from "../config.js";
import { filesOf, readWhole, type Place } from "./collect.js";

/**
 * The purchase prices of the central's catalogue (`prix_achat_ht` of `catalog/articles*.csv`),
 * for the gross margin (see docs/reports.md#gross-margin): article code -> price in cents. The
 * first file naming a code wins, its price or its lack of one, as for the labels; a file left
 * out whole gives none. Its invalid rows are told to `warnings`. Empty without a catalogue.
 */
export async function readPurchasePrices(
  paths: CentralPaths,
  warnings: string[],
): Promise<Map<string, Cents>> {
  const prices = new Map<string, Cents>();
  if ((await folderAt(paths.catalog)) === undefined) return prices;
  const place: Place = { owner: "catalog", dir: paths.catalog };
  const named = new Set<string>();
  const files = await filesOf(place, ["articles"], warnings);
  for (const file of files.get("articles") ?? []) {
    const found = new Map<string, Cents | undefined>();
    const whole = await readWhole(
      place,
      file,
      "articles",
      (row) => {
        if (!found.has(row.article)) found.set(row.article, row.purchaseHt);
      },
      warnings,
    );
    if (whole === undefined) continue;
    for (const [article, price] of found) {
      if (named.has(article)) continue;
      named.add(article);
      if (price !== undefined) prices.set(article, price);
    }
  }
  return prices;
}

/**
 * The warning of a report whose margin is unknown somewhere: which rows (and whether the total)
 * lack it, and which articles sold have no purchase price, each list bounded. None when every
 * figure has its margin, or when the report has none.
 */
export function marginWarnings(report: Report, unpriced: ReadonlySet<string>): string[] {
  if (report.total.cost === undefined) return [];
  const lacking = report.rows.filter((row) => row.cost === null).map((row) => oneLine(row.key));
  const total = report.total.cost === null;
  if (lacking.length === 0 && !total) return [];
  const articles = [...unpriced].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return [
    // In English, as every warning of the JSON and the log; render/warnings.ts says it in French.
    MARGIN_WORDS.en.unknown({
      rows: lacking.slice(0, MARGIN_LISTED),
      rowCount: lacking.length,
      of: report.rows.length,
      total,
      articles: articles.slice(0, MARGIN_LISTED).map(oneLine),
      articleCount: articles.length,
    }),
  ];
}
