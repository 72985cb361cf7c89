/** What `report --format` accepts; apart from the renderers so that declaring `report` is cheap. */
export const REPORT_FORMATS = ["table", "csv", "csv-raw", "json", "md", "html"] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** The format `--out FILE` gives when `--format` is not: by the file's extension, any case. */
export const FORMAT_OF_EXTENSION: Readonly<Record<string, ReportFormat>> = {
  ".txt": "table",
  ".csv": "csv",
  ".json": "json",
  ".md": "md",
  ".markdown": "md",
  ".html": "html",
  ".htm": "html",
};

/**
 * What `report --metrics` accepts: the figure columns, by their JSON keys; `tills` is one column
 * per store (the stores side by side), `compare_ttc`, `delta`, `pct` the comparison's,
 * `cost_ht`, `margin_ht`, `margin_rate` the gross margin's (see docs/reports.md#gross-margin).
 */
export const METRICS = [
  "tills",
  "ttc",
  "ht",
  "vat",
  "tickets",
  "quantity",
  "avg_basket",
  "share",
  "cost_ht",
  "margin_ht",
  "margin_rate",
  "compare_ttc",
  "delta",
  "pct",
] as const;
export type Metric = (typeof METRICS)[number];

/** The gross margin's columns: only for the dimensions that have one (see hasMargin). */
export const MARGIN_METRICS: readonly Metric[] = ["cost_ht", "margin_ht", "margin_rate"];

export function isMarginMetric(metric: Metric): boolean {
  return MARGIN_METRICS.includes(metric);
}
