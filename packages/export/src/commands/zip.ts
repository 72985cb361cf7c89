import type { Command } from "commander";
import type { CommandEnv } from "../context.js";

/** The local archive's default name (see docs/archive-format.md#names). */
export const DEFAULT_ZIP_NAME = "tfichier.zip";

/** Declares `zip`; its code, in actions/zip.ts, is loaded when it runs (docs/architecture.md). */
export function registerZip(program: Command, env: CommandEnv): void {
  program
    .command("zip")
    .description("build the archive only, with the next sequence (default ./tfichier.zip)")
    .option("--out <file>", `where to write the archive (default ./${DEFAULT_ZIP_NAME})`)
    .option("--data <dir>", "the data directory (default: the config's 'data')")
    .option("--till <ref>", "the till reference (default: the config's 'till')")
    .option("--name <name>", "the till name (default: the config's 'name', else the reference)")
    .option("--dry-run", "say what would be archived, with which sequence; write nothing")
    .action(async (_flags: object, command: Command) => {
      const { zipAction } = await import("../actions/zip.js");
      await zipAction(env, command);
    });
}
