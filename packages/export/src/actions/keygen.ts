import { EXIT, writeResult } from "@caisse/cli";
import { checkLocalPaths } from "@caisse/core";
import type { Command } from "commander";
import { checkReplace } from "@caisse/core";
import { CaisseError } from "@caisse/core";
import { dirname, join, resolve } from "node:path";
import { keyInConfig, keyLine, writeKeyIntoConfig } from "../configKey.js";
import { logger, type CommandEnv, type GlobalOptions } from "../context.js";
import type { ExportConfig } from "../config.js";
import { openSettings } from "../settings.js";
import { writeKeyPair } from "../signing.js";

/** Makes the till's key pair at `path`; refuses to replace a key without `force`. */
export async function generateTillKey(options: {
  path: string;
  force: boolean;
}): Promise<{ path: string; publicKey: string }> {
  await checkReplace(
    options.path,
    options.force,
    "a new key would no longer match the public key head office registered. Add --force only if you mean to register a new one.",
  );
  return { path: options.path, publicKey: await writeKeyPair(options.path) };
}

/** Yes in English or French; anything else, an empty line included, is no. */
const YES = /^\s*(?:y|yes|o|oui)\s*$/iu;

/** `caisse-export keygen`, declared in commands/keygen.ts. */
export async function keygenAction(env: CommandEnv, command: Command): Promise<void> {
  const options = command.optsWithGlobals<
    { out?: string; force?: boolean; writeConfig?: boolean } & GlobalOptions
  >();
  const log = logger(env.ctx, options);
  checkLocalPaths({ "--out": options.out });
  const { config, location } = await openSettings(env.ctx, options.config, log);
  const path =
    options.out === undefined
      ? (config?.key ?? join(dirname(location.path), `${config?.till ?? "caisse-export"}.key`))
      : resolve(env.ctx.cwd, options.out);
  const value = keyInConfig(path, location.path);
  if (options.writeConfig === true) checkConfigTakesKey(config, path, location.path);
  const result = await generateTillKey({ path, force: options.force === true });
  await writeResult(env.ctx, result.publicKey);
  log.info(
    `private key written to ${result.path} (readable by its owner only); keep it on this till.`,
  );
  log.info(
    `register the public key at head office: caisse-central tills set ${config?.till ?? "REF"} --key ${result.publicKey}`,
  );
  if (config?.key === undefined) {
    const write =
      config !== undefined &&
      (options.writeConfig === true ||
        (env.ctx.ask !== undefined &&
          YES.test(
            await env.ctx.ask(`write ${keyLine(value).slice(0, -1)} into ${location.path}? [y/N] `),
          )));
    if (write) {
      await writeKeyIntoConfig(location.path, value);
      log.info(
        `${keyLine(value).slice(0, -1)} written into ${location.path}: archives are signed from now on.`,
      );
    } else {
      log.info(
        `to sign archives, add this line inside the braces of ${location.path}: ${keyLine(value)}`,
      );
    }
  }
  env.setExit(EXIT.ok);
}

/**
 * `--write-config` needs a config file to write into, and one that does not name another key:
 * checked before the key is made, so that a refusal leaves nothing behind.
 */
function checkConfigTakesKey(
  config: ExportConfig | undefined,
  path: string,
  configPath: string,
): void {
  if (config === undefined) {
    throw new CaisseError("E_USAGE", `--write-config: there is no config file at ${configPath}`, {
      details: { path: configPath },
      hint: "run 'caisse-export init' first, or give the config file with --config FILE.",
    });
  }
  if (config.key !== undefined && config.key !== path) {
    throw new CaisseError(
      "E_USAGE",
      `--write-config: ${configPath} already names another key (${config.key})`,
      {
        details: { path: configPath, key: "key" },
        hint: 'leave out --out to make the key the config names, or change its "key" by hand.',
      },
    );
  }
}
