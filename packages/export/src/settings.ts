import type { CliContext, Logger } from "@caisse/cli";
import { locateConfig, loadConfig, type ConfigLocation, type ExportConfig } from "./config.js";
import { stateDirFor, statePaths, type StatePaths } from "./state.js";

/** What every command starts from: the config (if any) and the state folder that goes with it. */
export interface Settings {
  location: ConfigLocation;
  /** Undefined when the default ./caisse-export.json does not exist. */
  config: ExportConfig | undefined;
  paths: StatePaths;
}

/** Locates and loads the config, logs its warnings, and places the state folder beside it. */
export async function openSettings(
  ctx: CliContext,
  configFlag: string | undefined,
  log: Logger,
): Promise<Settings> {
  const location = locateConfig(ctx, configFlag);
  const loaded = await loadConfig(location);
  for (const warning of loaded?.warnings ?? []) log.warn(warning);
  if (loaded === undefined) log.debug(`no config file at ${location.path}`);
  else log.debug(`config ${location.path}`);
  return {
    location,
    config: loaded?.config,
    paths: statePaths(stateDirFor(loaded?.config.file, ctx.cwd)),
  };
}
