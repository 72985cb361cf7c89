import { isCaisseError } from "@caisse/core";
import type { TransportEnv, VerifyStep } from "./kind.js";
import { verifyTransport, type TransportConfig } from "./registry.js";

/**
 * `doctor` of both tools: a list of checks, each `ok` or the reason and the fix. The checks are
 * run for real (the transport connects, logs in, writes and removes a probe file).
 */
export interface DoctorCheck extends VerifyStep {
  /** What the step belongs to: `config`, `data`, `key`, `transport`, `source inbox`. */
  subject: string;
}

/** A failed check from an error: its code and message, its hint as the fix. */
export function failedCheck(subject: string, step: string, error: unknown): DoctorCheck {
  if (isCaisseError(error)) {
    return {
      subject,
      step,
      ok: false,
      detail: `${error.code}: ${error.message.replace(/\n\s*/gu, " ")}`,
      fix: error.hint,
    };
  }
  return {
    subject,
    step,
    ok: false,
    detail: error instanceof Error ? error.message : String(error),
  };
}

/** The checks of one subject, from a transport's verify(). */
export function checksOf(subject: string, steps: readonly VerifyStep[]): DoctorCheck[] {
  return steps.map((step) => ({ subject, ...step }));
}

/**
 * The checks of one transport or source, run for real, under `subject`; a check that could not run
 * at all is one failed check.
 */
export async function transportChecks(
  subject: string,
  config: TransportConfig,
  env: TransportEnv,
): Promise<DoctorCheck[]> {
  try {
    return checksOf(subject, await verifyTransport(config, env));
  } catch (error) {
    return [failedCheck(subject, "check", error)];
  }
}

export function doctorPassed(checks: readonly DoctorCheck[]): boolean {
  return checks.every((check) => check.ok);
}

export function renderDoctorText(checks: readonly DoctorCheck[]): string {
  const labels = checks.map((check) => `${check.subject}: ${check.step}`);
  const width = Math.max(...labels.map((label) => label.length));
  const lines: string[] = [];
  checks.forEach((check, index) => {
    lines.push(
      `${check.ok ? "ok  " : "FAIL"}  ${(labels[index] ?? "").padEnd(width)}  ${check.detail}`,
    );
    if (!check.ok && check.fix !== undefined)
      lines.push(`      ${"".padEnd(width)}  fix: ${check.fix}`);
  });
  const failed = checks.filter((check) => !check.ok).length;
  lines.push(
    failed === 0
      ? `all ${checks.length} checks passed`
      : `${failed} of ${checks.length} checks failed`,
  );
  return lines.join("\n");
}

export function renderDoctorJson(checks: readonly DoctorCheck[]): string {
  return JSON.stringify({ ok: doctorPassed(checks), checks }, null, 2);
}

/** The report in the format asked for, and whether every check passed (exit 0, else 1). */
export function doctorReport(
  checks: readonly DoctorCheck[],
  format: "text" | "json",
): { text: string; ok: boolean } {
  return {
    text: format === "json" ? renderDoctorJson(checks) : renderDoctorText(checks),
    ok: doctorPassed(checks),
  };
}
