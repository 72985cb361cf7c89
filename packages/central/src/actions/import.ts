import { CaisseError, checkLocalPaths } from "@caisse/core";
import type { Command } from "commander";
import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import { requireTill } from "../config.js";
import { openCentral, type CommandEnv } from "../context.js";
import { exitCodeOfRun } from "../import/exit.js";
import { importFiles } from "../import/run.js";
import { importOptions, observeRun, optionsOf, printSummary } from "../commands/shared.js";
import { interruptible, oneOf } from "@caisse/cli";

interface ImportFlags {
  till?: string;
  format: string;
  dryRun?: boolean;
}

/** `caisse-central import`, declared in commands/import.ts. */
export async function importAction(
  env: CommandEnv,
  files: string[],
  command: Command,
): Promise<void> {
  const options = optionsOf<ImportFlags>(command);
  const format = oneOf("--format", options.format, ["text", "json"] as const);
  const central = await openCentral(env.ctx, options);
  if (options.till !== undefined) requireTill(central.config, options.till);
  checkLocalPaths({ FILE: files });
  const paths = files.map((file) => resolve(env.ctx.cwd, file));
  for (const path of paths) {
    const info = await stat(path).catch(() => undefined);
    if (info?.isFile() !== true) {
      throw new CaisseError("E_USAGE", `${path} is not a file`, {
        hint: "give the path of an archive (.zip).",
      });
    }
  }
  const summary = await interruptible(env.ctx, (signal) =>
    importFiles(
      central,
      paths,
      { ...importOptions(env.ctx, options.till), dryRun: options.dryRun, signal },
      observeRun(env.ctx, options, options.dryRun === true),
    ),
  );
  await printSummary(env.ctx, summary, format);
  env.setExit(exitCodeOfRun(summary));
}
