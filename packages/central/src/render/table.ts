import type { Report } from "@caisse/core";
import { REPORT_WORDS, terminalTable } from "@caisse/cli";
import { reportGrid, type RenderOptions, type ReportGrid } from "./grid.js";

/** The columns of one part of a table cut to fit the terminal. */
type Part = number[];

/**
 * Cuts a grid's columns into parts that each fit `width` characters: every part repeats the
 * naming columns (key and label; the key alone when a label would leave no room), then takes as
 * many of the following columns as fit, at least one. `measure` gives the width of a table of
 * the given columns.
 */
function cutColumns(grid: ReportGrid, width: number, measure: (columns: Part) => number): Part[] {
  const all = grid.head.map((_, index) => index);
  if (measure(all) <= width) return [all];
  const figures = all.slice(grid.naming);
  // Each column's own width, once: a table's width is 1 plus, per column, its width plus 1.
  const own = new Map(all.map((index) => [index, measure([index]) - 1]));
  const size = (columns: Part): number =>
    1 + columns.reduce((sum, index) => sum + (own.get(index) ?? 0), 0);
  const widest = Math.max(...figures.map((index) => own.get(index) ?? 0));
  let naming = all.slice(0, grid.naming);
  while (naming.length > 1 && size(naming) + widest > width) naming = naming.slice(0, -1);
  const parts: Part[] = [];
  let part = [...naming];
  for (const index of figures) {
    if (part.length > naming.length && size([...part, index]) > width) {
      parts.push(part);
      part = [...naming];
    }
    part.push(index);
  }
  parts.push(part);
  return parts;
}

/**
 * The report as a terminal table: a title line, the rows, the total row, one freshness line per
 * till, and a count of the warnings, which the command prints on stderr. Wider than `options.width`, the table is cut into
 * several, one under the other, each repeating the row's key and label (see
 * docs/reports.md#wide-reports).
 */
export function renderTable(report: Report, options: RenderOptions): string {
  const grid = reportGrid(report, options.locale, options.metrics);
  const table = (columns: Part, color: boolean): string => {
    const pick = (cells: readonly string[]): string[] => columns.map((index) => cells[index] ?? "");
    return terminalTable(pick(grid.head), [...grid.body, grid.total].map(pick), {
      color,
      numeric: columns.map((index) => grid.numeric[index] ?? false),
      compact: true,
    });
  };
  // The top border is made of box characters only: its length is the table's width on screen.
  const measure = (columns: Part): number => table(columns, false).split("\n", 1)[0]?.length ?? 0;
  const parts =
    options.width === undefined
      ? [grid.head.map((_, index) => index)]
      : cutColumns(grid, options.width, measure);
  const lines = [
    grid.title,
    parts.map((columns) => table(columns, options.color)).join("\n\n"),
    ...grid.freshness,
  ];
  if (report.warnings.length > 0) {
    lines.push(REPORT_WORDS[options.locale].seeStderr(report.warnings.length));
  }
  return `${lines.join("\n")}\n`;
}
