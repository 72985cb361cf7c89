import type { Command } from "commander";
import type { FieldFlags } from "../actions/tills.js";
import type { CommandEnv } from "../context.js";

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

/**
 * Declares `tills` and its subcommands; their code, in actions/tills.ts, is loaded when they run
 * (docs/architecture.md).
 */
export function registerTills(program: Command, env: CommandEnv): void {
  const tills = program
    .command("tills")
    .description("the till table: list, add, set, enable, disable, remove");
  const actions = () => import("../actions/tills.js");

  tills
    .command("list", { isDefault: true })
    .description("the till table: ref, name, path, enabled, key")
    .option("--format <format>", "table or json", "table")
    .action(async (_flags: object, command: Command) => {
      await (await actions()).tillsListAction(env, command);
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
    await (await actions()).tillsAddAction(env, ref, flags, command);
  });

  withFieldOptions(
    tills
      .command("set")
      .description("change a till's name, path, key, mail, encoding or columns")
      .argument("<ref>", "the till's reference")
      .option("--name <name>", "new name, at most 20 characters")
      .option("--path <path>", "new directory (the data already imported stays in the old one)"),
  ).action(async (ref: string, flags: FieldFlags, command: Command) => {
    await (await actions()).tillsSetAction(env, ref, flags, command);
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
        await (await actions()).tillsEnableAction(env, ref, enabled, command);
      });
  }

  tills
    .command("remove")
    .description("remove a till from the table; its directory and archives are kept")
    .argument("<ref>", "the till's reference")
    .action(async (ref: string, _flags: object, command: Command) => {
      await (await actions()).tillsRemoveAction(env, ref, command);
    });
}
