import type { CliContext } from "@caisse/cli";
import { CaisseError, localDateOf, oneLine, parseLocalDate, type LocalDate } from "@caisse/core";

/**
 * "Today" for every command that needs it (report periods, the monitor's turnover of yesterday
 * and today): the date pinned by `CAISSE_TODAY` (`YYYY-MM-DD` or `DD/MM/YYYY`), else the local
 * date of the clock. Pinning it makes the output of a given day reproducible (see
 * docs/operations.md#today). A pinned date that is not a date is a usage error.
 */
export function today(ctx: Pick<CliContext, "env" | "now">): LocalDate {
  const pinned = ctx.env.CAISSE_TODAY;
  if (pinned === undefined || pinned === "") return localDateOf(ctx.now());
  const date = parseLocalDate(pinned);
  if (date === undefined) {
    throw new CaisseError(
      "E_USAGE",
      `CAISSE_TODAY must be a date, YYYY-MM-DD or DD/MM/YYYY (found '${oneLine(pinned)}')`,
      {
        details: { variable: "CAISSE_TODAY" },
        hint: "set it to a date such as 2026-11-27, or unset it to use the clock's date.",
      },
    );
  }
  return date;
}
