import {
  createLogger,
  reportError,
  worstExit,
  type CliContext,
  type ExitCode,
  type Logger,
} from "@caisse/cli";
import type { CaisseError } from "@caisse/core";

/** Options every caisse-export command takes. */
export interface GlobalOptions {
  config?: string;
  verbose?: boolean;
  quiet?: boolean;
}

/** What a command's action receives besides its own options. */
export interface CommandEnv {
  ctx: CliContext;
  /** Records the exit status of the command that ran. */
  setExit: (code: ExitCode) => void;
}

export function logger(ctx: CliContext, options: GlobalOptions): Logger {
  return createLogger(ctx, {
    program: "caisse-export",
    verbose: options.verbose ?? false,
    quiet: options.quiet ?? false,
  });
}

/**
 * Ends a command that did what it could: prints each failure the way the top-level handler does
 * (code, message, hint) and records the most severe exit status; 0 when there is none.
 */
export function settle(env: CommandEnv, failures: readonly CaisseError[], verbose: boolean): void {
  env.setExit(worstExit(failures.map((failure) => reportError(failure, env.ctx, verbose))));
}
