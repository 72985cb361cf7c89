import { isCaisseError, counted } from "@caisse/core";
import { writeResult, type CliContext, type Logger, type ProgressTask } from "@caisse/cli";
import type { Command } from "commander";
import { logger, type GlobalOptions } from "../context.js";
import type { ImportOptions } from "../import/importArchive.js";
import { describeGap } from "../tillHistory.js";
import { HAND_SOURCE, type RunObserver, type RunSummary } from "../import/run.js";
import { renderSummaryJson, renderSummaryText } from "../render/summary.js";
import type { SwapPoint } from "../swap.js";

/** The global options merged with the command's own (commander's values are untyped). */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- names what the caller declared
export function optionsOf<T>(command: Command): T & GlobalOptions {
  return command.optsWithGlobals<T & GlobalOptions>();
}

const SWAP_POINTS: readonly SwapPoint[] = [
  "staged",
  "marked",
  "moved-old",
  "moved-new",
  "journaled",
];

/**
 * The import options a command passes down. `CAISSE_CENTRAL_PAUSE_AT=<point>` makes the process
 * stop at that step of the directory swap and wait to be killed: how the tests prove that an
 * import killed at any point recovers. It has no other effect.
 */
export function importOptions(ctx: CliContext, till: string | undefined): ImportOptions {
  const point = ctx.env.CAISSE_CENTRAL_PAUSE_AT;
  const pauseAt =
    point !== undefined && (SWAP_POINTS as readonly string[]).includes(point) ? point : undefined;
  return {
    till,
    now: ctx.now,
    pause:
      pauseAt === undefined
        ? undefined
        : async (reached) => {
            if (reached !== pauseAt) return;
            ctx.stderr.write(`paused at ${reached}\n`);
            await new Promise<never>(() => {
              setInterval(() => undefined, 60_000);
            });
          },
  };
}

/** Logs each archive as it is decided: cron mails show what happened, in order. */
export function logObserver(log: Logger, dryRun = false): RunObserver {
  // A dry run logs what it would do, in the conditional: nothing was imported or quarantined.
  const verb = (done: string, planned: string): string => (dryRun ? planned : done);
  return {
    onRecovered: (recovered) => {
      log.warn(
        `${recovered.till}: an interrupted import was ${recovered.kind === "rolled-forward" ? "completed" : "undone"}`,
      );
    },
    onSource: (source, items) => {
      // Files given by hand: the user knows how many.
      if (source !== HAND_SOURCE) log.info(`${source}: ${counted(items, "archive")} to collect`);
    },
    onResult: (result) => {
      if (result.outcome === "rejected") {
        log.warn(
          `${result.file} ${verb("rejected", "would be rejected")} (${result.code ?? ""}): ${result.reason ?? ""}${dryRun || result.stored === null ? "" : `; kept in ${result.stored}`}${result.hint === null ? "" : `; what to do: ${result.hint}`}`,
        );
      } else if (result.outcome === "duplicate") log.info(`${result.file}: already imported`);
      else {
        log.info(
          `${result.file}: ${verb("imported", "would be imported")} into ${result.till ?? "?"} (${counted(result.files, "file")})`,
        );
        if (result.gap !== null)
          log.warn(
            `${result.till ?? "?"}: ${describeGap(result.gap, result.gapRejected, verb("never arrived", "have not arrived"))}`,
          );
        if (result.chain === "broken")
          log.warn(
            `${result.till ?? "?"}: archive #${result.sequence ?? "?"} does not continue #${(result.sequence ?? 1) - 1} (its 'previous' is not that archive's manifest): the till's history was reset or altered; recorded in the journal`,
          );
      }
    },
    onPruned: (archive) => {
      log.info(`${archive.stored} removed: older than archives.keepDays`);
    },
    onFailure: (failure) => {
      const { error } = failure;
      const where = `${failure.source}${failure.item === null ? "" : ` ${failure.item}`}`;
      // Like any error (docs/errors.md): its code, and what to do when the error says.
      if (isCaisseError(error)) {
        log.error(
          `${where} failed (${error.code}): ${error.message}${error.hint === undefined ? "" : `; what to do: ${error.hint}`}`,
        );
      } else log.error(`${where}: ${error instanceof Error ? error.message : String(error)}`);
    },
  };
}

/**
 * What a run tells the person or the log watching it: each decision logged (logObserver) and, at
 * a terminal, a bar per source over its archives, with the one being imported.
 */
export function observeRun(ctx: CliContext, options: GlobalOptions, dryRun: boolean): RunObserver {
  const log = logger(ctx, options);
  const observer = logObserver(log, dryRun);
  if (!log.progress.shown) return observer;
  let task: ProgressTask | undefined;
  return {
    ...observer,
    onSource: (source, items) => {
      observer.onSource?.(source, items);
      task = items === 0 ? undefined : log.progress.task(source, items, "items");
    },
    onItem: (_source, index, label) => {
      task?.update(index, label);
    },
    onSourceEnd: () => {
      task?.end();
      task = undefined;
    },
  };
}

export async function printSummary(
  ctx: CliContext,
  summary: RunSummary,
  format: "text" | "json",
): Promise<void> {
  await writeResult(
    ctx,
    format === "json" ? renderSummaryJson(summary) : renderSummaryText(summary),
  );
}
