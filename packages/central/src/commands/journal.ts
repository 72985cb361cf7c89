import { colorAllowed, EXIT, oneOf, writeResult } from "@caisse/cli";
import type { Command } from "commander";
import { openCentral, type CommandEnv } from "../context.js";
import { readJournal, verifyJournal } from "../journal.js";
import {
  renderJournalJson,
  renderJournalTable,
  renderRepair,
  renderVerification,
} from "../render/journal.js";
import { repairJournal } from "../repair.js";
import { optionsOf } from "./shared.js";

interface JournalFlags {
  verify?: boolean;
  till?: string;
  format: string;
}

export function registerJournal(program: Command, env: CommandEnv): void {
  const journal = program
    .command("journal")
    .description("the import journal: every archive received, and a check of its hash chain")
    .option("--verify", "check the hash chain; exit 3 if the journal was altered")
    .option("--till <ref>", "only this till's entries")
    .option("--format <format>", "table or json", "table")
    .action(async (_flags: JournalFlags, command: Command) => {
      const options = optionsOf<JournalFlags>(command);
      const format = oneOf("--format", options.format, ["table", "json"] as const);
      const { paths } = await openCentral(env.ctx, options);
      if (options.verify === true) {
        const verification = await verifyJournal(paths.journal, paths.archives);
        await writeResult(
          env.ctx,
          format === "json"
            ? JSON.stringify(verification, null, 2)
            : renderVerification(verification),
        );
        env.setExit(verification.problems.length > 0 ? EXIT.rejected : EXIT.ok);
        return;
      }
      const till = options.till?.toUpperCase();
      const entries = (await readJournal(paths.journal)).filter(
        (entry) => till === undefined || entry.till?.toUpperCase() === till,
      );
      await writeResult(
        env.ctx,
        format === "json"
          ? renderJournalJson(entries)
          : renderJournalTable(entries, { color: colorAllowed(env.ctx, env.ctx.stdout) }),
      );
      env.setExit(EXIT.ok);
    });

  journal
    .command("repair")
    .description(
      "rebuild a damaged journal from its trustworthy part and archives/; the damaged one is kept",
    )
    .option("--dry-run", "say what the repair would do; change nothing")
    .action(async (_flags: object, command: Command) => {
      // --format is the journal command's: table (text) or json.
      const options = optionsOf<{ dryRun?: boolean; format: string }>(command);
      const format = oneOf("--format", options.format, ["table", "json"] as const);
      const central = await openCentral(env.ctx, options);
      const report = await repairJournal(central, env.ctx.now(), options.dryRun === true);
      await writeResult(
        env.ctx,
        format === "json" ? JSON.stringify(report, null, 2) : renderRepair(report),
      );
      env.setExit(report.unrecovered.length > 0 ? EXIT.rejected : EXIT.ok);
    });
}
