import { oneOf, writeResult, type CliContext } from "@caisse/cli";
import type { Command } from "commander";
import { join } from "node:path";
import { optionsOf } from "../commands/shared.js";
import { logger, openCentral, type CommandEnv, type GlobalOptions } from "../context.js";
import { selectTills } from "../report/selectTills.js";
import { INDEX_FILE, updateIndex, type IndexedTill } from "../reportIndex/index.js";

export interface IndexOptions extends GlobalOptions {
  tills?: string | undefined;
  rebuild?: boolean | undefined;
  format?: string | undefined;
}

/** What each state is called in the text output. */
const SAID: Record<IndexedTill["state"], string> = {
  current: "up to date",
  indexed: "indexed",
  "no-directory": "no data yet (no directory)",
};

function lineOf(done: IndexedTill): string {
  const time = done.state === "indexed" ? ` in ${done.seconds.toFixed(1)} s` : "";
  return `${done.till.ref} ${done.till.name}: ${SAID[done.state]}${time}`;
}

/**
 * `caisse-central index`: builds or brings up to date the report index of `<root>/index/` for the
 * enabled tills (or `--tills`), as the next report would, so that a night's cron pays for it
 * rather than the morning's first report (see docs/reports.md#the-report-index). Takes no lock:
 * the index is written till by till in SQLite transactions, beside imports and reports.
 */
export async function runIndex(
  options: IndexOptions,
  ctx: CliContext,
): Promise<{ tills: IndexedTill[]; text: string }> {
  const format = oneOf("--format", options.format ?? "text", ["text", "json"] as const);
  const central = await openCentral(ctx, options);
  const log = logger(ctx, options);
  for (const warning of central.config.warnings ?? []) log.warn(warning);
  const tills = selectTills(central.config, options.tills);
  const done = await updateIndex(central.paths, tills, {
    rebuild: options.rebuild === true,
    onTill: (till) => {
      if (format === "text") log.info(lineOf(till));
    },
  });
  const file = join(central.paths.index, INDEX_FILE);
  const indexed = done.filter((till) => till.state === "indexed").length;
  const text =
    format === "json"
      ? `${JSON.stringify(
          {
            index: file,
            rebuilt: options.rebuild === true,
            tills: done.map((till) => ({
              till: till.till.ref,
              name: till.till.name,
              state: till.state,
              seconds: Math.round(till.seconds * 1000) / 1000,
            })),
          },
          null,
          2,
        )}\n`
      : `${file}: ${done.length} ${done.length === 1 ? "till" : "tills"}, ${indexed} indexed, ${done.length - indexed} unchanged or without data\n`;
  await writeResult(ctx, text);
  return { tills: done, text };
}

/** `caisse-central index`, declared in commands/reindex.ts. */
export async function indexAction(env: CommandEnv, command: Command): Promise<void> {
  await runIndex(optionsOf<IndexOptions>(command), env.ctx);
}
