import type { CliContext } from "@caisse/cli";
import { DIMENSIONS } from "@caisse/core/report/dimension";
import { COMPARE_MODES, PERIOD_NAMES } from "@caisse/core/report/period";
import type { Command } from "commander";
import type { ReportOptions, ReportResult } from "../actions/report.js";
import type { CommandEnv } from "../context.js";
import { METRICS, REPORT_FORMATS } from "../render/formats.js";

export type { ReportOptions, ReportResult } from "../actions/report.js";

/**
 * `caisse-central report` without the command line (see actions/report.ts); loads the report's
 * code on its first call.
 */
export async function runReport(options: ReportOptions, ctx: CliContext): Promise<ReportResult> {
  const action = await import("../actions/report.js");
  return action.runReport(options, ctx);
}

/** Declares `report`; its code, in actions/report.ts, is loaded when it runs (docs/architecture.md). */
export function registerReport(program: Command, env: CommandEnv): void {
  program
    .command("report")
    .description("comparative turnover of the stores")
    .option("--from <date>", "first day, inclusive: YYYY-MM-DD or DD/MM/YYYY")
    .option("--to <date>", "last day, inclusive: YYYY-MM-DD or DD/MM/YYYY")
    .option("--period <period>", `${PERIOD_NAMES.join(", ")}, YYYY, YYYY-MM or YYYY-MM-DD`)
    .option("--by <dimension>", `rows: ${DIMENSIONS.join(", ")} (default: till)`)
    .option(
      "--tills <refs>",
      "these tills, even disabled, e.g. D01,D02 (default: the enabled ones)",
    )
    .option("--compare <mode>", `beside another period: ${COMPARE_MODES.join(" or ")}`)
    .option("--top <n>", "the N rows with the largest TTC, the rest summed as one row")
    .option(
      "--format <format>",
      `${REPORT_FORMATS.join(", ")} (default: from the --out file's extension, else table)`,
    )
    .option("--out <file>", "write the report to this file (.txt, .csv, .json, .md, .html)")
    .option("--lang <lang>", "fr or en (default: the config's lang, else the system's locale)")
    .option("--metrics <list>", `the figure columns, among ${METRICS.join(",")}`)
    .option(
      "--today <date>",
      "count the named periods from this day (default: CAISSE_TODAY, else today)",
    )
    .option("--no-index", "read the tills' files, not the report index")
    .option("--mail", "mail the report (HTML, text, CSV) to report.mail.to of caisse-central.json")
    .action(async (_flags: object, command: Command) => {
      const { reportAction } = await import("../actions/report.js");
      await reportAction(env, command);
    });
}
