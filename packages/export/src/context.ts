import {
  createLogger,
  reportError,
  worstExit,
  type CliContext,
  type CommandEnv,
  type Logger,
} from "@caisse/cli";
import type { CaisseError } from "@caisse/core";

export type { CommandEnv };

/** Options every caisse-export command takes. */
export interface GlobalOptions {
  config?: string;
  verbose?: boolean;
  quiet?: boolean;
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
