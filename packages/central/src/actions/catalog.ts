import { EXIT, interruptible, oneOf, reportError, worstExit, writeResult } from "@caisse/cli";
import { checkLocalPaths, oneLine } from "@caisse/core";
import type { Command } from "commander";
import { resolve } from "node:path";
import { exportCatalog } from "../catalog/build.js";
import { sendCatalog } from "../catalog/send.js";
import { logger, openCentral, type CommandEnv } from "../context.js";
import { optionsOf } from "../commands/shared.js";

/** `caisse-central catalog export`, declared in commands/catalog.ts. */
export async function catalogExportAction(env: CommandEnv, command: Command): Promise<void> {
  const options = optionsOf<{ out?: string; fromTill?: string; format: string }>(command);
  const format = oneOf("--format", options.format, ["text", "json"] as const);
  checkLocalPaths({ "--out": options.out });
  const central = await openCentral(env.ctx, options);
  const result = await exportCatalog(central, {
    fromTill: options.fromTill,
    out: options.out === undefined ? undefined : resolve(env.ctx.cwd, options.out),
    now: env.ctx.now,
  });
  await writeResult(
    env.ctx,
    format === "json"
      ? JSON.stringify(result, null, 2)
      : [
          `catalogue #${result.sequence} built from ${result.from}: ${result.articles} articles, ${result.families} families`,
          `  ${result.file}`,
          ...(result.out === null ? [] : [`  copied to ${result.out}`]),
        ].join("\n"),
  );
  logger(env.ctx, options).info("publish it to the tills with: caisse-central catalog send");
  env.setExit(EXIT.ok);
}

/** `caisse-central catalog send`, declared in commands/catalog.ts. */
export async function catalogSendAction(env: CommandEnv, command: Command): Promise<void> {
  const options = optionsOf<{ format: string }>(command);
  const format = oneOf("--format", options.format, ["text", "json"] as const);
  const central = await openCentral(env.ctx, options);
  const result = await interruptible(env.ctx, (signal) =>
    sendCatalog(central, { env: env.ctx.env, signal }),
  );
  const failures = result.deliveries.flatMap((delivery) =>
    delivery.error === null ? [] : [delivery.error],
  );
  await writeResult(
    env.ctx,
    format === "json"
      ? JSON.stringify(
          {
            name: result.name,
            sequence: result.sequence,
            deliveries: result.deliveries.map(({ destination, ok, detail, error }) => ({
              destination,
              ok,
              detail,
              code: error?.code ?? null,
            })),
          },
          null,
          2,
        )
      : [
          `catalogue #${result.sequence} (${result.name}):`,
          ...result.deliveries.map(
            (delivery) =>
              `  ${delivery.ok ? "sent" : "FAILED"}  ${oneLine(delivery.destination)}: ${oneLine(delivery.detail)}`,
          ),
        ].join("\n"),
  );
  env.setExit(
    worstExit(failures.map((failure) => reportError(failure, env.ctx, options.verbose === true))),
  );
}
