import { EXIT, writeResult } from "@caisse/cli";
import { checkLocalPaths } from "@caisse/core";
import type { Command } from "commander";
import { checkReplace } from "../replace.js";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { logger, type CommandEnv, type GlobalOptions } from "../context.js";
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

export function registerKeygen(program: Command, env: CommandEnv): void {
  program
    .command("keygen")
    .description(
      "make this till's Ed25519 key pair; print the public key to register at head office",
    )
    .option(
      "--out <file>",
      "the private key file (default: the config's 'key', else <TILL>.key beside the config)",
    )
    .option("--force", "replace an existing key")
    .action(async (_flags: object, command: Command) => {
      const options = command.optsWithGlobals<{ out?: string; force?: boolean } & GlobalOptions>();
      const log = logger(env.ctx, options);
      checkLocalPaths({ "--out": options.out });
      const { config, location } = await openSettings(env.ctx, options.config, log);
      const path =
        options.out === undefined
          ? (config?.key ?? join(dirname(location.path), `${config?.till ?? "caisse-export"}.key`))
          : resolve(env.ctx.cwd, options.out);
      const result = await generateTillKey({ path, force: options.force === true });
      await writeResult(env.ctx, result.publicKey);
      log.info(
        `private key written to ${result.path} (readable by its owner only); keep it on this till.`,
      );
      log.info(
        `register the public key at head office: caisse-central tills set ${config?.till ?? "REF"} --key ${result.publicKey}`,
      );
      if (config?.key === undefined)
        log.info(
          `then add "key": ${JSON.stringify(keyInConfig(result.path, location.path))} to ${location.path} so that archives are signed.`,
        );
      env.setExit(EXIT.ok);
    });
}

/**
 * How to write the key's path in the config: relative to the config's folder when it is there or
 * below (as the config reads relative paths), else absolute.
 */
function keyInConfig(keyPath: string, configPath: string): string {
  const relativePath = relative(dirname(configPath), keyPath);
  return relativePath === "" || relativePath.startsWith("..") || isAbsolute(relativePath)
    ? keyPath
    : relativePath;
}
