import { oneLine, type CatalogSideDiff } from "@caisse/core";
import type { ApplyResult } from "./apply.js";

/** Codes listed per line of the text output; the JSON lists them all. */
const LISTED = 50;

function codes(list: readonly string[]): string {
  const shown = list.slice(0, LISTED).map(oneLine).join(", ");
  return list.length > LISTED ? `${shown} and ${list.length - LISTED} more` : shown;
}

function side(title: string, diff: CatalogSideDiff): string[] {
  const lines = [
    `${title}: ${diff.added.length} added, ${diff.changed.length} changed, ${diff.removed.length} removed (${diff.total} in all)`,
  ];
  if (diff.added.length > 0) lines.push(`  added: ${codes(diff.added)}`);
  if (diff.changed.length > 0) {
    const shown = diff.changed
      .slice(0, LISTED)
      .map((change) => `${oneLine(change.code)} (${change.fields.join(", ")})`)
      .join(", ");
    const more = diff.changed.length > LISTED ? ` and ${diff.changed.length - LISTED} more` : "";
    lines.push(`  changed: ${shown}${more}`);
  }
  if (diff.removed.length > 0) lines.push(`  removed: ${codes(diff.removed)}`);
  return lines;
}

/** What `catalog import` and `fetch` print: the catalogue applied and what changed. */
export function renderApplied(result: ApplyResult): string {
  if (result.upToDate || result.diff === null)
    return `catalogue #${result.sequence} (${oneLine(result.name)}) is already applied: nothing changed`;
  return [
    `catalogue #${result.sequence} (${oneLine(result.name)}) applied to ${result.dir}`,
    ...side("articles", result.diff.articles),
    ...side("families", result.diff.families),
  ].join("\n");
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
