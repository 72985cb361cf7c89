import type { Command } from "commander";
import type { CommandEnv } from "../context.js";

/** Declares `restore`; its code, in actions/restore.ts, is loaded when it runs (docs/architecture.md). */
export function registerRestore(program: Command, env: CommandEnv): void {
  program
    .command("restore")
    .description("rebuild a till's directory from an archive kept under archives/")
    .argument("<ref>", "the till")
    .requiredOption(
      "--sequence <n>",
      "the archive's sequence (see 'caisse-central journal --till REF')",
    )
    .option("--format <format>", "text or json", "text")
    .action(async (ref: string, _flags: object, command: Command) => {
      const { restoreAction } = await import("../actions/restore.js");
      await restoreAction(env, ref, command);
    });
}
