import type { Command } from "commander";
import type { CommandEnv } from "../context.js";

/** Declares `init`; its code, in actions/init.ts, is loaded when it runs (docs/architecture.md). */
export function registerInit(program: Command, env: CommandEnv): void {
  program
    .command("init")
    .description(
      "create the central root: caisse-central.json, inbox/, tills/, archives/, quarantine/, catalog/",
    )
    .action(async (_flags: object, command: Command) => {
      const { initAction } = await import("../actions/init.js");
      await initAction(env, command);
    });
}
