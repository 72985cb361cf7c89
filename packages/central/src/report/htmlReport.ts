import { formatDate, localDateOf, type Locale, type Report, type TillRef } from "@caisse/core";
import { renderHtml } from "../render/html.js";
import { collectChartData, type ChartRequest } from "./charts.js";

/** What the HTML report is made from: the report, how it was collected, when and for whom. */
export interface HtmlReportRequest {
  report: Report;
  collect: ChartRequest["collect"];
  collector?: ChartRequest["collector"];
  range: ChartRequest["range"];
  tills: readonly TillRef[];
  /** Whether the report's rows are all there (no `--top` remainder). */
  complete: boolean;
  locale: Locale;
  now: Date;
  /** The morning mail's alarms, shown at the top. */
  alarms?: readonly string[] | undefined;
}

/** `30/11/2026 06:05` (local time): when the report was made. */
export function madeAt(now: Date, locale: Locale): string {
  const time = `${String(now.getHours()).padStart(2, "0")}:${String(now.getMinutes()).padStart(2, "0")}`;
  return `${formatDate(localDateOf(now), locale)} ${time}`;
}

/**
 * The HTML report with its charts (see docs/reports.md#html). The charting library is loaded
 * here, by the HTML report alone, not by the other formats nor at start-up.
 */
export async function htmlReport(request: HtmlReportRequest): Promise<string> {
  const { report, locale } = request;
  const data = await collectChartData(request);
  const { renderCharts } = await import("../render/htmlCharts.js");
  return renderHtml(report, {
    locale,
    color: false,
    generated: madeAt(request.now, locale),
    alarms: request.alarms,
    charts: renderCharts(data, locale),
  });
}
