import { commandLogger, type CliContext, type Logger } from "@caisse/cli";
import { checkLocalPaths } from "@caisse/core";
import { isAbsolute, resolve } from "node:path";
import {
  centralPaths,
  loadCentralConfig,
  type CentralConfig,
  type CentralPaths,
} from "./config.js";

/** Options every caisse-central command takes. */
export interface GlobalOptions {
  root?: string;
  verbose?: boolean;
  quiet?: boolean;
}

export type { CommandEnv } from "@caisse/cli";

/**
 * The root: `--root`, else `$CAISSE_CENTRAL_ROOT`, else the current folder (see
 * docs/central-layout.md).
 */
export function resolveRoot(ctx: CliContext, root: string | undefined): string {
  checkLocalPaths({
    "--root": root,
    CAISSE_CENTRAL_ROOT: root === undefined ? ctx.env.CAISSE_CENTRAL_ROOT : undefined,
  });
  const given = root ?? ctx.env.CAISSE_CENTRAL_ROOT ?? ctx.cwd;
  return isAbsolute(given) ? resolve(given) : resolve(ctx.cwd, given);
}

/** The log on stderr, with progress bars at a terminal. */
export function logger(ctx: CliContext, options: GlobalOptions): Logger {
  return commandLogger(ctx, "caisse-central", options);
}

/** A loaded root: where things are and what the config says. */
export interface Central {
  paths: CentralPaths;
  config: CentralConfig;
}

export async function openCentral(ctx: CliContext, options: GlobalOptions): Promise<Central> {
  const paths = centralPaths(resolveRoot(ctx, options.root));
  return { paths, config: await loadCentralConfig(paths) };
}
