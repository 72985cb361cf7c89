import type { Command } from "commander";
import type { CommandEnv } from "../context.js";

/** Declares `init`; its code, in actions/init.ts, is loaded when it runs (docs/architecture.md). */
export function registerInit(program: Command, env: CommandEnv): void {
  program
    .command("init")
    .description(
      "write a starter caisse-export.json (a dir transport), explained in docs/export.md",
    )
    .option("--force", "replace an existing config file")
    .option("--till <ref>", "the till reference to write (default D01)")
    .option("--name <name>", "the till name to write (default Magasin 1)")
    .option(
      "--data <dir>",
      "the data directory to write, relative to the config file (default donnees)",
    )
    .option("--dir <dir>", "the folder archives are sent to (transport.path; default depot)")
    .action(async (_flags: object, command: Command) => {
      const { initAction } = await import("../actions/init.js");
      await initAction(env, command);
    });
}
