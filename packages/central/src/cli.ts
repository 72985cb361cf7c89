import { processContext, runMain, type CliContext, type ExitCode } from "@caisse/cli/start";
import { Command } from "commander";
import { registerCheck } from "./commands/check.js";
import { registerCatalog } from "./commands/catalog.js";
import { registerDoctor } from "./commands/doctor.js";
import { registerFetch } from "./commands/fetch.js";
import { registerImport } from "./commands/import.js";
import { registerIndex } from "./commands/reindex.js";
import { registerInit } from "./commands/init.js";
import { registerJournal } from "./commands/journal.js";
import { registerMonitor } from "./commands/monitor.js";
import { registerKeygen } from "./commands/keygen.js";
import { registerReport } from "./commands/report.js";
import { registerRestore } from "./commands/restore.js";
import { registerTills } from "./commands/tills.js";
import type { CommandEnv } from "./context.js";
import { VERSION } from "./version.js";

/** Declares the commands; each one lives in commands/<name>.ts. */
export function buildProgram(env: CommandEnv): Command {
  const program = new Command("caisse-central")
    .description(
      "Collect the tills' archives, check them, import them, and compare the stores' turnover.",
    )
    .version(VERSION)
    .option(
      "--root <dir>",
      "the central root (default: $CAISSE_CENTRAL_ROOT, else the current folder)",
    )
    .option("--verbose", "more detail in the log, and stack traces on errors")
    .option("--quiet", "only warnings and errors in the log")
    .enablePositionalOptions(false);
  for (const register of [
    registerInit,
    registerTills,
    registerImport,
    registerFetch,
    registerReport,
    registerIndex,
    registerMonitor,
    registerJournal,
    registerDoctor,
    registerCheck,
    registerKeygen,
    registerCatalog,
    registerRestore,
  ]) {
    register(program, env);
  }
  return program;
}

/**
 * Runs caisse-central with these arguments and returns the exit status (see
 * docs/operations.md#exit-codes).
 */
export async function main(
  argv: readonly string[],
  ctx: CliContext = processContext(),
): Promise<ExitCode> {
  return runMain(buildProgram, argv, ctx);
}
