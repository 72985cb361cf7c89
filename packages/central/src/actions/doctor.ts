import { EXIT, oneOf, writeResult } from "@caisse/cli";
import {
  describeTransport,
  doctorReport,
  failedCheck,
  transportChecks,
  type DoctorCheck,
} from "@caisse/transports";
import type { Command } from "commander";
import { access, constants } from "node:fs/promises";
import { logger, openCentral, type CommandEnv, type GlobalOptions } from "../context.js";
import { optionsOf } from "../commands/shared.js";
import { catalogChecks } from "../catalog/doctor.js";

/** Every check of a central root: its config, its folders, and each source for real. */
export async function centralChecks(
  env: CommandEnv,
  options: GlobalOptions,
): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  let central;
  try {
    central = await openCentral(env.ctx, options);
    checks.push({ subject: "config", step: "read", ok: true, detail: central.paths.config });
  } catch (error) {
    checks.push(failedCheck("config", "read", error));
    return checks;
  }
  const log = logger(env.ctx, options);
  for (const warning of central.config.warnings ?? []) log.warn(warning);
  const { paths } = central;
  for (const [name, folder] of [
    ["tills", paths.tills],
    ["archives", paths.archives],
    ["quarantine", paths.quarantine],
  ] as const) {
    try {
      await access(folder, constants.R_OK | constants.W_OK);
      checks.push({ subject: "root", step: `${name}/`, ok: true, detail: folder });
    } catch (error) {
      checks.push({
        subject: "root",
        step: `${name}/`,
        ok: false,
        detail: `${folder}: ${error instanceof Error ? error.message : String(error)}`,
        fix: "run 'caisse-central init' in the root, and check that this user may write there.",
      });
    }
  }
  for (const source of central.config.sources) {
    const subject = `source ${source.name} (${describeTransport(source.transport)})`;
    checks.push(...(await transportChecks(subject, source.transport, { env: env.ctx.env })));
  }
  checks.push(...(await catalogChecks(central, env.ctx.env)));
  return checks;
}

/** `caisse-central doctor`, declared in commands/doctor.ts. */
export async function doctorAction(env: CommandEnv, command: Command): Promise<void> {
  const options = optionsOf<GlobalOptions & { format: string }>(command);
  const format = oneOf("--format", options.format, ["text", "json"] as const);
  const checks = await centralChecks(env, options);
  const report = doctorReport(checks, format);
  await writeResult(env.ctx, report.text);
  env.setExit(report.ok ? EXIT.ok : EXIT.failed);
}
