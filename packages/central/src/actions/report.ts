import {
  colorAllowed,
  EXIT,
  interruptible,
  langOf,
  MARGIN_WORDS,
  writeResult,
  type CliContext,
  type ExitCode,
} from "@caisse/cli";
import {
  buildReport,
  CaisseError,
  hasMargin,
  oneLine,
  resolveToday,
  type Report,
} from "@caisse/core";
import type { SmtpConfig } from "@caisse/transports";
import type { Command } from "commander";
import { logger, openCentral, type CommandEnv, type GlobalOptions } from "../context.js";
import { freshnessOf, historiesForReport } from "../freshness.js";
import { renderReport } from "../render/index.js";
import { isMarginMetric } from "../render/formats.js";
import { collectReport, type Collected, type CollectRequest } from "../report/collect.js";
import { collectIndexed } from "../reportIndex/index.js";
import { htmlReport } from "../report/htmlReport.js";
import { tillAlarms } from "../report/alarms.js";
import { mailReport } from "../report/mail.js";
import { marginWarnings, readPurchasePrices } from "../report/margin.js";
import type { CentralConfig } from "../config.js";
import type { ReportMailConfig } from "../config/report.js";
import { parseReportRequest, type ReportFlags } from "../report/request.js";
import { selectTills } from "../report/selectTills.js";
import { optionsOf } from "../commands/shared.js";

export type ReportOptions = ReportFlags & GlobalOptions;

function messageOf(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === "string" ? message : String(error);
}

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
  const mailing = request.mail ? mailSettings(central.config, central.paths.config) : undefined;
  const tills = selectTills(central.config, request.tills);
  const log = logger(ctx, options);
  // The gross margin: from the catalogue's purchase prices, when it has some.
  const priceWarnings: string[] = [];
  const prices = hasMargin(request.by)
    ? await readPurchasePrices(central.paths, priceWarnings)
    : undefined;
  const collectRequest: CollectRequest = {
    paths: central.paths,
    tills,
    by: request.by,
    range: request.range,
    comparison: request.comparison,
    top: request.top,
    prices,
  };
  const collector = (wanted: CollectRequest): Promise<Collected> =>
    request.useIndex
      ? collectIndexed(wanted).catch(async (error: unknown) => {
          // A cache: when it cannot be used (a full disk, a folder that cannot be written), the
          // files give the same report, only slower.
          log.warn(
            `the report index (${central.paths.index}) could not be used, the files were read instead: ${oneLine(messageOf(error))}`,
          );
          return collectReport(wanted);
        })
      : collectReport(wanted);
  const collected = await collector(collectRequest);
  const locale = langOf(ctx, request.lang, central.config.lang);
  const warnings = [...collected.warnings];
  // The catalogue's invalid rows matter when it gives a margin; with --by article they are
  // already among the warnings of its labels.
  if (prices !== undefined && prices.size > 0 && request.by !== "article") {
    warnings.push(...priceWarnings);
  }
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
  report.warnings.push(...marginWarnings(report, collected.data.unpricedArticles));
  if (prices?.size === 0 && request.metrics?.some(isMarginMetric) === true) {
    report.warnings.push(MARGIN_WORDS.en.noPrices);
  }
  for (const warning of report.warnings) log.warn(warning);
  // Colour only for a person at a terminal: never into a file.
  const color = request.out === undefined && colorAllowed(ctx, ctx.stdout);
  const alarms =
    mailing === undefined
      ? []
      : tillAlarms(tills, histories, ctx.now(), central.config.staleAfterHours, locale);
  const page =
    request.format === "html" || mailing !== undefined
      ? await htmlReport({
          report,
          collect: { paths: central.paths, tills },
          collector,
          range: request.range,
          tills,
          complete: request.top === undefined,
          locale,
          now: ctx.now(),
          alarms,
        })
      : undefined;
  const text =
    request.format === "html" && page !== undefined
      ? page
      : renderReport(report, request.format, {
          locale,
          color,
          width: request.out === undefined ? terminalWidth(ctx) : undefined,
          metrics: request.metrics,
        });
  if (mailing !== undefined && page !== undefined) {
    const receipt = await interruptible(ctx, (signal) =>
      mailReport({
        ...mailing,
        report,
        page,
        alarms,
        locale,
        now: ctx.now(),
        env: ctx.env,
        signal,
      }),
    );
    log.info(`report mailed to ${receipt.accepted.join(", ")} through ${receipt.server}`);
    // Mailed from cron: nothing on stdout, unless --out asks for a file too.
    if (request.out !== undefined) await writeResult(ctx, text, request.out);
    return { report, text, exitCode: EXIT.ok };
  }
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

/** `report --mail` needs `report.mail` and `smtp` in caisse-central.json: checked before reading. */
function mailSettings(
  config: CentralConfig,
  file: string,
): { mail: ReportMailConfig; smtp: SmtpConfig } {
  const mail = config.report?.mail;
  const smtp = config.smtp;
  if (mail !== undefined && smtp !== undefined) return { mail, smtp };
  const missing = [
    ...(mail === undefined ? ['"report": { "mail": { "to": [...] } }'] : []),
    ...(smtp === undefined ? ['"smtp": { "host", "port", "secure", "user", "from", ... }'] : []),
  ];
  throw new CaisseError("E_CONFIG", `report --mail: ${file} has no ${missing.join(" and no ")}`, {
    details: { path: file },
    hint: "add them (see docs/central-layout.md#caisse-centraljson), then run caisse-central doctor.",
  });
}

/** `caisse-central report`, declared in commands/report.ts. */
export async function reportAction(env: CommandEnv, command: Command): Promise<void> {
  const result = await runReport(optionsOf<ReportFlags>(command), env.ctx);
  env.setExit(result.exitCode);
}
