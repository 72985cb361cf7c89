import type { Command } from "commander";
import type { CommandEnv } from "../context.js";

/**
 * Declares `catalog import` and `catalog fetch`; their code, in actions/catalog.ts, is loaded when
 * they run (docs/architecture.md).
 */
export function registerCatalog(program: Command, env: CommandEnv): void {
  const catalog = program
    .command("catalog")
    .description("apply the catalogue head office publishes, checked against its signature");
  catalog
    .command("import")
    .description("apply a catalogue archive given as a file")
    .argument("<file>", "the catalogue archive (.zip) made by 'caisse-central catalog export'")
    .option("--format <format>", "text or json", "text")
    .action(async (file: string, _flags: object, command: Command) => {
      const { catalogImportAction } = await import("../actions/catalog.js");
      await catalogImportAction(env, file, command);
    });
  catalog
    .command("fetch")
    .description(
      "fetch the newest catalogue from catalog.source (or beside the transport's folder)",
    )
    .option("--format <format>", "text or json", "text")
    .action(async (_flags: object, command: Command) => {
      const { catalogFetchAction } = await import("../actions/catalog.js");
      await catalogFetchAction(env, command);
    });
}
