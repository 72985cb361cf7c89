import { isCaisseError } from "@caisse/core/errors";
import { oneLine } from "@caisse/core/text";
import type { Command } from "commander";
import type { CliContext } from "./context.js";
import { EXIT, exitCodeFor, type ExitCode } from "./exit.js";

/** What a command's action receives besides its own options. */
export interface CommandEnv {
  ctx: CliContext;
  /** Records the exit status of the command that ran. */
  setExit: (code: ExitCode) => void;
}

/**
 * Builds a tool's program and runs it with these arguments; returns the exit status of the
 * command that ran (see docs/operations.md#exit-codes). Both CLIs' `main` is this.
 */
export async function runMain(
  build: (env: CommandEnv) => Command,
  argv: readonly string[],
  ctx: CliContext,
): Promise<ExitCode> {
  let code: ExitCode = EXIT.ok;
  const program = build({
    ctx,
    setExit: (status) => {
      code = status;
    },
  });
  return runProgram(program, argv, ctx, () => code);
}

/**
 * Runs a commander program whose actions return their exit status through `setExit`, and turns
 * every error into a message and a status: one top-level catch for the whole tool.
 */
export async function runProgram(
  program: Command,
  argv: readonly string[],
  ctx: CliContext,
  exitCode: () => ExitCode,
): Promise<ExitCode> {
  // Settings given after the commands are declared must be applied to each one.
  const configure = (command: Command): void => {
    command
      .exitOverride()
      .configureOutput({
        writeOut: (text) => {
          ctx.stdout.write(text);
        },
        writeErr: (text) => {
          ctx.stderr.write(text);
        },
      })
      .showHelpAfterError("(add --help for the list of options)");
    command.commands.forEach(configure);
  };
  configure(program);
  try {
    await program.parseAsync([...argv], { from: "user" });
    return exitCode();
  } catch (error) {
    return reportError(error, ctx, argv.includes("--verbose"));
  }
}

const HELP_OR_VERSION = new Set(["commander.helpDisplayed", "commander.help", "commander.version"]);

/**
 * The code of an error that commander threw (`commander.version`, `commander.unknownOption`...),
 * else undefined. Told by its code, not by `instanceof CommanderError`: each CLI's program is
 * built by its own package's commander, which an installed tool may hold as a copy of its own
 * (see docs/decisions.md).
 */
export function commanderErrorCode(error: unknown): string | undefined {
  if (!(error instanceof Error) || !("code" in error) || !("exitCode" in error)) return undefined;
  const { code, exitCode } = error;
  return typeof code === "string" && code.startsWith("commander.") && typeof exitCode === "number"
    ? code
    : undefined;
}

export function reportError(error: unknown, ctx: CliContext, verbose: boolean): ExitCode {
  const commanderCode = commanderErrorCode(error);
  if (commanderCode !== undefined) {
    // Help and version are not errors; commander has already printed the usage message.
    return HELP_OR_VERSION.has(commanderCode) ? EXIT.ok : EXIT.usage;
  }
  if (isCaisseError(error)) {
    // A message may list problems on lines of their own: each stays a line, indented.
    const [first = "", ...rest] = error.message.split("\n").map(oneLine);
    ctx.stderr.write(`error ${error.code}: ${first}\n`);
    for (const line of rest) ctx.stderr.write(`  ${line}\n`);
    if (error.hint !== undefined) ctx.stderr.write(`  ${oneLine(error.hint)}\n`);
  } else {
    const message = error instanceof Error ? error.message : String(error);
    ctx.stderr.write(`error E_INTERNAL: ${oneLine(message)}\n`);
    if (!verbose)
      ctx.stderr.write("  this is a bug; run again with --verbose and report the output.\n");
  }
  if (verbose && error instanceof Error && error.stack !== undefined) {
    ctx.stderr.write(`${error.stack}\n`);
    let cause = error.cause;
    while (cause instanceof Error) {
      ctx.stderr.write(`caused by: ${cause.stack ?? cause.message}\n`);
      cause = cause.cause;
    }
  }
  return exitCodeFor(error);
}
