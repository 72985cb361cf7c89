import {
  CaisseError,
  checkLocalPaths,
  COMPARE_MODES,
  comparePeriod,
  DIMENSIONS,
  hasMargin,
  MARGIN_DIMENSIONS,
  oneLine,
  resolvePeriod,
  type Comparison,
  type DateRange,
  type Dimension,
  type LocalDate,
  type Locale,
} from "@caisse/core";
import { oneOf, parseLang } from "@caisse/cli";
import { extname } from "node:path";
import { parseMetrics } from "../render/columns.js";
import {
  FORMAT_OF_EXTENSION,
  isMarginMetric,
  REPORT_FORMATS,
  type Metric,
  type ReportFormat,
} from "../render/formats.js";

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
  /** A file to write instead of stdout; its extension gives the format when `--format` does not. */
  out?: string | undefined;
  /** `fr` or `en`: the language, before the config and the locale variables. */
  lang?: string | undefined;
  /** `YYYY-MM-DD`: the day the named periods count from (see resolveToday). */
  today?: string | undefined;
  /** `ttc,tickets,...`: the figure columns (see METRICS). */
  metrics?: string | undefined;
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
  /** `--lang`, checked; the config and the environment come after it (see resolveLang). */
  lang: Locale | undefined;
  /** `--metrics`; undefined: the format's own columns. */
  metrics: Metric[] | undefined;
  /** Whether the report index is used (see docs/reports.md#the-report-index). */
  useIndex: boolean;
  mail: boolean;
}

const EXTENSIONS = Object.keys(FORMAT_OF_EXTENSION).join(", ");

/**
 * The format: `--format`, else the extension of `--out` (`rapport.html` is HTML), else the table.
 * An `--out` file whose extension names no format is E_USAGE rather than a guess.
 */
function formatOf(format: string | undefined, out: string | undefined): ReportFormat {
  if (format !== undefined) return oneOf("--format", format, REPORT_FORMATS);
  if (out === undefined || out === "-") return "table";
  const extension = extname(out).toLowerCase();
  const found = FORMAT_OF_EXTENSION[extension];
  if (found !== undefined) return found;
  throw new CaisseError(
    "E_USAGE",
    `--out ${oneLine(out)}: ${extension === "" ? "no extension" : `the extension '${oneLine(extension)}'`} does not say which format to write (known: ${EXTENSIONS})`,
    {
      details: { flag: "--out" },
      hint: `name the file with one of ${EXTENSIONS}, or give --format ${REPORT_FORMATS.join("|")}.`,
    },
  );
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
 * The margin's columns exist only for the dimensions whose rows can have one: E_USAGE otherwise,
 * rather than columns that would always be empty (see docs/reports.md#gross-margin).
 */
function checkMarginMetrics(by: Dimension, metrics: readonly Metric[] | undefined): void {
  const asked = metrics?.filter(isMarginMetric) ?? [];
  if (asked.length === 0 || hasMargin(by)) return;
  throw new CaisseError(
    "E_USAGE",
    `--metrics ${asked.join(",")}: the margin is not available with --by ${by} (the cost is known per till, day, family and article only)`,
    {
      details: { flag: "--metrics" },
      hint: `use --by ${MARGIN_DIMENSIONS.join("|")} for the margin, or leave ${asked.join(", ")} out.`,
    },
  );
}

/**
 * Checks every flag and resolves the dates against `today`; throws E_USAGE naming the flag and
 * the accepted values. Pure, so the plan of a run can be tested without files.
 */
export function parseReportRequest(flags: ReportFlags, today: LocalDate): ReportRequest {
  checkLocalPaths({ "--out": flags.out });
  const range = resolvePeriod(flags, today);
  const comparison = comparisonOf(range, flags.compare);
  const by = oneOf("--by", flags.by ?? "till", DIMENSIONS);
  const metrics =
    flags.metrics === undefined ? undefined : parseMetrics(flags.metrics, comparison !== undefined);
  checkMarginMetrics(by, metrics);
  return {
    range,
    by,
    tills: flags.tills,
    comparison,
    top: flags.top === undefined ? undefined : parseTop(flags.top),
    format: formatOf(flags.format, flags.out),
    out: flags.out,
    lang: flags.lang === undefined ? undefined : parseLang(flags.lang),
    metrics,
    useIndex: flags.index !== false,
    mail: flags.mail === true,
  };
}
