import { daysBetween, formatDate, oneLine, type Locale, type Report } from "@caisse/core";
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

/** A chart already drawn as SVG markup (render/htmlCharts.ts, which escapes its own texts). */
export interface HtmlChart {
  id: string;
  title: string;
  svg: string;
}

/** What the HTML page shows besides the report itself; each part is left out when absent. */
export interface HtmlOptions extends RenderOptions {
  /** When the report was made, as people read it: `30/11/2026 06:00`. */
  generated?: string | undefined;
  /** A line under the date and period (the morning mail: where the charts are). */
  note?: string | undefined;
  /** Alarms put above everything (the morning mail's late stores). */
  alarms?: readonly string[] | undefined;
  charts?: readonly HtmlChart[] | undefined;
}

// Inline, so the page is one self-contained file that can be mailed or opened offline. Charts are
// drawn wide and scaled down to the page; printed, each stays whole on its page.
export const HTML_STYLE = [
  "body{font-family:system-ui,sans-serif;margin:2em;color:#222}",
  "table{border-collapse:collapse;margin:.5em 0 1.5em}",
  "th,td{border:1px solid #ccc;padding:.3em .6em}",
  "th{background:#f0f0f0}",
  ".n{text-align:right;white-space:nowrap}",
  "tfoot td{font-weight:bold}",
  ".meta{color:#555}",
  ".alarms{border:2px solid #c0392b;background:#fdecea;padding:.5em 1em;margin-bottom:1em}",
  ".alarms li{color:#8e1c12;font-weight:bold}",
  ".chart{margin:1.5em 0;max-width:900px}",
  ".chart figcaption{font-weight:bold;margin-bottom:.3em}",
  ".chart svg{display:block;width:100%;height:auto}",
  "@page{size:A4;margin:12mm}",
  "@media print{body{margin:0;font-size:10pt}th{background:#eee}" +
    ".chart,table,.alarms{break-inside:avoid}h1,h2,figcaption{break-after:avoid}" +
    "thead{display:table-header-group}}",
].join("\n");

interface Words {
  generated: (at: string) => string;
  period: string;
  days: (count: number) => string;
  noPeriod: string;
  charts: string;
  alarms: string;
}

const WORDS: Record<Locale, Words> = {
  fr: {
    generated: (at) => `Rapport établi le ${at}`,
    period: "Période",
    days: (count) => `${count} jour${count > 1 ? "s" : ""}`,
    noPeriod: "aucune vente",
    charts: "Graphiques",
    alarms: "Alertes",
  },
  en: {
    generated: (at) => `Report made on ${at}`,
    period: "Period",
    days: (count) => `${count} day${count > 1 ? "s" : ""}`,
    noPeriod: "no sales",
    charts: "Charts",
    alarms: "Alarms",
  },
};

function cells(tag: "th" | "td", texts: readonly string[], numeric: readonly boolean[]): string {
  const cell = (text: string, index: number): string =>
    `<${tag}${numeric[index] === true ? ' class="n"' : ""}>${escapeHtml(text)}</${tag}>`;
  return `<tr>${texts.map(cell).join("")}</tr>`;
}

/** `Rapport établi le 30/11/2026 06:00 · Période : du 01/11/2026 au 30/11/2026 (30 jours)`. */
function metaLine(report: Report, options: HtmlOptions, words: Words): string {
  const parts: string[] = [];
  if (options.generated !== undefined) parts.push(words.generated(options.generated));
  const { from, to } = report;
  const separator = options.locale === "fr" ? "\u00A0: " : ": ";
  if (from === null || to === null) parts.push(`${words.period}${separator}${words.noPeriod}`);
  else {
    const range =
      options.locale === "fr"
        ? `du ${formatDate(from, "fr")} au ${formatDate(to, "fr")}`
        : `${from} to ${to}`;
    parts.push(`${words.period}${separator}${range} (${words.days(daysBetween(from, to) + 1)})`);
  }
  return `<p class="meta">${escapeHtml(oneLine(parts.join(" · ")))}</p>`;
}

function chartFigures(charts: readonly HtmlChart[], words: Words): string[] {
  if (charts.length === 0) return [];
  return [
    `<h2>${escapeHtml(words.charts)}</h2>`,
    ...charts.map(
      (chart) =>
        `<figure class="chart" data-chart="${escapeHtml(chart.id)}">` +
        `<figcaption>${escapeHtml(oneLine(chart.title))}</figcaption>\n${chart.svg}</figure>`,
    ),
  ];
}

/**
 * The report as a self-contained HTML page (see docs/reports.md#html): no script, no external
 * style, font or image; every text from the data escaped. Above the table, the alarms, the date
 * and period and each store's freshness; below it the charts (SVG drawn beforehand, see
 * render/htmlCharts.ts) and the warnings. Pure: the same report and options give the same page.
 */
export function renderHtml(report: Report, options: HtmlOptions): string {
  const grid = reportGrid(report, options.locale);
  const words = WORDS[options.locale];
  const title = escapeHtml(grid.title);
  const lines = [
    "<!DOCTYPE html>",
    `<html lang="${options.locale}">`,
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${title}</title>`,
    `<style>\n${HTML_STYLE}\n</style>`,
    "</head>",
    "<body>",
  ];
  const alarms = options.alarms ?? [];
  if (alarms.length > 0) {
    lines.push(`<div class="alarms" role="alert"><strong>${escapeHtml(words.alarms)}</strong>`);
    lines.push("<ul>", ...alarms.map((alarm) => `<li>${escapeHtml(oneLine(alarm))}</li>`), "</ul>");
    lines.push("</div>");
  }
  lines.push(
    `<h1>${title}</h1>`,
    metaLine(report, options, words),
    ...(options.note === undefined
      ? []
      : [`<p class="note">${escapeHtml(oneLine(options.note))}</p>`]),
    '<table class="report">',
    `<thead>${cells("th", grid.head, grid.numeric)}</thead>`,
    "<tbody>",
    ...grid.body.map((row) => cells("td", row, grid.numeric)),
    "</tbody>",
    `<tfoot>${cells("td", grid.total, grid.numeric)}</tfoot>`,
    "</table>",
  );
  if (grid.freshness.length > 0) {
    lines.push(`<h2>${escapeHtml(grid.freshnessTitle)}</h2>`, '<ul class="freshness">');
    lines.push(...grid.freshness.map((line) => `<li>${escapeHtml(line)}</li>`));
    lines.push("</ul>");
  }
  lines.push(...chartFigures(options.charts ?? [], words));
  if (grid.warnings.length > 0) {
    lines.push(`<h2>${escapeHtml(grid.warningsTitle)}</h2>`, "<ul>");
    lines.push(...grid.warnings.map((warning) => `<li>${escapeHtml(warning)}</li>`));
    lines.push("</ul>");
  }
  lines.push("</body>", "</html>");
  return `${lines.join("\n")}\n`;
}
