import type { Command } from "commander";
import type { CommandEnv } from "../context.js";

/** Declares `fetch`; its code, in actions/fetch.ts, is loaded when it runs (docs/architecture.md). */
export function registerFetch(program: Command, env: CommandEnv): void {
  program
    .command("fetch")
    .description(
      "collect archives from every configured source (default: inbox/), then import them",
    )
    .option("--source <name...>", "only these sources (names from caisse-central.json)")
    .option("--format <format>", "text or json", "text")
    .option("--dry-run", "check and say what would be imported where; change nothing")
    .action(async (_flags: object, command: Command) => {
      const { fetchAction } = await import("../actions/fetch.js");
      await fetchAction(env, command);
    });
}
