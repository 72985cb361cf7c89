import type { Report } from "@caisse/core";
import { reportGrid, type RenderOptions } from "./grid.js";

// Characters that mean something in a Markdown table cell: backslash-escaped (CommonMark lets
// any ASCII punctuation be), so a label cannot close a cell, link, emphasise or open HTML.
const MARKDOWN_SPECIAL = /[\\|`*_[\]<>&~#!]/gu;

function cell(text: string): string {
  return text.replace(MARKDOWN_SPECIAL, (character) => `\\${character}`);
}

function row(cells: readonly string[]): string {
  return `| ${cells.map(cell).join(" | ")} |`;
}

/**
 * The report as a Markdown document: the title as a heading, a table whose figures are
 * right-aligned with the total row in bold, the freshness of each till and the warnings as lists.
 */
export function renderMarkdown(report: Report, options: RenderOptions): string {
  const grid = reportGrid(report, options.locale);
  const lines = [
    `# ${cell(grid.title)}`,
    "",
    row(grid.head),
    `| ${grid.numeric.map((numeric) => (numeric ? "---:" : "---")).join(" | ")} |`,
    ...grid.body.map(row),
    `| ${grid.total.map((text) => (text === "" ? "" : `**${cell(text)}**`)).join(" | ")} |`,
  ];
  if (grid.freshness.length > 0) {
    lines.push("", `## ${cell(grid.freshnessTitle)}`, "");
    lines.push(...grid.freshness.map((line) => `- ${cell(line)}`));
  }
  if (grid.warnings.length > 0) {
    lines.push("", `## ${grid.warningsTitle}`, "");
    lines.push(...grid.warnings.map((warning) => `- ${cell(warning)}`));
  }
  return `${lines.join("\n")}\n`;
}
