import { CaisseError, checkLocalPaths } from "@caisse/core";
import type { Command } from "commander";
import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import { requireTill } from "../config.js";
import { openCentral, type CommandEnv } from "../context.js";
import { exitCodeOfRun } from "../import/exit.js";
import { importFiles } from "../import/run.js";
import { importOptions, observeRun, optionsOf, printSummary } from "./shared.js";
import { interruptible, oneOf } from "@caisse/cli";

interface ImportFlags {
  till?: string;
  format: string;
  dryRun?: boolean;
}

export function registerImport(program: Command, env: CommandEnv): void {
  program
    .command("import")
    .description("import archives given by hand (a legacy zip needs --till)")
    .argument("<files...>", "archive files; they are left where they are, a copy is kept")
    .option("--till <ref>", "the till the archives belong to; required for a zip without manifest")
    .option("--format <format>", "text or json", "text")
    .option("--dry-run", "check and say what would be imported where; change nothing")
    .action(async (files: string[], _flags: ImportFlags, command: Command) => {
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
    });
}
