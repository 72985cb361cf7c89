import type { Command } from "commander";
import type { CommandEnv } from "../context.js";

/** Declares `check`; its code, in actions/check.ts, is loaded when it runs (docs/architecture.md). */
export function registerCheck(program: Command, env: CommandEnv): void {
  program
    .command("check")
    .description(
      "coherence of codes, families, closures and files across tills (exit 3 on findings)",
    )
    .option("--format <format>", "text or json", "text")
    .option("--lang <lang>", "fr or en (default: the config's lang, else the system's locale)")
    .action(async (_flags: object, command: Command) => {
      const { checkAction } = await import("../actions/check.js");
      await checkAction(env, command);
    });
}
