import { counted, type Locale, type Report } from "@caisse/core";
import { terminalTable } from "@caisse/cli";
import { reportGrid, type RenderOptions } from "./grid.js";

function warningsLine(count: number, locale: Locale): string {
  if (locale === "fr") return `${counted(count, "avertissement")} : voir stderr`;
  return `${counted(count, "warning")}: see stderr`;
}

/**
 * The report as a terminal table: a title line, the rows, the total row, one freshness line per
 * till, and a count of the warnings, which the command prints on stderr.
 */
export function renderTable(report: Report, options: RenderOptions): string {
  const grid = reportGrid(report, options.locale);
  const table = terminalTable(grid.head, [...grid.body, grid.total], {
    color: options.color,
    numeric: grid.numeric,
    compact: true,
  });
  const lines = [grid.title, table, ...grid.freshness];
  if (report.warnings.length > 0) lines.push(warningsLine(report.warnings.length, options.locale));
  return `${lines.join("\n")}\n`;
}
