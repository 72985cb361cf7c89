import { colorAllowed, EXIT, oneOf, writeResult } from "@caisse/cli";
import { CaisseError, checkLocalPaths } from "@caisse/core";
import type { Command } from "commander";
import { centralPaths, tillDirectory, type CentralPaths } from "../config.js";
import { openCentral, resolveRoot, type CommandEnv } from "../context.js";
import { addTill, removeTill, setTill, type TillChanges } from "../registry.js";
import { renderTillsJson, renderTillsTable } from "../render/tills.js";
import { optionsOf } from "../commands/shared.js";

export interface FieldFlags {
  name?: string;
  path?: string;
  key?: string;
  mail?: string;
  encoding?: string;
  column?: string[];
  disabled?: boolean;
}

/** `--column quantite=Qte` pairs into a column mapping. */
function parseColumns(pairs: readonly string[] | undefined): Record<string, string> | undefined {
  if (pairs === undefined) return undefined;
  const columns: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf("=");
    if (at <= 0 || at === pair.length - 1) {
      throw new CaisseError(
        "E_USAGE",
        `--column must be NAME=HEADER, such as quantite=Qte (found '${pair}')`,
      );
    }
    columns[pair.slice(0, at).trim()] = pair.slice(at + 1).trim();
  }
  return columns;
}

function changesOf(flags: FieldFlags): TillChanges {
  checkLocalPaths({ "--path": flags.path });
  return {
    name: flags.name,
    path: flags.path,
    key: flags.key,
    mail: flags.mail,
    encoding: flags.encoding,
    columns: parseColumns(flags.column),
  };
}

const pathsOf = (env: CommandEnv, command: Command): CentralPaths =>
  centralPaths(resolveRoot(env.ctx, optionsOf<object>(command).root));

async function say(env: CommandEnv, text: string): Promise<void> {
  await writeResult(env.ctx, text);
  env.setExit(EXIT.ok);
}

/** `caisse-central tills list`; the tills commands are declared in commands/tills.ts. */
export async function tillsListAction(env: CommandEnv, command: Command): Promise<void> {
  const { ctx } = env;
  const options = optionsOf<{ format: string }>(command);
  const format = oneOf("--format", options.format, ["table", "json"] as const);
  const central = await openCentral(ctx, options);
  const list = central.config.tills;
  await say(
    env,
    format === "json"
      ? renderTillsJson(list)
      : renderTillsTable(list, { color: colorAllowed(ctx, ctx.stdout) }),
  );
}

/** `caisse-central tills add`. */
export async function tillsAddAction(
  env: CommandEnv,
  ref: string,
  flags: FieldFlags & { name: string },
  command: Command,
): Promise<void> {
  const paths = pathsOf(env, command);
  const till = await addTill(paths, ref, {
    ...changesOf(flags),
    name: flags.name,
    enabled: flags.disabled !== true,
  });
  await say(
    env,
    `added ${till.ref} ${till.name} -> ${tillDirectory(paths, till)}${till.enabled ? "" : " (disabled)"}`,
  );
}

/** `caisse-central tills set`. */
export async function tillsSetAction(
  env: CommandEnv,
  ref: string,
  flags: FieldFlags,
  command: Command,
): Promise<void> {
  const paths = pathsOf(env, command);
  const till = await setTill(paths, ref, changesOf(flags));
  await say(env, `updated ${till.ref} ${till.name} -> ${tillDirectory(paths, till)}`);
}

/** `caisse-central tills enable` and `disable`. */
export async function tillsEnableAction(
  env: CommandEnv,
  ref: string,
  enabled: boolean,
  command: Command,
): Promise<void> {
  const till = await setTill(pathsOf(env, command), ref, { enabled });
  await say(env, `${till.ref} ${till.name} is ${enabled ? "enabled" : "disabled"}`);
}

/** `caisse-central tills remove`. */
export async function tillsRemoveAction(
  env: CommandEnv,
  ref: string,
  command: Command,
): Promise<void> {
  const paths = pathsOf(env, command);
  const till = await removeTill(paths, ref);
  await say(
    env,
    `removed ${till.ref} ${till.name}; its data stays in ${tillDirectory(paths, till)} and archives/${till.ref}/`,
  );
}
