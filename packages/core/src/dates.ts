import { CaisseError } from "./errors.js";
import { oneLine } from "./text.js";

/**
 * Naive local dates and times, as the tills write them (see docs/csv-format.md). No time zone is
 * attached: a sale at `2026-11-27 23:10` is on the 27th wherever the report runs.
 *
 * - `LocalDate`: `YYYY-MM-DD`.
 * - `LocalDateTime`: `YYYY-MM-DDTHH:MM:SS`; a date without time is at `00:00:00`.
 *
 * Both are strings, so they compare and sort as text.
 */
export type LocalDate = string & { readonly __kind: "local-date" };
export type LocalDateTime = string & { readonly __kind: "local-date-time" };

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$/u;
const FRENCH = /^(\d{2})\/(\d{2})\/(\d{4})(?: (\d{2}):(\d{2})(?::(\d{2}))?)?$/u;

// Days of each month, January first, in a common year.
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

/** The Gregorian rule, also before 1582 (proleptic), as `Date` counts. */
function isLeapYear(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

/**
 * Days in `month` (1 to 12) of `year`. Arithmetic rather than a `Date`: it runs for every date
 * of every CSV row, and a `Date` per row was a measurable part of reading a file.
 */
function daysInMonth(year: number, month: number): number {
  return month === 2 && isLeapYear(year) ? 29 : (MONTH_DAYS[month - 1] ?? Number.NaN);
}

function pad(value: number, width = 2): string {
  return String(value).padStart(width, "0");
}

function build(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
): LocalDateTime | undefined {
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    return undefined;
  }
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  return `${pad(year, 4)}-${pad(month)}-${pad(day)}T${pad(hour)}:${pad(minute)}:${pad(second)}` as LocalDateTime;
}

/**
 * Parses the five forms: `YYYY-MM-DD`, `YYYY-MM-DD HH:MM[:SS]`, `YYYY-MM-DDTHH:MM[:SS]`,
 * `DD/MM/YYYY`, `DD/MM/YYYY HH:MM[:SS]`. Returns undefined for anything else and for impossible
 * dates such as `31/02/2024` or `24:00`.
 */
export function parseLocalDateTime(text: string): LocalDateTime | undefined {
  const value = text.trim();
  const iso = ISO.exec(value);
  const french = iso === null ? FRENCH.exec(value) : null;
  if (iso === null && french === null) return undefined;
  // Both forms give year, month, day, then the optional time.
  const [y, m, d, hh, mm, ss] =
    iso !== null
      ? [iso[1], iso[2], iso[3], iso[4], iso[5], iso[6]]
      : [french?.[3], french?.[2], french?.[1], french?.[4], french?.[5], french?.[6]];
  return build(Number(y), Number(m), Number(d), Number(hh ?? 0), Number(mm ?? 0), Number(ss ?? 0));
}

const INSTANT = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.\d{1,9})?(?:Z|[+-](\d{2}):(\d{2}))$/u;

/** The widest offset from UTC in use (Kiribati, UTC+14). */
const MAX_OFFSET_HOURS = 14;

/**
 * An ISO 8601 time with offset (`2026-11-27T23:00:05+01:00`, `...Z`) as a `Date`, or undefined
 * when it is not one, or not a real time: 30 February, 24:00, 23:60, an offset over 14 hours.
 * Stricter than `Date.parse`, which takes `2026-02-30` as 2 March.
 */
export function parseInstant(text: string): Date | undefined {
  const match = INSTANT.exec(text);
  if (match === null || parseLocalDateTime(match[1] ?? "") === undefined) return undefined;
  if (Number(match[2] ?? 0) > MAX_OFFSET_HOURS || Number(match[3] ?? 0) > 59) return undefined;
  const time = Date.parse(text);
  return Number.isNaN(time) ? undefined : new Date(time);
}

/** A date given on the command line: `YYYY-MM-DD` or `DD/MM/YYYY`, no time. */
export function parseLocalDate(text: string): LocalDate | undefined {
  const value = text.trim();
  if (value.includes(" ") || value.includes("T")) return undefined;
  const parsed = parseLocalDateTime(value);
  return parsed === undefined ? undefined : dateOf(parsed);
}

export function dateOf(moment: LocalDateTime): LocalDate {
  return moment.slice(0, 10) as LocalDate;
}

/** The hour `00`..`23` of a moment. */
export function hourOf(moment: LocalDateTime): string {
  return moment.slice(11, 13);
}

/** `YYYY-MM` */
export function monthOf(date: LocalDate | LocalDateTime): string {
  return date.slice(0, 7);
}

function toUtc(date: LocalDate): Date {
  return new Date(`${date.slice(0, 10)}T00:00:00Z`);
}

function fromUtc(value: Date): LocalDate {
  return value.toISOString().slice(0, 10) as LocalDate;
}

export function addDays(date: LocalDate, days: number): LocalDate {
  const value = toUtc(date);
  value.setUTCDate(value.getUTCDate() + days);
  return fromUtc(value);
}

/** Adds months, keeping the day where it exists (31 March + 1 month is 30 April). */
export function addMonths(date: LocalDate, months: number): LocalDate {
  const year = Number(date.slice(0, 4));
  const month = Number(date.slice(5, 7)) - 1 + months;
  const targetYear = year + Math.floor(month / 12);
  const targetMonth = ((month % 12) + 12) % 12;
  const day = Math.min(Number(date.slice(8, 10)), daysInMonth(targetYear, targetMonth + 1));
  return `${pad(targetYear, 4)}-${pad(targetMonth + 1)}-${pad(day)}` as LocalDate;
}

/** Days from `from` to `to` (positive when `to` is later). */
export function daysBetween(from: LocalDate, to: LocalDate): number {
  return Math.round((toUtc(to).getTime() - toUtc(from).getTime()) / 86_400_000);
}

/** Monday = 1 ... Sunday = 7. */
export function isoWeekday(date: LocalDate): number {
  const day = toUtc(date).getUTCDay();
  return day === 0 ? 7 : day;
}

/** The ISO 8601 week of a date: `2026-W48`. Early January may belong to the previous year's week. */
export function isoWeekOf(date: LocalDate | LocalDateTime): string {
  const day = dateOf(`${date.slice(0, 10)}T00:00:00` as LocalDateTime);
  const thursday = addDays(day, 4 - isoWeekday(day));
  const year = Number(thursday.slice(0, 4));
  const week = Math.floor(daysBetween(`${pad(year, 4)}-01-01` as LocalDate, thursday) / 7) + 1;
  return `${pad(year, 4)}-W${pad(week)}`;
}

export function lastDayOfMonth(month: string): LocalDate {
  const year = Number(month.slice(0, 4));
  const monthNumber = Number(month.slice(5, 7));
  return `${month}-${pad(daysInMonth(year, monthNumber))}` as LocalDate;
}

/** The local calendar date of an instant, in the time zone of this process. */
export function localDateOf(instant: Date): LocalDate {
  return `${pad(instant.getFullYear(), 4)}-${pad(instant.getMonth() + 1)}-${pad(instant.getDate())}` as LocalDate;
}

/**
 * An instant as ISO 8601 with the local offset, as in the manifest: `2026-11-27T23:00:05+01:00`.
 */
export function isoWithOffset(instant: Date): string {
  const offset = -instant.getTimezoneOffset();
  const sign = offset >= 0 ? "+" : "-";
  const abs = Math.abs(offset);
  return (
    `${localDateOf(instant)}T${pad(instant.getHours())}:${pad(instant.getMinutes())}:` +
    `${pad(instant.getSeconds())}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
  );
}

/** `20261127T230005`: the local time of an instant, for archive file names. */
export function compactLocalTime(instant: Date): string {
  return (
    `${pad(instant.getFullYear(), 4)}${pad(instant.getMonth() + 1)}${pad(instant.getDate())}T` +
    `${pad(instant.getHours())}${pad(instant.getMinutes())}${pad(instant.getSeconds())}`
  );
}

/** What may pin "today": the `--today` flag, as typed. */
export interface TodayFlags {
  today?: string | undefined;
}

/**
 * "Today" for named periods (`--period yesterday`, `month`...): `--today DATE`, then the
 * environment's `CAISSE_TODAY`, then the local date of `now`. Pinning it gives the same report on
 * any day (golden files, a report run again for a past day; see docs/reports.md#dates). A bad
 * date is E_USAGE naming the flag or the variable.
 */
export function resolveToday(
  flags: TodayFlags,
  env: Readonly<Record<string, string | undefined>>,
  now: Date,
): LocalDate {
  const pinned: [string, string | undefined][] = [
    ["--today", flags.today],
    ["CAISSE_TODAY", env.CAISSE_TODAY === "" ? undefined : env.CAISSE_TODAY],
  ];
  for (const [name, text] of pinned) {
    if (text === undefined) continue;
    const date = parseLocalDate(text);
    if (date !== undefined) return date;
    throw new CaisseError("E_USAGE", `${name}: '${oneLine(text)}' is not a date`, {
      details: { flag: name },
      hint: "give a date as YYYY-MM-DD or DD/MM/YYYY, such as 2026-11-27 or 27/11/2026.",
    });
  }
  return localDateOf(now);
}
