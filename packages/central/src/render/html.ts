import type { Report } from "@caisse/core";
import { reportGrid, type RenderOptions } from "./grid.js";

const ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/gu, (character) => ENTITIES[character] ?? character);
}

// Inline, so the page is one self-contained file that can be mailed or opened offline.
const STYLE = [
  "body{font-family:system-ui,sans-serif;margin:2em;color:#222}",
  "table{border-collapse:collapse}",
  "th,td{border:1px solid #ccc;padding:.3em .6em}",
  "th{background:#f0f0f0}",
  ".n{text-align:right;white-space:nowrap}",
  "tfoot td{font-weight:bold}",
].join("");

function cells(tag: "th" | "td", texts: readonly string[], numeric: readonly boolean[]): string {
  const cell = (text: string, index: number): string =>
    `<${tag}${numeric[index] === true ? ' class="n"' : ""}>${escapeHtml(text)}</${tag}>`;
  return `<tr>${texts.map(cell).join("")}</tr>`;
}

/**
 * The report as a self-contained HTML page: no script, no external style, font or image; every
 * text escaped. The warnings are listed under the table.
 */
export function renderHtml(report: Report, options: RenderOptions): string {
  const grid = reportGrid(report, options.locale);
  const title = escapeHtml(grid.title);
  const lines = [
    "<!DOCTYPE html>",
    `<html lang="${options.locale}">`,
    "<head>",
    '<meta charset="utf-8">',
    `<title>${title}</title>`,
    `<style>${STYLE}</style>`,
    "</head>",
    "<body>",
    `<h1>${title}</h1>`,
    "<table>",
    `<thead>${cells("th", grid.head, grid.numeric)}</thead>`,
    "<tbody>",
    ...grid.body.map((row) => cells("td", row, grid.numeric)),
    "</tbody>",
    `<tfoot>${cells("td", grid.total, grid.numeric)}</tfoot>`,
    "</table>",
  ];
  if (grid.freshness.length > 0) {
    lines.push(`<h2>${escapeHtml(grid.freshnessTitle)}</h2>`, "<ul>");
    lines.push(...grid.freshness.map((line) => `<li>${escapeHtml(line)}</li>`));
    lines.push("</ul>");
  }
  if (grid.warnings.length > 0) {
    lines.push(`<h2>${escapeHtml(grid.warningsTitle)}</h2>`, "<ul>");
    lines.push(...grid.warnings.map((warning) => `<li>${escapeHtml(warning)}</li>`));
    lines.push("</ul>");
  }
  lines.push("</body>", "</html>");
  return `${lines.join("\n")}\n`;
}
