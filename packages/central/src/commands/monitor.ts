import type { Command } from "commander";
import type { CommandEnv } from "../context.js";

/** Declares `monitor`; its code, in actions/monitor.ts, is loaded when it runs (docs/architecture.md). */
export function registerMonitor(program: Command, env: CommandEnv): void {
  program
    .command("monitor")
    .description("state of every till: last archive, last sale, late or rejected (exit 3)")
    .option("--format <format>", "table or json", "table")
    .action(async (_flags: object, command: Command) => {
      const { monitorAction } = await import("../actions/monitor.js");
      await monitorAction(env, command);
    });
}
