import { EXIT, writeResult } from "@caisse/cli";
import {
  CaisseError,
  checkLocalPaths,
  checkReplace,
  ioError,
  parseJsonDocument,
  withLock,
  writeFileAtomic,
  writeKeyPair,
} from "@caisse/core";
import { isRecord } from "@caisse/transports";
import type { Command } from "commander";
import { readFile } from "node:fs/promises";
import { isAbsolute, relative, resolve } from "node:path";
import type { CentralPaths } from "../config.js";
import { logger, openCentral, type CommandEnv } from "../context.js";
import { optionsOf } from "../commands/shared.js";

interface KeygenFlags {
  out?: string;
  force?: boolean;
  writeConfig?: boolean;
}

/** The key's path as the config writes it: relative to the root when inside it, else absolute. */
function keyInConfig(paths: CentralPaths, key: string): string {
  const inside = relative(paths.root, key);
  return inside === "" || inside.startsWith("..") || isAbsolute(inside)
    ? key
    : inside.replaceAll("\\", "/");
}

/**
 * Sets `catalog.key` in caisse-central.json, keeping every other key as it is (the file is
 * rewritten as the tools write it, as `tills add` does).
 */
async function writeCatalogKey(paths: CentralPaths, value: string): Promise<void> {
  let text: string;
  try {
    text = await readFile(paths.config, "utf8");
  } catch (error) {
    throw ioError("read", paths.config, error);
  }
  const document = parseJsonDocument(text);
  if (!document.ok || !isRecord(document.value)) {
    throw new CaisseError("E_CONFIG", `${paths.config} is not a JSON object`, {
      details: { path: paths.config },
      hint: `add "catalog": { "key": ${JSON.stringify(value)} } by hand.`,
    });
  }
  const config = document.value;
  const catalog = isRecord(config.catalog) ? config.catalog : {};
  const next = { ...config, catalog: { ...catalog, key: value } };
  await writeFileAtomic(paths.config, `${JSON.stringify(next, null, 2)}\n`);
}

/** `caisse-central keygen`, declared in commands/keygen.ts. */
export async function keygenAction(env: CommandEnv, command: Command): Promise<void> {
  const options = optionsOf<KeygenFlags>(command);
  const log = logger(env.ctx, options);
  checkLocalPaths({ "--out": options.out });
  const central = await openCentral(env.ctx, options);
  const { catalog } = central.config;
  const path = options.out === undefined ? catalog.key : resolve(env.ctx.cwd, options.out);
  const writeConfig = options.writeConfig === true;
  if (writeConfig && catalog.keyConfigured && catalog.key !== path) {
    throw new CaisseError(
      "E_USAGE",
      `--write-config: ${central.paths.config} already names another key (catalog.key ${catalog.key})`,
      {
        details: { path: central.paths.config, key: "catalog.key" },
        hint: "leave out --out to make the key the config names, or change catalog.key by hand.",
      },
    );
  }
  const publicKey = await withLock(central.paths.lock, "caisse-central keygen", async () => {
    await checkReplace(
      path,
      options.force === true,
      "a new key would no longer match catalog.centralKey in the tills' configs. Add --force only if you mean to give every till the new public key.",
    );
    const made = await writeKeyPair(path);
    if (writeConfig && !catalog.keyConfigured)
      await writeCatalogKey(central.paths, keyInConfig(central.paths, path));
    return made;
  });
  await writeResult(env.ctx, publicKey);
  log.info(
    `private key written to ${path} (readable by its owner only); keep it at head office, never on a till.`,
  );
  log.info(
    `give each till the public key: in its caisse-export.json, "catalog": { "dir": "...", "centralKey": "${publicKey}" }`,
  );
  if (writeConfig && !catalog.keyConfigured)
    log.info(`"catalog.key" written into ${central.paths.config}.`);
  else if (path !== catalog.key)
    log.info(
      `to sign the catalogue with this key, set "catalog": { "key": ${JSON.stringify(keyInConfig(central.paths, path))} } in ${central.paths.config}, or run again with --write-config.`,
    );
  env.setExit(EXIT.ok);
}
