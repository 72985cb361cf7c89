import type { Command } from "commander";
import type { CommandEnv } from "../context.js";

/** Declares `send`; its code, in actions/send.ts, is loaded when it runs (docs/architecture.md). */
export function registerSend(program: Command, env: CommandEnv): void {
  program
    .command("send")
    .description("send archives: the files given (left in place), or else everything in the outbox")
    .argument("[files...]", "archives built by caisse-export (default: the outbox)")
    .action(async (files: string[], _flags: object, command: Command) => {
      const { sendAction } = await import("../actions/send.js");
      await sendAction(env, files, command);
    });
}
