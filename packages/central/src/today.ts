import type { CliContext } from "@caisse/cli";
import { resolveToday, type LocalDate } from "@caisse/core";

/**
 * "Today" for every command that needs it (report periods, the monitor's turnover of yesterday
 * and today): the date pinned by `CAISSE_TODAY` (`YYYY-MM-DD` or `DD/MM/YYYY`), else the local
 * date of the clock (`report` takes `--today` first: see resolveToday). Pinning it makes the
 * output of a given day reproducible (see docs/operations.md#today). A pinned date that is not a
 * date is a usage error.
 */
export function today(ctx: Pick<CliContext, "env" | "now">): LocalDate {
  return resolveToday({}, ctx.env, ctx.now());
}
