import { describe, expect, it } from "vitest";
import type { LocalDate } from "../dates.js";
import { isCaisseError } from "../errors.js";
import {
  comparePeriod,
  inRange,
  resolvePeriod,
  type CompareMode,
  type PeriodFlags,
} from "./period.js";

const day = (text: string): LocalDate => text as LocalDate;

describe("resolvePeriod --period", () => {
  // 2026-11-27 is a Friday.
  const today = day("2026-11-27");
  it.each([
    ["today", "2026-11-27", "2026-11-27"],
    ["yesterday", "2026-11-26", "2026-11-26"],
    ["week", "2026-11-23", "2026-11-29"],
    ["last-week", "2026-11-16", "2026-11-22"],
    ["month", "2026-11-01", "2026-11-30"],
    ["last-month", "2026-10-01", "2026-10-31"],
    ["year", "2026-01-01", "2026-12-31"],
    ["last-year", "2025-01-01", "2025-12-31"],
    ["2024", "2024-01-01", "2024-12-31"],
    ["2024-02", "2024-02-01", "2024-02-29"],
    ["2023-02", "2023-02-01", "2023-02-28"],
    ["2024-02-29", "2024-02-29", "2024-02-29"],
    ["MONTH", "2026-11-01", "2026-11-30"],
  ])("%s", (period, from, to) => {
    expect(resolvePeriod({ period }, today)).toEqual({ from, to });
  });

  it.each([
    // 2027-01-01 is a Friday in ISO week 2026-W53, which began on Monday 28 December 2026.
    ["2027-01-01", "week", "2026-12-28", "2027-01-03"],
    ["2027-01-01", "last-week", "2026-12-21", "2026-12-27"],
    ["2027-01-01", "yesterday", "2026-12-31", "2026-12-31"],
    ["2027-01-01", "last-month", "2026-12-01", "2026-12-31"],
    ["2027-01-01", "last-year", "2026-01-01", "2026-12-31"],
    // 2025-12-29 is the Monday of ISO week 2026-W01.
    ["2025-12-31", "week", "2025-12-29", "2026-01-04"],
    ["2024-03-31", "last-month", "2024-02-01", "2024-02-29"],
    ["2024-03-01", "yesterday", "2024-02-29", "2024-02-29"],
    ["2026-11-23", "week", "2026-11-23", "2026-11-29"],
    ["2026-11-29", "week", "2026-11-23", "2026-11-29"],
  ])("on %s, %s", (todayText, period, from, to) => {
    expect(resolvePeriod({ period }, day(todayText))).toEqual({ from, to });
  });
});

describe("resolvePeriod --from/--to", () => {
  const today = day("2026-11-27");
  it.each<[PeriodFlags, { from: string | undefined; to: string | undefined }]>([
    [{}, { from: undefined, to: undefined }],
    [{ from: "2026-11-01" }, { from: "2026-11-01", to: undefined }],
    [{ to: "30/11/2026" }, { from: undefined, to: "2026-11-30" }],
    [
      { from: "01/11/2026", to: "2026-11-30" },
      { from: "2026-11-01", to: "2026-11-30" },
    ],
    [
      { from: "2026-11-05", to: "2026-11-05" },
      { from: "2026-11-05", to: "2026-11-05" },
    ],
  ])("%j", (flags, expected) => {
    expect(resolvePeriod(flags, today)).toEqual(expected);
  });

  it.each<[PeriodFlags, string, RegExp]>([
    [{ period: "month", from: "2026-11-01" }, "--period", /--period: cannot be given with --from/u],
    [{ period: "month", to: "2026-11-01" }, "--period", /cannot be given with --to/u],
    [{ from: "2026-11-30", to: "2026-11-01" }, "--from", /2026-11-30 is after --to 2026-11-01/u],
    [{ period: "fortnight" }, "--period", /'fortnight' is not a period/u],
    [{ period: "2026-13" }, "--period", /not a period/u],
    [{ period: "2023-02-29" }, "--period", /not a period/u],
    [{ from: "31/02/2024" }, "--from", /--from: '31\/02\/2024' is not a date/u],
    [{ to: "2026-11-30 10:00" }, "--to", /--to: .* is not a date/u],
  ])("%j is refused", (flags, flag, message) => {
    let caught: unknown;
    try {
      resolvePeriod(flags, today);
    } catch (error) {
      caught = error;
    }
    expect(isCaisseError(caught, "E_USAGE")).toBe(true);
    expect((caught as Error).message).toMatch(message);
    expect((caught as { details: unknown }).details).toEqual({ flag });
  });

  it("lists the accepted periods", () => {
    expect(() => resolvePeriod({ period: "x" }, today)).toThrow(
      expect.objectContaining({
        hint: "give one of today, yesterday, week, last-week, month, last-month, year, last-year, YYYY, YYYY-MM or YYYY-MM-DD.",
      }),
    );
  });
});

describe("inRange", () => {
  it.each([
    ["2026-11-01", true],
    ["2026-11-30", true],
    ["2026-10-31", false],
    ["2026-12-01", false],
  ])("%s", (date, inside) => {
    expect(inRange(day(date), { from: day("2026-11-01"), to: day("2026-11-30") })).toBe(inside);
  });
  it("treats an undefined end as open", () => {
    expect(inRange(day("1999-01-01"), { from: undefined, to: day("2026-11-30") })).toBe(true);
    expect(inRange(day("2099-01-01"), { from: day("2026-11-01"), to: undefined })).toBe(true);
  });
});

describe("comparePeriod", () => {
  it.each<[string, string, CompareMode, string, string]>([
    // A week: the 7 days before.
    ["2026-11-23", "2026-11-29", "previous", "2026-11-16", "2026-11-22"],
    // Whole months: the same number of whole months before.
    ["2026-11-01", "2026-11-30", "previous", "2026-10-01", "2026-10-31"],
    ["2024-03-01", "2024-03-31", "previous", "2024-02-01", "2024-02-29"],
    ["2026-10-01", "2026-12-31", "previous", "2026-07-01", "2026-09-30"],
    ["2026-01-01", "2026-12-31", "previous", "2025-01-01", "2025-12-31"],
    // Any other range: as many days just before.
    ["2026-11-05", "2026-11-14", "previous", "2026-10-26", "2026-11-04"],
    ["2026-11-27", "2026-11-27", "previous", "2026-11-26", "2026-11-26"],
    ["2024-03-01", "2024-03-10", "previous", "2024-02-20", "2024-02-29"],
    // The same dates one year earlier.
    ["2026-11-23", "2026-11-29", "year", "2025-11-23", "2025-11-29"],
    ["2024-02-29", "2024-02-29", "year", "2023-02-28", "2023-02-28"],
    ["2024-02-01", "2024-02-29", "year", "2023-02-01", "2023-02-28"],
    ["2025-02-01", "2025-02-28", "year", "2024-02-01", "2024-02-29"],
    ["2025-02-28", "2025-02-28", "year", "2024-02-28", "2024-02-28"],
    ["2026-01-01", "2026-12-31", "year", "2025-01-01", "2025-12-31"],
  ])("%s..%s %s", (from, to, mode, comparedFrom, comparedTo) => {
    const comparison = comparePeriod({ from: day(from), to: day(to) }, mode);
    expect(comparison.range).toEqual({ from: comparedFrom, to: comparedTo });
    expect(comparison.mode).toBe(mode);
  });

  it.each<[string, string, CompareMode, string, string]>([
    ["2026-11-23", "2026-11-29", "previous", "2026-11-16", "2026-11-23"],
    ["2026-11-01", "2026-11-30", "previous", "2026-10-31", "2026-11-30"],
    ["2026-11-01", "2026-11-30", "year", "2025-11-03", "2026-11-03"],
    ["2025-02-01", "2025-02-28", "year", "2024-02-29", "2025-02-28"],
  ])("%s..%s %s brings %s onto %s", (from, to, mode, compared, reported) => {
    const comparison = comparePeriod({ from: day(from), to: day(to) }, mode);
    expect(comparison.toReported(day(compared))).toBe(reported);
  });
});
