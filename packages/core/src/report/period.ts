import {
  addDays,
  addMonths,
  daysBetween,
  isoWeekday,
  lastDayOfMonth,
  monthOf,
  parseLocalDate,
  type LocalDate,
} from "../dates.js";
import { CaisseError } from "../errors.js";

/**
 * The dates a report covers, both inclusive. An undefined end is open: no `from` means since the
 * first sale, no `to` up to the last one; neither means all the data.
 */
export interface DateRange {
  from: LocalDate | undefined;
  to: LocalDate | undefined;
}

/** A range with both ends: what a comparison needs. */
export interface ClosedRange {
  from: LocalDate;
  to: LocalDate;
}

/** The flags that choose the dates, as typed on the command line. */
export interface PeriodFlags {
  /** `--from`: `YYYY-MM-DD` or `DD/MM/YYYY`, inclusive. */
  from?: string | undefined;
  /** `--to`: `YYYY-MM-DD` or `DD/MM/YYYY`, inclusive. */
  to?: string | undefined;
  /** `--period`: one of {@link PERIOD_NAMES}, or `YYYY`, `YYYY-MM`, `YYYY-MM-DD`. */
  period?: string | undefined;
}

/** The named periods of `--period`, each the calendar period containing (or before) today. */
export const PERIOD_NAMES = [
  "today",
  "yesterday",
  "week",
  "last-week",
  "month",
  "last-month",
  "year",
  "last-year",
] as const;

export type PeriodName = (typeof PERIOD_NAMES)[number];

/** What `--compare` accepts. */
export const COMPARE_MODES = ["previous", "year"] as const;
export type CompareMode = (typeof COMPARE_MODES)[number];

const PERIOD_VALUES = `${PERIOD_NAMES.join(", ")}, YYYY, YYYY-MM or YYYY-MM-DD`;

function usage(flag: string, message: string, hint?: string): CaisseError {
  return new CaisseError("E_USAGE", `${flag}: ${message}`, {
    details: { flag },
    ...(hint === undefined ? {} : { hint }),
  });
}

function parseDateFlag(flag: string, text: string): LocalDate {
  const date = parseLocalDate(text);
  if (date === undefined) {
    throw usage(
      flag,
      `'${text}' is not a date`,
      "give a date as YYYY-MM-DD or DD/MM/YYYY, such as 2026-11-27 or 27/11/2026.",
    );
  }
  return date;
}

function yearRange(year: string): ClosedRange {
  return { from: `${year}-01-01` as LocalDate, to: `${year}-12-31` as LocalDate };
}

function monthRange(month: string): ClosedRange {
  return { from: `${month}-01` as LocalDate, to: lastDayOfMonth(month) };
}

function weekRange(day: LocalDate): ClosedRange {
  const monday = addDays(day, 1 - isoWeekday(day));
  return { from: monday, to: addDays(monday, 6) };
}

/** The calendar period `name` relative to `today` (a week runs Monday to Sunday, as ISO 8601). */
export function namedPeriod(name: PeriodName, today: LocalDate): ClosedRange {
  switch (name) {
    case "today":
      return { from: today, to: today };
    case "yesterday": {
      const yesterday = addDays(today, -1);
      return { from: yesterday, to: yesterday };
    }
    case "week":
      return weekRange(today);
    case "last-week":
      return weekRange(addDays(today, -7));
    case "month":
      return monthRange(monthOf(today));
    case "last-month":
      return monthRange(monthOf(addMonths(today, -1)));
    case "year":
      return yearRange(today.slice(0, 4));
    case "last-year":
      return yearRange(String(Number(today.slice(0, 4)) - 1).padStart(4, "0"));
  }
}

function isPeriodName(value: string): value is PeriodName {
  return (PERIOD_NAMES as readonly string[]).includes(value);
}

/** `--period P`: a named period, or a year, a month or a day written out. */
export function parsePeriod(text: string, today: LocalDate): ClosedRange {
  const value = text.trim().toLowerCase();
  if (isPeriodName(value)) return namedPeriod(value, today);
  if (/^\d{4}$/u.test(value) && value !== "0000") return yearRange(value);
  const month = /^(\d{4})-(\d{2})$/u.exec(value);
  if (month !== null && parseLocalDate(`${value}-01`) !== undefined) return monthRange(value);
  if (/^\d{4}-\d{2}-\d{2}$/u.test(value)) {
    const day = parseLocalDate(value);
    if (day !== undefined) return { from: day, to: day };
  }
  throw usage("--period", `'${text}' is not a period`, `give one of ${PERIOD_VALUES}.`);
}

/**
 * The range chosen by `--from/--to` or `--period` (see docs/reports.md#dates); neither gives all
 * the data. Throws E_USAGE naming the flag for a bad date, an unknown period, `--period` given with
 * `--from` or `--to`, or `--from` after `--to`.
 */
export function resolvePeriod(flags: PeriodFlags, today: LocalDate): DateRange {
  const { from, to, period } = flags;
  if (period !== undefined) {
    if (from !== undefined || to !== undefined) {
      throw usage(
        "--period",
        `cannot be given with ${from !== undefined ? "--from" : "--to"}`,
        "use either --period P, or --from DATE and --to DATE.",
      );
    }
    return parsePeriod(period, today);
  }
  const range: DateRange = {
    from: from === undefined ? undefined : parseDateFlag("--from", from),
    to: to === undefined ? undefined : parseDateFlag("--to", to),
  };
  if (range.from !== undefined && range.to !== undefined && range.from > range.to) {
    throw usage("--from", `${range.from} is after --to ${range.to}`, "swap the two dates.");
  }
  return range;
}

/** True when `date` is inside the range (both ends inclusive, an undefined end is open). */
export function inRange(date: LocalDate, range: DateRange): boolean {
  return (
    (range.from === undefined || date >= range.from) && (range.to === undefined || date <= range.to)
  );
}

/** The number of whole calendar months a range covers, or undefined when it is not whole months. */
function wholeMonths(range: ClosedRange): number | undefined {
  if (!range.from.endsWith("-01") || lastDayOfMonth(monthOf(range.to)) !== range.to)
    return undefined;
  const months = (value: LocalDate): number =>
    Number(value.slice(0, 4)) * 12 + Number(value.slice(5, 7));
  return months(range.to) - months(range.from) + 1;
}

/**
 * Moves a range by whole months. A range of whole months stays whole (its end moves to the last
 * day of its month); otherwise each date keeps its day where it exists (29 February becomes 28).
 */
function shiftMonths(range: ClosedRange, months: number): ClosedRange {
  const from = addMonths(range.from, months);
  const to = addMonths(range.to, months);
  return { from, to: wholeMonths(range) === undefined ? to : lastDayOfMonth(monthOf(to)) };
}

/**
 * The range a report is compared with, and how to bring a compared date onto the reported
 * period (so that `--by day --compare year` puts 2025-11-03 beside 2026-11-03).
 */
export interface Comparison {
  mode: CompareMode;
  range: ClosedRange;
  /** The date of the reported period that a date of the compared range stands for. */
  toReported: (date: LocalDate) => LocalDate;
}

/**
 * `--compare previous`: the period of the same length just before. A range of whole calendar
 * months is compared with as many whole months before it (November with October, a quarter with
 * the previous quarter), because that is what "the previous month" means to people; any other
 * range with the same number of days just before.
 *
 * `--compare year`: the same dates one year earlier; 29 February becomes 28 February, and a range
 * ending on the last day of a month ends on the last day of that month (February 2025 is compared
 * with the whole of February 2024).
 */
export function comparePeriod(range: ClosedRange, mode: CompareMode): Comparison {
  if (mode === "year") {
    return { mode, range: shiftMonths(range, -12), toReported: (date) => addMonths(date, 12) };
  }
  const months = wholeMonths(range);
  if (months !== undefined) {
    return {
      mode,
      range: shiftMonths(range, -months),
      toReported: (date) => addMonths(date, months),
    };
  }
  const days = daysBetween(range.from, range.to) + 1;
  return {
    mode,
    range: { from: addDays(range.from, -days), to: addDays(range.to, -days) },
    toReported: (date) => addDays(date, days),
  };
}
