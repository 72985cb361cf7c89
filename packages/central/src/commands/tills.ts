import { colorAllowed, EXIT, oneOf, writeResult } from "@caisse/cli";
import { CaisseError, checkLocalPaths } from "@caisse/core";
import type { Command } from "commander";
import { centralPaths, tillDirectory } from "../config.js";
import { openCentral, resolveRoot, type CommandEnv } from "../context.js";
import { addTill, removeTill, setTill, type TillChanges } from "../registry.js";
import { renderTillsJson, renderTillsTable } from "../render/tills.js";
import { optionsOf } from "./shared.js";

interface FieldFlags {
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

function withFieldOptions(command: Command): Command {
  return command
    .option("--key <key>", 'the till\'s public key, ed25519:... ("" to remove)')
    .option("--mail <address>", 'where to mail the catalogue ("" to remove)')
    .option(
      "--encoding <name>",
      'CSV encoding instead of detecting it, e.g. windows-1252 ("" for auto)',
    )
    .option(
      "--column <name=header...>",
      "column mapping for till software with other headers, e.g. quantite=Qte",
    );
}

export function registerTills(program: Command, env: CommandEnv): void {
  const { ctx } = env;
  const tills = program
    .command("tills")
    .description("the till table: list, add, set, enable, disable, remove");
  const pathsOf = (command: Command) =>
    centralPaths(resolveRoot(ctx, optionsOf<object>(command).root));
  const say = async (text: string) => {
    await writeResult(ctx, text);
    env.setExit(EXIT.ok);
  };

  tills
    .command("list", { isDefault: true })
    .description("the till table: ref, name, path, enabled, key")
    .option("--format <format>", "table or json", "table")
    .action(async (_flags: object, command: Command) => {
      const options = optionsOf<{ format: string }>(command);
      const format = oneOf("--format", options.format, ["table", "json"] as const);
      const central = await openCentral(ctx, options);
      const list = central.config.tills;
      await say(
        format === "json"
          ? renderTillsJson(list)
          : renderTillsTable(list, { color: colorAllowed(ctx, ctx.stdout) }),
      );
    });

  withFieldOptions(
    tills
      .command("add")
      .description("register a till")
      .argument("<ref>", "reference: 1 to 16 letters, digits, - or _, such as D01")
      .requiredOption("--name <name>", 'name, at most 20 characters, such as "Magasin 1"')
      .option(
        "--path <path>",
        "its directory, relative to tills/ or absolute (default: the reference)",
      )
      .option("--disabled", "register it disabled: imported, left out of reports"),
  ).action(async (ref: string, flags: FieldFlags & { name: string }, command: Command) => {
    const paths = pathsOf(command);
    const till = await addTill(paths, ref, {
      ...changesOf(flags),
      name: flags.name,
      enabled: flags.disabled !== true,
    });
    await say(
      `added ${till.ref} ${till.name} -> ${tillDirectory(paths, till)}${till.enabled ? "" : " (disabled)"}`,
    );
  });

  withFieldOptions(
    tills
      .command("set")
      .description("change a till's name, path, key, mail, encoding or columns")
      .argument("<ref>", "the till's reference")
      .option("--name <name>", "new name, at most 20 characters")
      .option("--path <path>", "new directory (the data already imported stays in the old one)"),
  ).action(async (ref: string, flags: FieldFlags, command: Command) => {
    const paths = pathsOf(command);
    const till = await setTill(paths, ref, changesOf(flags));
    await say(`updated ${till.ref} ${till.name} -> ${tillDirectory(paths, till)}`);
  });

  for (const [name, enabled] of [
    ["enable", true],
    ["disable", false],
  ] as const) {
    tills
      .command(name)
      .description(
        enabled
          ? "count the till in reports again"
          : "leave the till out of reports (its archives are still imported)",
      )
      .argument("<ref>", "the till's reference")
      .action(async (ref: string, _flags: object, command: Command) => {
        const till = await setTill(pathsOf(command), ref, { enabled });
        await say(`${till.ref} ${till.name} is ${enabled ? "enabled" : "disabled"}`);
      });
  }

  tills
    .command("remove")
    .description("remove a till from the table; its directory and archives are kept")
    .argument("<ref>", "the till's reference")
    .action(async (ref: string, _flags: object, command: Command) => {
      const paths = pathsOf(command);
      const till = await removeTill(paths, ref);
      await say(
        `removed ${till.ref} ${till.name}; its data stays in ${tillDirectory(paths, till)} and archives/${till.ref}/`,
      );
    });
}
