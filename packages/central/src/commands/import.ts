import type { Command } from "commander";
import type { CommandEnv } from "../context.js";

/** Declares `import`; its code, in actions/import.ts, is loaded when it runs (docs/architecture.md). */
export function registerImport(program: Command, env: CommandEnv): void {
  program
    .command("import")
    .description("import archives given by hand (a legacy zip needs --till)")
    .argument("<files...>", "archive files; they are left where they are, a copy is kept")
    .option("--till <ref>", "the till the archives belong to; required for a zip without manifest")
    .option("--format <format>", "text or json", "text")
    .option("--dry-run", "check and say what would be imported where; change nothing")
    .action(async (files: string[], _flags: object, command: Command) => {
      const { importAction } = await import("../actions/import.js");
      await importAction(env, files, command);
    });
}
