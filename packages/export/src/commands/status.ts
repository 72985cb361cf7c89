import type { Command } from "commander";
import type { CommandEnv } from "../context.js";

/** Declares `status`; its code, in actions/status.ts, is loaded when it runs (docs/architecture.md). */
export function registerStatus(program: Command, env: CommandEnv): void {
  program
    .command("status")
    .description("outbox content, last runs, next sequence, transport")
    .option("--format <format>", "table or json", "table")
    .action(async (_flags: object, command: Command) => {
      const { statusAction } = await import("../actions/status.js");
      await statusAction(env, command);
    });
}
