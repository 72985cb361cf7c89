import { oneLine } from "@caisse/core";
import type { CheckResult } from "../check/run.js";
import type { Finding } from "../check/findings.js";

function where(finding: Finding): string {
  const parts = [finding.till ?? "all tills"];
  if (finding.file !== null)
    parts.push(finding.line === null ? finding.file : `${finding.file} line ${finding.line}`);
  return parts.join(" ");
}

/**
 * The findings for people: one line each (where, what), the next saying what to do, then a count
 * per kind; or one line saying that nothing was found.
 */
export function renderCheckText(result: CheckResult): string {
  if (result.total === 0) return "no finding: codes, families, closures and files are coherent\n";
  const lines: string[] = [];
  for (const finding of result.findings) {
    lines.push(oneLine(`${where(finding)}: [${finding.kind}] ${finding.message}`));
    lines.push(oneLine(`  what to do: ${finding.todo}`));
  }
  const counts = Object.entries(result.counts)
    .filter(([, count]) => count > 0)
    .map(([kind, count]) => `${count} ${kind}`);
  lines.push(`${result.total} finding${result.total === 1 ? "" : "s"}: ${counts.join(", ")}`);
  return `${lines.join("\n")}\n`;
}

/** The findings as JSON (see docs/monitor.md#check). */
export function renderCheckJson(result: CheckResult): string {
  return `${JSON.stringify({ total: result.total, counts: result.counts, findings: result.findings }, null, 2)}\n`;
}
