import {
  commandLogger,
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

/** The log on stderr, with progress bars at a terminal. */
export function logger(ctx: CliContext, options: GlobalOptions): Logger {
  return commandLogger(ctx, "caisse-export", options);
}

/**
 * Ends a command that did what it could: prints each failure the way the top-level handler does
 * (code, message, hint) and records the most severe exit status; 0 when there is none.
 */
export function settle(env: CommandEnv, failures: readonly CaisseError[], verbose: boolean): void {
  env.setExit(worstExit(failures.map((failure) => reportError(failure, env.ctx, verbose))));
}
