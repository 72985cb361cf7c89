import {
  colorAllowed,
  EXIT,
  localeOf,
  writeResult,
  type CliContext,
  type ExitCode,
} from "@caisse/cli";
import { buildReport, type Report } from "@caisse/core";
import type { Command } from "commander";
import { logger, openCentral, type CommandEnv, type GlobalOptions } from "../context.js";
import { freshnessOf, historiesForReport } from "../freshness.js";
import { renderReport } from "../render/index.js";
import { collectReport } from "../report/collect.js";
import { parseReportRequest, type ReportFlags } from "../report/request.js";
import { selectTills } from "../report/selectTills.js";
import { optionsOf } from "../commands/shared.js";
import { today } from "../today.js";

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
  const request = parseReportRequest(options, today(ctx));
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
  const warnings = [...collected.warnings];
  const histories = await historiesForReport(central.paths.journal, warnings);
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
    warnings,
    incomplete: collected.incomplete,
    freshness: freshnessOf(tills, histories, collected),
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

/** `caisse-central report`, declared in commands/report.ts. */
export async function reportAction(env: CommandEnv, command: Command): Promise<void> {
  const result = await runReport(optionsOf<ReportFlags>(command), env.ctx);
  env.setExit(result.exitCode);
}
