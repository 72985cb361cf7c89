import {
  colorAllowed,
  EXIT,
  localeOf,
  writeResult,
  type CliContext,
  type ExitCode,
} from "@caisse/cli";
import {
  buildReport,
  COMPARE_MODES,
  DIMENSIONS,
  localDateOf,
  PERIOD_NAMES,
  type Report,
} from "@caisse/core";
import type { Command } from "commander";
import { logger, openCentral, type CommandEnv, type GlobalOptions } from "../context.js";
import { renderReport, REPORT_FORMATS } from "../render/index.js";
import { collectReport } from "../report/collect.js";
import { parseReportRequest, type ReportFlags } from "../report/request.js";
import { selectTills } from "../report/selectTills.js";
import { optionsOf } from "./shared.js";

export type ReportOptions = ReportFlags & GlobalOptions;

export interface ReportResult {
  report: Report;
  /** What was printed, or written to `--out`. */
  text: string;
  /** 0: warnings are printed but do not change the status (see docs/reports.md). */
  exitCode: ExitCode;
}

/**
 * `caisse-central report`: checks the flags, collects the selected tills' data, computes the
 * report, prints the warnings on stderr and the report on stdout (or into `--out`).
 */
export async function runReport(options: ReportOptions, ctx: CliContext): Promise<ReportResult> {
  const request = parseReportRequest(options, localDateOf(ctx.now()));
  const central = await openCentral(ctx, options);
  const tills = selectTills(central.config, request.tills);
  const collected = await collectReport({
    paths: central.paths,
    tills,
    by: request.by,
    range: request.range,
    comparison: request.comparison,
  });
  const locale = localeOf(ctx.env);
  const report = buildReport({
    by: request.by,
    range: request.range,
    tills,
    data: collected.data,
    comparison:
      request.comparison === undefined || collected.compared === undefined
        ? undefined
        : { ...request.comparison, data: collected.compared },
    top: request.top,
    labels: collected.labels,
    warnings: collected.warnings,
    incomplete: collected.incomplete,
    locale,
  });
  const log = logger(ctx, options);
  for (const warning of report.warnings) log.warn(warning);
  // Colour only for a person at a terminal: never into a file.
  const color = request.out === undefined && colorAllowed(ctx, ctx.stdout);
  const text = renderReport(report, request.format, { locale, color });
  await writeResult(ctx, text, request.out);
  return { report, text, exitCode: EXIT.ok };
}

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
    .option("--format <format>", `${REPORT_FORMATS.join(", ")} (default: table)`)
    .option("--out <file>", "write the report to this file instead of stdout")
    .action(async (_flags: object, command: Command) => {
      const result = await runReport(optionsOf<ReportFlags>(command), env.ctx);
      env.setExit(result.exitCode);
    });
}
