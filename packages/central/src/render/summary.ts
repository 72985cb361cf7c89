import { isCaisseError, counted, oneLine } from "@caisse/core";
import type { RunSummary } from "../import/run.js";

/** One line per archive, for people: what was imported, what was refused and why. */
export function renderSummaryText(summary: RunSummary): string {
  const lines: string[] = summary.dryRun
    ? ["dry run: nothing was changed; a real run would do this:"]
    : [];
  const width = summary.dryRun ? 14 : 10;
  const would = (done: string, planned: string): string =>
    (summary.dryRun ? planned : done).padEnd(width);
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
          `${would("imported", "would import")}${what}  ${result.file}  (${counted(result.files, "file")}${result.target === null || !summary.dryRun ? "" : ` into ${result.target}`}${result.gap === null ? "" : `, missing #${result.gap[0]}..#${result.gap[1]}${result.gapRejected.length === 0 ? "" : ` (rejected: ${result.gapRejected.map((sequence) => `#${sequence}`).join(", ")})`}`}${result.chain === "broken" ? ", chain broken" : ""})`,
        );
        break;
      case "duplicate":
        lines.push(`${would("already", "already")}${what}  ${result.file}  (already imported)`);
        break;
      case "rejected":
        lines.push(
          `${would("rejected", "would reject")}${what}  ${result.file}  ${result.code ?? ""}: ${result.reason ?? ""}${result.stored === null ? "" : ` -> ${result.stored}`}`,
        );
        break;
    }
  }
  for (const failure of summary.failures) {
    const error = failure.error;
    const message = isCaisseError(error) ? `${error.code}: ${error.message}` : String(error);
    lines.push(
      `${"failed".padEnd(width)}${failure.source}${failure.item === null ? "" : ` ${failure.item}`}  ${message}`,
    );
  }
  const count = (outcome: string): number =>
    summary.results.filter((result) => result.outcome === outcome).length;
  lines.push(
    summary.dryRun
      ? `${count("accepted")} to import, ${count("duplicate")} already imported, ${count("rejected")} to reject, ${summary.failures.length} failed`
      : `${count("accepted")} imported, ${count("duplicate")} already imported, ${count("rejected")} rejected, ${summary.failures.length} failed`,
  );
  return lines.map(oneLine).join("\n");
}

/** The same for machines. */
export function renderSummaryJson(summary: RunSummary): string {
  return JSON.stringify(
    {
      dryRun: summary.dryRun,
      recovered: summary.recovered,
      archives: summary.results,
      failures: summary.failures.map((failure) => ({
        source: failure.source,
        item: failure.item,
        code: isCaisseError(failure.error) ? failure.error.code : "E_INTERNAL",
        message: failure.error instanceof Error ? failure.error.message : String(failure.error),
      })),
    },
    null,
    2,
  );
}
