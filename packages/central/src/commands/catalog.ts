import type { Command } from "commander";
import type { CommandEnv } from "../context.js";

/**
 * Declares `catalog export` and `catalog send`; their code, in actions/catalog.ts, is loaded when
 * they run (docs/architecture.md).
 */
export function registerCatalog(program: Command, env: CommandEnv): void {
  const catalog = program
    .command("catalog")
    .description("the reference catalogue: build it signed, publish it to the tills");
  catalog
    .command("export")
    .description(
      "check catalog/articles.csv and familles.csv, then build the signed catalogue archive",
    )
    .option("--out <file>", "also copy the archive to this file")
    .option("--from-till <ref>", "take that till's articles*.csv and familles*.csv instead")
    .option("--format <format>", "text or json", "text")
    .action(async (_flags: object, command: Command) => {
      const { catalogExportAction } = await import("../actions/catalog.js");
      await catalogExportAction(env, command);
    });
  catalog
    .command("send")
    .description("copy the last catalogue built to every destination of catalog.send")
    .option("--format <format>", "text or json", "text")
    .action(async (_flags: object, command: Command) => {
      const { catalogSendAction } = await import("../actions/catalog.js");
      await catalogSendAction(env, command);
    });
}
