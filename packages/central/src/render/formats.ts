/** What `report --format` accepts; apart from the renderers so that declaring `report` is cheap. */
export const REPORT_FORMATS = ["table", "csv", "json", "md", "html"] as const;
