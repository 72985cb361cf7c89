import { oneLine, type CatalogSideDiff, type Locale } from "@caisse/core";
import type { ApplyResult } from "./apply.js";

/** Codes listed per line of the text output; the JSON lists them all. */
const LISTED = 50;

/** The words of one side (articles, families): French agrees in gender and number. */
interface SideWords {
  title: string;
  /** `3 added, 1 changed, 0 removed (120 in all)` */
  counts: (diff: CatalogSideDiff) => string;
  /** The head of the list of codes added, changed, removed: it agrees with their number. */
  added: (count: number) => string;
  changed: (count: number) => string;
  removed: (count: number) => string;
}

/** What `catalog import` and `fetch` say, per language (see docs/catalogue.md). */
interface CatalogWords {
  articles: SideWords;
  families: SideWords;
  /** `and 12 more`, after the first LISTED codes. */
  more: (count: number) => string;
  colon: string;
  applied: (sequence: number, name: string, dir: string) => string;
  alreadyApplied: (sequence: number, name: string) => string;
  noneYet: string;
  newest: (published: number, applied: number | undefined) => string;
}

const enSide = (title: string): SideWords => ({
  title,
  counts: (diff) =>
    `${diff.added.length} added, ${diff.changed.length} changed, ${diff.removed.length} removed (${diff.total} in all)`,
  added: () => "added",
  changed: () => "changed",
  removed: () => "removed",
});

/** French: `ajouté`, `ajoutés`, `ajoutée`, `ajoutées`, agreeing with articles or families. */
const frSide = (title: string, feminine: boolean): SideWords => {
  const agreed = (stem: string, count: number): string =>
    `${stem}${feminine ? "e" : ""}${count < 2 ? "" : "s"}`;
  const word = (stem: string, count: number): string => `${count} ${agreed(stem, count)}`;
  return {
    title,
    counts: (diff) =>
      `${word("ajouté", diff.added.length)}, ${word("modifié", diff.changed.length)}, ${word("supprimé", diff.removed.length)} (${diff.total} en tout)`,
    added: (count) => agreed("ajouté", count),
    changed: (count) => agreed("modifié", count),
    removed: (count) => agreed("supprimé", count),
  };
};

const WORDS: Record<Locale, CatalogWords> = {
  en: {
    articles: enSide("articles"),
    families: enSide("families"),
    more: (count) => ` and ${count} more`,
    colon: ": ",
    applied: (sequence, name, dir) => `catalogue #${sequence} (${name}) applied to ${dir}`,
    alreadyApplied: (sequence, name) =>
      `catalogue #${sequence} (${name}) is already applied: nothing changed`,
    noneYet: "no catalogue is published yet: nothing changed",
    newest: (published, applied) =>
      `catalogue #${published} is the newest published, and #${applied ?? "?"} is applied: nothing changed`,
  },
  fr: {
    articles: frSide("articles", false),
    families: frSide("familles", true),
    more: (count) => ` et ${count} ${count < 2 ? "autre" : "autres"}`,
    colon: " : ",
    applied: (sequence, name, dir) => `catalogue n° ${sequence} (${name}) appliqué dans ${dir}`,
    alreadyApplied: (sequence, name) =>
      `catalogue n° ${sequence} (${name}) déjà appliqué : rien n'a changé`,
    noneYet: "aucun catalogue n'est encore publié : rien n'a changé",
    newest: (published, applied) =>
      `le catalogue n° ${published} est le plus récent publié, et le n° ${applied ?? "?"} est appliqué : rien n'a changé`,
  },
};

function codes(list: readonly string[], words: CatalogWords): string {
  const shown = list.slice(0, LISTED).map(oneLine).join(", ");
  return list.length > LISTED ? `${shown}${words.more(list.length - LISTED)}` : shown;
}

function side(side: SideWords, diff: CatalogSideDiff, words: CatalogWords): string[] {
  const { colon } = words;
  const lines = [`${side.title}${colon}${side.counts(diff)}`];
  if (diff.added.length > 0)
    lines.push(`  ${side.added(diff.added.length)}${colon}${codes(diff.added, words)}`);
  if (diff.changed.length > 0) {
    const shown = diff.changed
      .slice(0, LISTED)
      .map((change) => `${oneLine(change.code)} (${change.fields.join(", ")})`)
      .join(", ");
    const more = diff.changed.length > LISTED ? words.more(diff.changed.length - LISTED) : "";
    lines.push(`  ${side.changed(diff.changed.length)}${colon}${shown}${more}`);
  }
  if (diff.removed.length > 0)
    lines.push(`  ${side.removed(diff.removed.length)}${colon}${codes(diff.removed, words)}`);
  return lines;
}

/**
 * What `catalog import` and `fetch` print, in the language of the locale: the catalogue applied
 * and what changed. Codes and field names (`prix_ttc`) are as in the files.
 */
export function renderApplied(result: ApplyResult, locale: Locale): string {
  const words = WORDS[locale];
  if (result.upToDate || result.diff === null)
    return words.alreadyApplied(result.sequence, oneLine(result.name));
  return [
    words.applied(result.sequence, oneLine(result.name), result.dir),
    ...side(words.articles, result.diff.articles, words),
    ...side(words.families, result.diff.families, words),
  ].join("\n");
}

/** What `catalog fetch` prints when nothing newer is published than what is applied. */
export function renderNothingNew(
  published: number | undefined,
  applied: number | undefined,
  locale: Locale,
): string {
  const words = WORDS[locale];
  return published === undefined ? words.noneYet : words.newest(published, applied);
}

/** The same, as JSON: every code. */
export function appliedJson(result: ApplyResult): Record<string, unknown> {
  return {
    applied: !result.upToDate,
    name: result.name,
    sequence: result.sequence,
    created: result.created,
    dir: result.dir,
    articles: result.diff?.articles ?? null,
    families: result.diff?.families ?? null,
  };
}
