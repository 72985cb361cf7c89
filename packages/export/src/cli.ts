import { processContext, runMain, type CliContext, type ExitCode } from "@caisse/cli/start";
import { Command } from "commander";
import { registerCatalog } from "./commands/catalog.js";
import { registerDoctor } from "./commands/doctor.js";
import { registerInit } from "./commands/init.js";
import { registerKeygen } from "./commands/keygen.js";
import { registerRun } from "./commands/run.js";
import { registerSend } from "./commands/send.js";
import { registerStatus } from "./commands/status.js";
import { registerZip } from "./commands/zip.js";
import { CONFIG_ENV, CONFIG_FILE } from "./configNames.js";
import type { CommandEnv } from "./context.js";
import { VERSION } from "./version.js";

/** Declares the commands; each one lives in commands/<name>.ts. */
export function buildProgram(env: CommandEnv): Command {
  const program = new Command("caisse-export")
    .description("Pack this till's data into an archive and send it to head office.")
    .version(VERSION)
    .option("--config <file>", `the config file (default: $${CONFIG_ENV}, else ./${CONFIG_FILE})`)
    .option("--verbose", "more detail in the log, and stack traces on errors")
    .option("--quiet", "only warnings and errors in the log");
  for (const register of [
    registerInit,
    registerKeygen,
    registerZip,
    registerSend,
    registerRun,
    registerStatus,
    registerDoctor,
    registerCatalog,
  ]) {
    register(program, env);
  }
  return program;
}

/**
 * Runs caisse-export with these arguments and returns the exit status (see
 * docs/operations.md#exit-codes).
 */
export async function main(
  argv: readonly string[],
  ctx: CliContext = processContext(),
): Promise<ExitCode> {
  return runMain(buildProgram, argv, ctx);
}
