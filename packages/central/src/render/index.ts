import type { Report } from "@caisse/core";
import { renderCsv, renderCsvRaw } from "./csv.js";
import type { ReportFormat } from "./formats.js";
import type { RenderOptions } from "./grid.js";
import { renderHtml } from "./html.js";
import { renderJson } from "./json.js";
import { renderMarkdown } from "./md.js";
import { renderTable } from "./table.js";

export type { RenderOptions } from "./grid.js";

export { REPORT_FORMATS } from "./formats.js";
export type { ReportFormat, Metric } from "./formats.js";

const RENDERERS: Record<ReportFormat, (report: Report, options: RenderOptions) => string> = {
  table: renderTable,
  csv: renderCsv,
  "csv-raw": renderCsvRaw,
  json: renderJson,
  md: renderMarkdown,
  html: renderHtml,
};

/** A report as text in one of the formats; pure: the same report and options give the same text. */
export function renderReport(report: Report, format: ReportFormat, options: RenderOptions): string {
  return RENDERERS[format](report, options);
}
