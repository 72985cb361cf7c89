import { EXIT, writeResult } from "@caisse/cli";
import { checkLocalPaths, writeFileAtomic } from "@caisse/core";
import type { Command } from "commander";
import { checkReplace } from "@caisse/core";
import { checkTillFlags, locateConfig, starterConfig, validateExportConfig } from "../config.js";
import { logger, type CommandEnv, type GlobalOptions } from "../context.js";

export interface InitOptions {
  /** Absolute path of the config file to write. */
  path: string;
  /** Replace an existing file. */
  force: boolean;
  till?: string | undefined;
  name?: string | undefined;
  data?: string | undefined;
  transportPath?: string | undefined;
}

/** Writes a starter caisse-export.json that validates; refuses to replace one without `force`. */
export async function initConfig(
  options: InitOptions,
): Promise<{ path: string; replaced: boolean }> {
  checkTillFlags(options);
  const exists = await checkReplace(
    options.path,
    options.force,
    "add --force to replace it with a starter config.",
  );
  const starter = starterConfig(options);
  // The starter must pass the same checks as any config: a bug here would be caught now.
  validateExportConfig(starter, options.path);
  await writeFileAtomic(options.path, `${JSON.stringify(starter, null, 2)}\n`);
  return { path: options.path, replaced: exists };
}

interface InitFlags {
  force?: boolean;
  till?: string;
  name?: string;
  data?: string;
  dir?: string;
}

/** `caisse-export init`, declared in commands/init.ts. */
export async function initAction(env: CommandEnv, command: Command): Promise<void> {
  const options = command.optsWithGlobals<InitFlags & GlobalOptions>();
  const log = logger(env.ctx, options);
  checkLocalPaths({ "--data": options.data, "--dir": options.dir });
  const result = await initConfig({
    path: locateConfig(env.ctx, options.config).path,
    force: options.force === true,
    till: options.till,
    name: options.name,
    data: options.data,
    transportPath: options.dir,
  });
  await writeResult(env.ctx, `${result.replaced ? "replaced" : "wrote"} ${result.path}`);
  log.info(
    "next: set till, name, data and transport.path in it, then check it with 'caisse-export doctor' and 'caisse-export zip --dry-run'.",
  );
  env.setExit(EXIT.ok);
}
