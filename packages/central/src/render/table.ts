import type { Locale, Report } from "@caisse/core";
import Table from "cli-table3";
import { reportGrid, type RenderOptions } from "./grid.js";

function warningsLine(count: number, locale: Locale): string {
  if (locale === "fr") return `${count} avertissement${count === 1 ? "" : "s"} : voir stderr`;
  return `${count} warning${count === 1 ? "" : "s"}: see stderr`;
}

/**
 * The report as a terminal table (cli-table3): a title line, the rows, the total row, and a count
 * of the warnings, which the command prints on stderr. Without colour, `style.head` and
 * `style.border` are empty: cli-table3 would otherwise write colour codes even into a pipe.
 */
export function renderTable(report: Report, options: RenderOptions): string {
  const grid = reportGrid(report, options.locale);
  const table = new Table({
    head: grid.head,
    colAligns: grid.numeric.map((numeric) => (numeric ? "right" : "left")),
    style: options.color
      ? { head: ["bold"], border: ["grey"], compact: true }
      : { head: [], border: [], compact: true },
  });
  for (const row of grid.body) table.push(row);
  table.push(grid.total);
  const lines = [grid.title, table.toString()];
  if (report.warnings.length > 0) lines.push(warningsLine(report.warnings.length, options.locale));
  return `${lines.join("\n")}\n`;
}
