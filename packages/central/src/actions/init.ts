import { ioError } from "@caisse/core";
import { EXIT, writeResult } from "@caisse/cli";
import type { Command } from "commander";
import { access, mkdir } from "node:fs/promises";
import {
  centralPaths,
  DEFAULT_STALE_AFTER_HOURS,
  saveCentralConfig,
  type CentralPaths,
} from "../config.js";
import { resolveRoot, type CommandEnv } from "../context.js";
import { DEFAULT_LIMITS } from "@caisse/core";
import { optionsOf } from "../commands/shared.js";

export interface InitResult {
  root: string;
  /** False when the root already had a config, which is left as it was. */
  createdConfig: boolean;
  createdFolders: string[];
}

/** Creates a central root: config, inbox/, tills/, archives/, quarantine/, catalog/. Idempotent. */
export async function initCentral(paths: CentralPaths): Promise<InitResult> {
  const createdFolders: string[] = [];
  for (const folder of [
    paths.root,
    paths.inbox,
    paths.tills,
    paths.archives,
    paths.quarantine,
    paths.catalog,
    paths.work,
  ]) {
    try {
      const made = await mkdir(folder, { recursive: true });
      if (made !== undefined) createdFolders.push(folder);
    } catch (error) {
      throw ioError("create the folder", folder, error);
    }
  }
  const exists = await access(paths.config).then(
    () => true,
    () => false,
  );
  if (!exists) {
    await saveCentralConfig(paths, {
      tills: [],
      sources: [],
      limits: { ...DEFAULT_LIMITS },
      staleAfterHours: DEFAULT_STALE_AFTER_HOURS,
    });
  }
  return { root: paths.root, createdConfig: !exists, createdFolders };
}

/** `caisse-central init`, declared in commands/init.ts. */
export async function initAction(env: CommandEnv, command: Command): Promise<void> {
  const options = optionsOf<object>(command);
  const result = await initCentral(centralPaths(resolveRoot(env.ctx, options.root)));
  await writeResult(
    env.ctx,
    result.createdConfig
      ? `created a central root in ${result.root}\nnext: caisse-central tills add D01 --name "Magasin 1" --path D01`
      : `${result.root} is already a central root; its config was left as it was${result.createdFolders.length > 0 ? ` (created ${result.createdFolders.length} missing folders)` : ""}`,
  );
  env.setExit(EXIT.ok);
}
