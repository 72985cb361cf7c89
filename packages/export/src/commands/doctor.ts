import type { Command } from "commander";
import type { CommandEnv } from "../context.js";

/** Declares `doctor`; its code, in actions/doctor.ts, is loaded when it runs (docs/architecture.md). */
export function registerDoctor(program: Command, env: CommandEnv): void {
  program
    .command("doctor")
    .description(
      "check the config, the data folder, the key and the transport for real (connect, log in, write and remove a probe file)",
    )
    .option("--format <format>", "text or json", "text")
    .action(async (flags: { format: string }, command: Command) => {
      const { doctorAction } = await import("../actions/doctor.js");
      await doctorAction(env, flags, command);
    });
}
