/** Sales lines per till and day for the volume: 5 million / 20 tills / 365 days. */
export declare const LINES_PER_DAY: number;
/** The calendar day `index` (0 = 1 January 2025) as YYYY-MM-DD. */
export declare function dayOf(index: number): string;
/** The two files of one till and day: [[path, content], [path, content]]. */
export declare function dayFiles(
  tillIndex: number,
  dayIndex: number,
  linesPerDay?: number,
): [string, string][];
/** Till references: D01, D02... */
export declare function tillRef(index: number): string;
/** Writes days [from, to) of till `tillIndex` under `dir`; returns the bytes written. */
export declare function writeTillDays(
  dir: string,
  tillIndex: number,
  from: number,
  to: number,
  linesPerDay?: number,
): Promise<number>;
