import type { Command } from "commander";
import type { CommandEnv } from "../context.js";

/** Declares `run`; its code, in actions/run.ts, is loaded when it runs (docs/architecture.md). */
export function registerRun(program: Command, env: CommandEnv): void {
  program
    .command("run")
    .description(
      "the nightly job: build the archive into the outbox, then send the outbox, oldest first",
    )
    .option(
      "--full",
      "build a full archive, whatever the last one was (incremental archives otherwise, see fullEveryDays)",
    )
    .option("--dry-run", "say what would be built and sent, and where; write and send nothing")
    .action(async (_flags: object, command: Command) => {
      const { runAction } = await import("../actions/run.js");
      await runAction(env, command);
    });
}
