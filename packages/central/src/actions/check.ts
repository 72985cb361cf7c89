import { EXIT, langOf, oneOf, writeResult, type CliContext, type ExitCode } from "@caisse/cli";
import type { Command } from "commander";
import { runChecks, type CheckResult } from "../check/run.js";
import { openCentral, type CommandEnv, type GlobalOptions } from "../context.js";
import { renderCheckJson, renderCheckText } from "../render/check.js";
import { optionsOf } from "../commands/shared.js";

export interface CheckOptions extends GlobalOptions {
  format?: string | undefined;
  /** `fr` or `en`, before the config's `lang` and the locale variables (see resolveLang). */
  lang?: string | undefined;
}

/**
 * `caisse-central check`: every registered till's files and the catalogue, read without the lock
 * (see docs/monitor.md#check). Exit 3 when anything was found, 0 when all is coherent.
 */
export async function runCheck(
  options: CheckOptions,
  ctx: CliContext,
): Promise<{ result: CheckResult; text: string; exitCode: ExitCode }> {
  const format = oneOf("--format", options.format ?? "text", ["text", "json"] as const);
  const central = await openCentral(ctx, options);
  // Checked before reading, even for JSON, which does not depend on it: a bad --lang is a bad run.
  const locale = langOf(ctx, options.lang, central.config.lang);
  const result = await runChecks(central.paths, central.config.tills);
  const text = format === "json" ? renderCheckJson(result) : renderCheckText(result, locale);
  await writeResult(ctx, text);
  return { result, text, exitCode: result.total > 0 ? EXIT.rejected : EXIT.ok };
}

/** `caisse-central check`, declared in commands/check.ts. */
export async function checkAction(env: CommandEnv, command: Command): Promise<void> {
  const { exitCode } = await runCheck(optionsOf<CheckOptions>(command), env.ctx);
  env.setExit(exitCode);
}
