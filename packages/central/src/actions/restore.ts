import { EXIT, oneOf, writeResult } from "@caisse/cli";
import { CaisseError } from "@caisse/core";
import type { Command } from "commander";
import { openCentral, type CommandEnv } from "../context.js";
import { importOptions, optionsOf } from "../commands/shared.js";
import { restoreTill } from "../import/restore.js";

/** `caisse-central restore REF --sequence N`, declared in commands/restore.ts. */
export async function restoreAction(env: CommandEnv, ref: string, command: Command): Promise<void> {
  const options = optionsOf<{ sequence: string; format: string }>(command);
  const format = oneOf("--format", options.format, ["text", "json"] as const);
  const sequence = Number(options.sequence);
  if (!/^\d+$/u.test(options.sequence) || !Number.isSafeInteger(sequence) || sequence < 1) {
    throw new CaisseError(
      "E_USAGE",
      `--sequence must be a whole number from 1 (found '${options.sequence}')`,
      { hint: "the sequences of a till's archives are in 'caisse-central journal --till REF'." },
    );
  }
  const central = await openCentral(env.ctx, options);
  const { pause } = importOptions(env.ctx, undefined);
  const result = await restoreTill(central, ref, sequence, { now: env.ctx.now, pause });
  await writeResult(
    env.ctx,
    format === "json"
      ? JSON.stringify(result, null, 2)
      : `${result.till}: directory ${result.target} rebuilt from archive #${result.sequence} (${result.stored}, ${result.files} files); journal entry ${result.entry}`,
  );
  env.setExit(EXIT.ok);
}
