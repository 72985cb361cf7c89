import { EXIT, interruptible, langOf, oneOf, writeResult } from "@caisse/cli";
import { CaisseError, checkLocalPaths } from "@caisse/core";
import type { Command } from "commander";
import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import { applyCatalog, recoverCatalogApply, type ApplyResult } from "../catalog/apply.js";
import { fetchCatalog } from "../catalog/fetch.js";
import { appliedJson, renderApplied, renderNothingNew } from "../catalog/render.js";
import { readCatalogState } from "../catalog/state.js";
import { requireConfig, type CatalogConfig, type ExportConfig } from "../config.js";
import { logger, type CommandEnv, type GlobalOptions } from "../context.js";
import { openSettings } from "../settings.js";
import { withStateLock } from "../state.js";

type CatalogFlags = { format: string } & GlobalOptions;

/** The catalog section with head office's key, or E_CONFIG naming what is missing. */
function requireCatalog(config: ExportConfig): CatalogConfig & { centralKey: string } {
  const { catalog } = config;
  if (catalog?.centralKey !== undefined) return { ...catalog, centralKey: catalog.centralKey };
  throw new CaisseError(
    "E_CONFIG",
    `${config.file}: ${catalog === undefined ? "the key 'catalog' is missing" : "catalog.centralKey is missing"}: a catalogue is applied only when signed by head office`,
    {
      details: { path: config.file, key: catalog === undefined ? "catalog" : "catalog.centralKey" },
      hint: 'add "catalog": { "dir": "C:\\\\caisse\\\\catalogue", "centralKey": "ed25519:..." } with the public key printed by \'caisse-central keygen\' (see docs/catalogue.md).',
    },
  );
}

async function print(env: CommandEnv, format: "text" | "json", result: ApplyResult): Promise<void> {
  await writeResult(
    env.ctx,
    format === "json"
      ? JSON.stringify(appliedJson(result), null, 2)
      : renderApplied(result, langOf(env.ctx)),
  );
}

/** `caisse-export catalog import FILE`, declared in commands/catalog.ts. */
export async function catalogImportAction(
  env: CommandEnv,
  file: string,
  command: Command,
): Promise<void> {
  const options = command.optsWithGlobals<CatalogFlags>();
  const format = oneOf("--format", options.format, ["text", "json"] as const);
  checkLocalPaths({ FILE: file });
  const log = logger(env.ctx, options);
  const { location, config, paths } = await openSettings(env.ctx, options.config, log);
  const catalog = requireCatalog(requireConfig(config, location, "catalog import"));
  const path = resolve(env.ctx.cwd, file);
  const info = await stat(path).catch(() => undefined);
  if (info?.isFile() !== true) {
    throw new CaisseError("E_USAGE", `${path} is not a file`, {
      hint: "give the path of a catalogue archive (CATALOG_..._000007.zip).",
    });
  }
  const result = await withStateLock(paths, "caisse-export catalog import", () =>
    applyCatalog(path, {
      dir: catalog.dir,
      centralKey: catalog.centralKey,
      paths,
      now: env.ctx.now(),
    }),
  );
  await print(env, format, result);
  env.setExit(EXIT.ok);
}

/** `caisse-export catalog fetch`, declared in commands/catalog.ts. */
export async function catalogFetchAction(env: CommandEnv, command: Command): Promise<void> {
  const options = command.optsWithGlobals<CatalogFlags>();
  const format = oneOf("--format", options.format, ["text", "json"] as const);
  const log = logger(env.ctx, options);
  const { location, config: loaded, paths } = await openSettings(env.ctx, options.config, log);
  const config = requireConfig(loaded, location, "catalog fetch");
  const catalog = requireCatalog(config);
  const outcome = await withStateLock(paths, "caisse-export catalog fetch", async () => {
    // An apply a crash interrupted is finished first: the state then says what is in place.
    await recoverCatalogApply(catalog.dir, paths);
    const last = await readCatalogState(paths);
    return interruptible(env.ctx, (signal) =>
      fetchCatalog(
        config,
        { stateDir: paths.dir, lastSequence: last?.sequence, env: env.ctx.env, signal },
        (file) =>
          applyCatalog(file, {
            dir: catalog.dir,
            centralKey: catalog.centralKey,
            paths,
            now: env.ctx.now(),
          }),
      ).then((fetched) => ({ fetched, last })),
    );
  });
  const { fetched, last } = outcome;
  if (fetched.applied !== undefined) {
    await print(env, format, fetched.applied);
  } else {
    const text = renderNothingNew(fetched.sequence, last?.sequence, langOf(env.ctx));
    await writeResult(
      env.ctx,
      format === "json"
        ? JSON.stringify(
            {
              applied: false,
              published: fetched.sequence ?? null,
              current: last?.sequence ?? null,
            },
            null,
            2,
          )
        : text,
    );
  }
  env.setExit(EXIT.ok);
}
