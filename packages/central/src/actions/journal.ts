import { colorAllowed, EXIT, oneOf, writeResult } from "@caisse/cli";
import type { Command } from "commander";
import { openCentral, type CommandEnv } from "../context.js";
import { readJournal } from "../journal.js";
import { verifyJournal } from "../journalCheck.js";
import {
  renderJournalJson,
  renderJournalTable,
  renderRepair,
  renderVerification,
} from "../render/journal.js";
import { repairJournal } from "../repair.js";
import { optionsOf } from "../commands/shared.js";

interface JournalFlags {
  verify?: boolean;
  till?: string;
  format: string;
}

/** `caisse-central journal`, declared in commands/journal.ts. */
export async function journalAction(env: CommandEnv, command: Command): Promise<void> {
  const options = optionsOf<JournalFlags>(command);
  const format = oneOf("--format", options.format, ["table", "json"] as const);
  const { paths } = await openCentral(env.ctx, options);
  if (options.verify === true) {
    const verification = await verifyJournal(paths.journal, paths.archives);
    await writeResult(
      env.ctx,
      format === "json" ? JSON.stringify(verification, null, 2) : renderVerification(verification),
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
}

/** `caisse-central journal repair`, declared in commands/journal.ts. */
export async function journalRepairAction(env: CommandEnv, command: Command): Promise<void> {
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
}
