import { CaisseError, oneLine } from "@caisse/core";
import type { RunSummary } from "../import/run.js";

/** One line per archive, for people: what was imported, what was refused and why. */
export function renderSummaryText(summary: RunSummary): string {
  const lines: string[] = [];
  for (const recovered of summary.recovered) {
    lines.push(
      `recovered ${recovered.till}: an interrupted import was ${recovered.kind === "rolled-forward" ? "completed" : "undone"}`,
    );
  }
  for (const result of summary.results) {
    const what = [result.till ?? "?", result.sequence === null ? "" : `#${result.sequence}`]
      .filter((part) => part !== "")
      .join(" ");
    switch (result.outcome) {
      case "accepted":
        lines.push(
          `imported  ${what}  ${result.file}  (${result.files} files${result.gap === null ? "" : `, missing #${result.gap[0]}..#${result.gap[1]}`})`,
        );
        break;
      case "duplicate":
        lines.push(`already   ${what}  ${result.file}  (already imported)`);
        break;
      case "rejected":
        lines.push(
          `rejected  ${what}  ${result.file}  ${result.code ?? ""}: ${result.reason ?? ""} -> ${result.stored ?? ""}`,
        );
        break;
    }
  }
  for (const failure of summary.failures) {
    const error = failure.error;
    const message =
      error instanceof CaisseError ? `${error.code}: ${error.message}` : String(error);
    lines.push(
      `failed    ${failure.source}${failure.item === null ? "" : ` ${failure.item}`}  ${message}`,
    );
  }
  const count = (outcome: string): number =>
    summary.results.filter((result) => result.outcome === outcome).length;
  lines.push(
    `${count("accepted")} imported, ${count("duplicate")} already imported, ${count("rejected")} rejected, ${summary.failures.length} failed`,
  );
  return lines.map(oneLine).join("\n");
}

/** The same for machines. */
export function renderSummaryJson(summary: RunSummary): string {
  return JSON.stringify(
    {
      recovered: summary.recovered,
      archives: summary.results,
      failures: summary.failures.map((failure) => ({
        source: failure.source,
        item: failure.item,
        code: failure.error instanceof CaisseError ? failure.error.code : "E_INTERNAL",
        message: failure.error instanceof Error ? failure.error.message : String(failure.error),
      })),
    },
    null,
    2,
  );
}
