import {
  colorAllowed,
  EXIT,
  localeOf,
  oneOf,
  writeResult,
  type CliContext,
  type ExitCode,
} from "@caisse/cli";
import { addDays } from "@caisse/core";
import type { Command } from "commander";
import { openCentral, type CommandEnv, type GlobalOptions } from "../context.js";
import { readJournal } from "../journal.js";
import { ALARM_STATUSES, monitorStates, type TillState } from "../monitor/state.js";
import { renderMonitorJson, renderMonitorTable } from "../render/monitor.js";
import { collectReport } from "../report/collect.js";
import { optionsOf } from "../commands/shared.js";
import { today } from "../today.js";

export interface MonitorOptions extends GlobalOptions {
  format?: string | undefined;
}

export interface MonitorResult {
  states: TillState[];
  text: string;
  /** 3 when a till is late or its last archive was rejected, else 0. */
  exitCode: ExitCode;
}

/**
 * `caisse-central monitor`: the state of every till of the table, from the journal and the
 * tills' data (see docs/monitor.md). Reads only: no lock is taken.
 */
export async function runMonitor(options: MonitorOptions, ctx: CliContext): Promise<MonitorResult> {
  const format = oneOf("--format", options.format ?? "table", ["table", "json"] as const);
  const central = await openCentral(ctx, options);
  const day = today(ctx);
  const tills = central.config.tills;
  const collected = await collectReport({
    paths: central.paths,
    tills,
    by: "day",
    range: { from: addDays(day, -1), to: day },
  });
  const states = monitorStates(
    tills,
    await readJournal(central.paths.journal),
    { days: collected.data, lastSale: collected.lastSale },
    { now: ctx.now(), today: day, staleAfterHours: central.config.staleAfterHours },
  );
  const text =
    format === "json"
      ? renderMonitorJson(states)
      : renderMonitorTable(states, {
          locale: localeOf(ctx.env),
          color: colorAllowed(ctx, ctx.stdout),
        });
  await writeResult(ctx, text);
  const alarm = states.some((state) => ALARM_STATUSES.includes(state.status));
  return { states, text, exitCode: alarm ? EXIT.rejected : EXIT.ok };
}

/** `caisse-central monitor`, declared in commands/monitor.ts. */
export async function monitorAction(env: CommandEnv, command: Command): Promise<void> {
  const result = await runMonitor(optionsOf<MonitorOptions>(command), env.ctx);
  env.setExit(result.exitCode);
}
