import { EXIT, oneOf, writeResult } from "@caisse/cli";
import {
  describeTransport,
  doctorReport,
  failedCheck,
  transportChecks,
  type DoctorCheck,
} from "@caisse/transports";
import { counted } from "@caisse/core";
import type { Command } from "commander";
import { readdir } from "node:fs/promises";
import { logger, type CommandEnv, type GlobalOptions } from "../context.js";
import { openSettings } from "../settings.js";
import { loadSigner } from "../signing.js";
import { requireConfig, requireTransport } from "../config.js";
import { catalogChecks } from "../catalog/doctor.js";

/** Every check of a till, in order; a check that cannot run for want of an earlier one is skipped. */
export async function tillChecks(env: CommandEnv, options: GlobalOptions): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  let settings;
  try {
    settings = await openSettings(env.ctx, options.config, logger(env.ctx, options));
    const config = requireConfig(settings.config, settings.location, "doctor");
    checks.push({ subject: "config", step: "read", ok: true, detail: config.file });
  } catch (error) {
    checks.push(failedCheck("config", "read", error));
    return checks;
  }
  const config = requireConfig(settings.config, settings.location, "doctor");
  try {
    const entries = await readdir(config.data);
    checks.push({
      subject: "data",
      step: "folder",
      ok: true,
      detail: `${config.data} (${counted(entries.length, "entry", "entries")})`,
    });
  } catch (error) {
    checks.push({
      subject: "data",
      step: "folder",
      ok: false,
      detail: `${config.data}: ${error instanceof Error ? error.message : String(error)}`,
      fix: "check data in the config: the till software's export folder, readable by this user.",
    });
  }
  if (config.key === undefined) {
    checks.push({
      subject: "key",
      step: "signing key",
      ok: true,
      detail: "none: archives are not signed",
    });
  } else {
    try {
      await loadSigner(config.key);
      checks.push({ subject: "key", step: "signing key", ok: true, detail: config.key });
    } catch (error) {
      checks.push(failedCheck("key", "signing key", error));
    }
  }
  checks.push(...(await catalogChecks(config, env.ctx.env)));
  let transport;
  try {
    transport = requireTransport(config, "doctor");
  } catch (error) {
    checks.push(failedCheck("transport", "config", error));
    return checks;
  }
  const subject = `transport ${describeTransport(transport)}`;
  checks.push(...(await transportChecks(subject, transport, { env: env.ctx.env })));
  return checks;
}

/** `caisse-export doctor`, declared in commands/doctor.ts. */
export async function doctorAction(
  env: CommandEnv,
  flags: { format: string },
  command: Command,
): Promise<void> {
  const options = command.optsWithGlobals<GlobalOptions>();
  const format = oneOf("--format", flags.format, ["text", "json"] as const);
  const checks = await tillChecks(env, options);
  const report = doctorReport(checks, format);
  await writeResult(env.ctx, report.text);
  env.setExit(report.ok ? EXIT.ok : EXIT.failed);
}
