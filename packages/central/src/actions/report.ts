import {
  colorAllowed,
  EXIT,
  langOf,
  writeResult,
  type CliContext,
  type ExitCode,
} from "@caisse/cli";
import { buildReport, resolveToday, type Report } from "@caisse/core";
import type { Command } from "commander";
import { logger, openCentral, type CommandEnv, type GlobalOptions } from "../context.js";
import { freshnessOf, historiesForReport } from "../freshness.js";
import { renderReport } from "../render/index.js";
import { collectReport } from "../report/collect.js";
import { parseReportRequest, type ReportFlags } from "../report/request.js";
import { selectTills } from "../report/selectTills.js";
import { optionsOf } from "../commands/shared.js";

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
  const request = parseReportRequest(options, resolveToday(options, ctx.env, ctx.now()));
  const central = await openCentral(ctx, options);
  const tills = selectTills(central.config, request.tills);
  const collected = await collectReport({
    paths: central.paths,
    tills,
    by: request.by,
    range: request.range,
    comparison: request.comparison,
  });
  const locale = langOf(ctx, request.lang, central.config.lang);
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
  const text = renderReport(report, request.format, {
    locale,
    color,
    width: request.out === undefined ? terminalWidth(ctx) : undefined,
    metrics: request.metrics,
  });
  await writeResult(ctx, text, request.out);
  return { report, text, exitCode: EXIT.ok };
}

/**
 * The width a table on stdout must fit: `COLUMNS` when set to a number, else the terminal's; none
 * (never cut) when stdout is not a terminal, as in a cron mail.
 */
export function terminalWidth(ctx: CliContext): number | undefined {
  const columns = ctx.env.COLUMNS?.trim() ?? "";
  if (/^\d{1,5}$/u.test(columns) && Number(columns) >= 20) return Number(columns);
  return ctx.stdout.isTTY ? ctx.stdout.terminal?.columns : undefined;
}

/** `caisse-central report`, declared in commands/report.ts. */
export async function reportAction(env: CommandEnv, command: Command): Promise<void> {
  const result = await runReport(optionsOf<ReportFlags>(command), env.ctx);
  env.setExit(result.exitCode);
}
