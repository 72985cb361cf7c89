import type { CatalogArticle, Family } from "../csv/types.js";
import type { CatalogContent } from "./read.js";

/** One code whose row changed, with the columns that differ (their CSV names). */
export interface CatalogChange {
  code: string;
  fields: string[];
}

export interface CatalogSideDiff {
  added: string[];
  changed: CatalogChange[];
  removed: string[];
  /** Codes in the new catalogue. */
  total: number;
}

/** What applying a catalogue changes, articles and families apart; codes in code order. */
export interface CatalogDiff {
  articles: CatalogSideDiff;
  families: CatalogSideDiff;
}

const ARTICLE_FIELDS: readonly [string, (row: CatalogArticle) => unknown][] = [
  ["libelle", (row) => row.label],
  ["famille", (row) => row.family],
  ["prix_ttc", (row) => row.price],
  ["taux_tva", (row) => row.rate],
  ["prix_achat_ht", (row) => row.purchaseHt],
];

const FAMILY_FIELDS: readonly [string, (row: Family) => unknown][] = [
  ["libelle", (row) => row.label],
];

function byCode(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sideDiff<T>(
  before: ReadonlyMap<string, T>,
  after: ReadonlyMap<string, T>,
  fields: readonly [string, (row: T) => unknown][],
): CatalogSideDiff {
  const added: string[] = [];
  const changed: CatalogChange[] = [];
  for (const [code, row] of after) {
    const old = before.get(code);
    if (old === undefined) {
      added.push(code);
      continue;
    }
    const differing = fields.filter(([, value]) => value(old) !== value(row)).map(([name]) => name);
    if (differing.length > 0) changed.push({ code, fields: differing });
  }
  const removed = [...before.keys()].filter((code) => !after.has(code));
  return {
    added: added.sort(byCode),
    changed: changed.sort((a, b) => byCode(a.code, b.code)),
    removed: removed.sort(byCode),
    total: after.size,
  };
}

/** The difference between the catalogue in place and the one applied over it. */
export function diffCatalog(before: CatalogContent, after: CatalogContent): CatalogDiff {
  return {
    articles: sideDiff(before.articles, after.articles, ARTICLE_FIELDS),
    families: sideDiff(before.families, after.families, FAMILY_FIELDS),
  };
}
