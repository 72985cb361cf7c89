import { EXIT, interruptible, langOf, writeResult, type Logger } from "@caisse/cli";
import { CaisseError, checkLocalPaths, isoWithOffset } from "@caisse/core";
import type { Command } from "commander";
import { resolve } from "node:path";
import {
  buildNextArchive,
  planNextArchive,
  warnSkipped,
  type BuildNextOptions,
  type BuildNextResult,
} from "../build.js";
import { checkTillFlags } from "../config.js";
import { logger, type CommandEnv, type GlobalOptions } from "../context.js";
import { renderBuilt, renderPlannedFiles } from "../render.js";
import { openSettings, type Settings } from "../settings.js";
import { checkBeforeActing } from "../preflight.js";
import { recordRun, withStateLock, type RecordedResult } from "../state.js";
import { DEFAULT_ZIP_NAME } from "../commands/zip.js";

export { DEFAULT_ZIP_NAME };

export interface ZipFlags {
  out?: string | undefined;
  data?: string | undefined;
  till?: string | undefined;
  name?: string | undefined;
}

/** What `zip` builds: the config's values, each replaced by its flag when given. */
export interface ZipTarget {
  till: string;
  name: string;
  /** Absolute paths. */
  data: string;
  out: string;
  key: string | undefined;
}

/** Flags over the config (defaults < file < environment < flags); with no config, --data and --till are required. */
export function zipTarget(settings: Settings, flags: ZipFlags, cwd: string): ZipTarget {
  checkTillFlags(flags);
  checkLocalPaths({ "--data": flags.data, "--out": flags.out });
  const config = settings.config;
  const till = flags.till ?? config?.till;
  const data = flags.data === undefined ? config?.data : resolve(cwd, flags.data);
  if (till === undefined || data === undefined) {
    const missing = [
      data === undefined ? "--data DIR" : undefined,
      till === undefined ? "--till REF" : undefined,
    ].filter(Boolean);
    throw new CaisseError(
      "E_USAGE",
      `zip needs ${missing.join(" and ")}: there is no config file at ${settings.location.path}`,
      {
        details: { missing },
        hint: "give them on the command line, or write a config with 'caisse-export init'.",
      },
    );
  }
  // The config's name and key belong to the config's till; another till named by --till gets its
  // reference as name and no signature (the central would refuse a signature by another till's key).
  const ownTill = config !== undefined && till === config.till;
  return {
    till,
    name: flags.name ?? (ownTill ? config.name : till),
    data,
    out: resolve(cwd, flags.out ?? DEFAULT_ZIP_NAME),
    key: ownTill ? config.key : undefined,
  };
}

/** What `zip` builds: the target's till and data, with the state of the settings. */
function zipBuild(settings: Settings, target: ZipTarget, now: Date): BuildNextOptions {
  return { paths: settings.paths, configFile: settings.config?.file, ...target, now };
}

export interface ZipResult extends RecordedResult {
  build: BuildNextResult;
}

/** Builds the archive at `target.out` with the next sequence, under the state lock, and records the run. */
export async function zipArchive(options: {
  settings: Settings;
  target: ZipTarget;
  now: Date;
  log: Logger;
  signal?: AbortSignal | undefined;
}): Promise<ZipResult> {
  const { settings, target, now, log, signal } = options;
  // Every refusal before anything is written: the run journal and the lock live in the state
  // folder too (the build checks again under the lock).
  await checkBeforeActing(zipBuild(settings, target, now));
  return recordRun(settings.paths, { time: isoWithOffset(now), command: "zip" }, log, () =>
    withStateLock(settings.paths, "caisse-export zip", async () => {
      const build = await buildNextArchive({
        ...zipBuild(settings, target, now),
        progress: log.progress,
        signal,
      });
      warnSkipped(build.plan, log);
      return { build, built: [build.fileName], sent: [], failures: [] };
    }),
  );
}

/** `caisse-export zip`, declared in commands/zip.ts. */
export async function zipAction(env: CommandEnv, command: Command): Promise<void> {
  const options = command.optsWithGlobals<ZipFlags & GlobalOptions & { dryRun?: boolean }>();
  const log = logger(env.ctx, options);
  const settings = await openSettings(env.ctx, options.config, log);
  const target = zipTarget(settings, options, env.ctx.cwd);
  const now = env.ctx.now();
  if (options.dryRun === true) {
    const next = await planNextArchive(zipBuild(settings, target, now));
    warnSkipped(next.plan, log);
    await writeResult(env.ctx, renderPlannedFiles(next, target.till, langOf(env.ctx)));
    env.setExit(EXIT.ok);
    return;
  }
  const result = await interruptible(env.ctx, (signal) =>
    zipArchive({ settings, target, now, log, signal }),
  );
  await writeResult(env.ctx, renderBuilt(result.build, langOf(env.ctx)));
  env.setExit(EXIT.ok);
}
