import type { Command } from "commander";
import type { CommandEnv } from "../context.js";

/** Declares `index`; its code, in actions/reindex.ts, is loaded when it runs (docs/architecture.md). */
export function registerIndex(program: Command, env: CommandEnv): void {
  program
    .command("index")
    .description("build or bring up to date the report index, till by till (after fetch, at night)")
    .option("--tills <refs>", "only these tills, such as D01,D02 (default: the enabled ones)")
    .option("--rebuild", "delete the index first and build it from nothing")
    .option("--format <format>", "text or json", "text")
    .action(async (_flags: object, command: Command) => {
      const { indexAction } = await import("../actions/reindex.js");
      await indexAction(env, command);
    });
}
