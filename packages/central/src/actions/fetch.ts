import { CaisseError } from "@caisse/core";
import type { Command } from "commander";
import { logger, openCentral, type CommandEnv } from "../context.js";
import { exitCodeOfRun } from "../import/exit.js";
import { fetchSources } from "../import/run.js";
import { importOptions, observeRun, optionsOf, printSummary } from "../commands/shared.js";
import { interruptible, oneOf } from "@caisse/cli";

interface FetchFlags {
  source?: string[];
  format: string;
  dryRun?: boolean;
}

/** `caisse-central fetch`, declared in commands/fetch.ts. */
export async function fetchAction(env: CommandEnv, command: Command): Promise<void> {
  const options = optionsOf<FetchFlags>(command);
  const format = oneOf("--format", options.format, ["text", "json"] as const);
  const central = await openCentral(env.ctx, options);
  const log = logger(env.ctx, options);
  for (const warning of central.config.warnings ?? []) log.warn(warning);
  const known = central.config.sources.map((source) => source.name);
  for (const name of options.source ?? []) {
    if (!known.includes(name)) {
      throw new CaisseError("E_USAGE", `--source: no source named '${name}'`, {
        hint: `configured sources: ${known.join(", ")}.`,
      });
    }
  }
  const summary = await interruptible(env.ctx, (signal) =>
    fetchSources(
      central,
      options.source,
      {
        ...importOptions(env.ctx, undefined),
        dryRun: options.dryRun,
        signal,
        env: env.ctx.env,
      },
      observeRun(env.ctx, options, options.dryRun === true),
    ),
  );
  await printSummary(env.ctx, summary, format);
  env.setExit(exitCodeOfRun(summary));
}
