import type { Command } from "commander";
import type { CommandEnv } from "../context.js";

/**
 * Declares `journal` and `journal repair`; their code, in actions/journal.ts, is loaded when they
 * run (docs/architecture.md).
 */
export function registerJournal(program: Command, env: CommandEnv): void {
  const journal = program
    .command("journal")
    .description("the import journal: every archive received, and a check of its hash chain")
    .option("--verify", "check the hash chain; exit 3 if the journal was altered")
    .option("--till <ref>", "only this till's entries")
    .option("--format <format>", "table or json", "table")
    .action(async (_flags: object, command: Command) => {
      const { journalAction } = await import("../actions/journal.js");
      await journalAction(env, command);
    });

  journal
    .command("repair")
    .description(
      "rebuild a damaged journal from its trustworthy part and archives/; the damaged one is kept",
    )
    .option("--dry-run", "say what the repair would do; change nothing")
    .action(async (_flags: object, command: Command) => {
      const { journalRepairAction } = await import("../actions/journal.js");
      await journalRepairAction(env, command);
    });
}
