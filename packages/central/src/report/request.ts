import {
  CaisseError,
  checkLocalPaths,
  COMPARE_MODES,
  comparePeriod,
  DIMENSIONS,
  oneLine,
  resolvePeriod,
  type Comparison,
  type DateRange,
  type Dimension,
  type LocalDate,
} from "@caisse/core";
import { oneOf } from "@caisse/cli";
import { REPORT_FORMATS, type ReportFormat } from "../render/index.js";

/** The `report` flags as typed (see docs/reports.md#options); every one optional. */
export interface ReportFlags {
  from?: string | undefined;
  to?: string | undefined;
  period?: string | undefined;
  /** One of {@link DIMENSIONS}; default `till`. */
  by?: string | undefined;
  /** `REF,REF`: these tills, even disabled; default every enabled till. */
  tills?: string | undefined;
  /** `previous` or `year`. */
  compare?: string | undefined;
  /** A whole number from 1. */
  top?: string | undefined;
  /** One of {@link REPORT_FORMATS}; default `table`. */
  format?: string | undefined;
  /** A file to write instead of stdout. */
  out?: string | undefined;
  /** false (`--no-index`): read the tills' files rather than the report index. */
  index?: boolean | undefined;
  /** Mail the report to `report.mail.to` (see docs/reports.md#the-morning-mail---mail). */
  mail?: boolean | undefined;
}

/** What a report is asked for, checked: the plan of a report run. */
export interface ReportRequest {
  range: DateRange;
  by: Dimension;
  tills: string | undefined;
  comparison: Comparison | undefined;
  top: number | undefined;
  format: ReportFormat;
  out: string | undefined;
  /** Whether the report index is used (see docs/reports.md#the-report-index). */
  useIndex: boolean;
  mail: boolean;
}

function parseTop(text: string): number {
  const value = text.trim();
  if (/^\d{1,9}$/u.test(value) && Number(value) >= 1) return Number(value);
  throw new CaisseError(
    "E_USAGE",
    `--top must be a whole number from 1, such as 10 (found '${oneLine(text)}')`,
    { details: { flag: "--top" } },
  );
}

function comparisonOf(range: DateRange, mode: string | undefined): Comparison | undefined {
  if (mode === undefined) return undefined;
  const compare = oneOf("--compare", mode, COMPARE_MODES);
  const { from, to } = range;
  if (from === undefined || to === undefined) {
    throw new CaisseError("E_USAGE", "--compare needs a period with a start and an end", {
      details: { flag: "--compare" },
      hint: "add --period P, or both --from DATE and --to DATE.",
    });
  }
  return comparePeriod({ from, to }, compare);
}

/**
 * Checks every flag and resolves the dates against `today`; throws E_USAGE naming the flag and
 * the accepted values. Pure, so the plan of a run can be tested without files.
 */
export function parseReportRequest(flags: ReportFlags, today: LocalDate): ReportRequest {
  checkLocalPaths({ "--out": flags.out });
  const range = resolvePeriod(flags, today);
  return {
    range,
    by: oneOf("--by", flags.by ?? "till", DIMENSIONS),
    tills: flags.tills,
    comparison: comparisonOf(range, flags.compare),
    top: flags.top === undefined ? undefined : parseTop(flags.top),
    format: oneOf("--format", flags.format ?? "table", REPORT_FORMATS),
    out: flags.out,
    useIndex: flags.index !== false,
    mail: flags.mail === true,
  };
}
